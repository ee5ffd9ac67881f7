"""Canonical values: an API target's answer as plain JSON with every float bit-exact.

The twin of harness/api/canonical-value.ts (see Note [canonical values] there): Python ints within
±2**53 are JSON numbers, larger ones {'int': decimal}; floats {'float': hex of the binary64 bits};
tensors {'tensor': {dtype, shape, bits}} with one big-endian hex string per element (float bits, or
two's-complement bits for integer dtypes); str, bool, None, list/tuple and str-keyed dicts as
themselves.
"""
import struct

import torch

_INT_LIMIT = 2 ** 53

_FLOAT_FORMATS = {torch.float32: ('<f', '>I', 8), torch.float64: ('<d', '>Q', 16)}


def canonical_float(value):
    return {'float': struct.pack('>d', value).hex()}


def canonical_tensor(tensor):
    tensor = tensor.detach().contiguous().cpu()
    dtype_name = str(tensor.dtype).removeprefix('torch.')
    flat = tensor.reshape(-1)
    if tensor.dtype in _FLOAT_FORMATS:
        # Bits via an integer view, so NaN payloads survive (a Python float round trip may not).
        view = flat.view(torch.int32 if tensor.dtype == torch.float32 else torch.int64)
        width = 8 if tensor.dtype == torch.float32 else 16
        mask = (1 << (4 * width)) - 1
        bits = [format(v & mask, f'0{width}x') for v in view.tolist()]
    elif tensor.dtype == torch.bool:
        bits = ['01' if v else '00' for v in flat.tolist()]
    elif not tensor.dtype.is_floating_point and not tensor.dtype.is_complex:
        width = 2 * tensor.element_size()
        mask = (1 << (4 * width)) - 1
        bits = [format(v & mask, f'0{width}x') for v in flat.tolist()]
    else:
        raise TypeError(f'BUG: no canonical form for {tensor.dtype}')
    return {'tensor': {'dtype': dtype_name, 'shape': list(tensor.shape), 'bits': bits}}


def canonical(value):
    """The canonical JSON of a target's Python answer."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -_INT_LIMIT <= value <= _INT_LIMIT else {'int': str(value)}
    if isinstance(value, float):
        return canonical_float(value)
    if isinstance(value, torch.Tensor):
        return canonical_tensor(value)
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    raise TypeError(f'BUG: no canonical form for {type(value).__name__}')
