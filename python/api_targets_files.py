"""API targets for the library's file formats and tensor factory (issue 18 item 1), answered by the real
Python packages torch users use: `safetensors` (its Rust reader and writer), `torch.tensor`, and
`torch.nn.modules.utils.consume_prefix_in_state_dict_if_present`.

Registered in api_targets.py by one `from api_targets_files import *` line; the names are
harness/api/targets/*.ts's `name`s.
"""
import ctypes
import json
import math
import struct
from collections import OrderedDict

import torch
from safetensors import SafetensorError, TensorSpec, serialize
from safetensors.torch import load as safetensors_load
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

from api_targets import ArgsError, tensor

__all__ = ['target_safetensors_read', 'target_safetensors_write', 'target_state_dict_json', 'target_state_dict_from_json',
           'target_tensor_from_nested',
           'target_strip_state_dict_prefix']

# The file's dtype tags the library reads (src/safetensors.ts SUPPORTED_DTYPES); the rest it rejects.
LIBRARY_DTYPES = {'F32', 'F64'}
TORCH_OF_TAG = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16,
                'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8,
                'BOOL': torch.bool}

# Note [safetensors error classes]: how a Rust `SafetensorError` message names its variant. The
# library's SafetensorsError codes are these variant names (harness/api/targets/safetensors-errors.ts
# maps them); where the library deliberately differs from the Rust reader, rust_verdict() says so.
RUST_VARIANTS = [
    ('header too small', 'HeaderTooSmall'),
    ('header too large', 'HeaderTooLarge'),
    ('invalid header length', 'InvalidHeaderLength'),
    ('invalid UTF-8 in header', 'InvalidHeader'),
    ('invalid JSON in header: unknown variant', 'UnsupportedDtype'),
    ('invalid JSON in header', 'InvalidHeaderDeserialization'),
    ('invalid offset for tensor', 'InvalidOffset'),
    ('invalid shape, data type, or offset for tensor', 'TensorInvalidInfo'),
    ('overflow computing buffer size', 'ValidationOverflow'),
    ('incomplete metadata, file not fully covered', 'MetadataIncompleteBuffer'),
]


class SafetensorsVerdict(Exception):
    """The error class the library must report for a file (type SafetensorError, message the class)."""

    def __init__(self, variant):
        super().__init__(variant)


SafetensorsVerdict.__name__ = 'SafetensorError'


def rust_variant(error):
    text = str(error).removeprefix('Error while deserializing: ')
    for prefix, variant in RUST_VARIANTS:
        if text.startswith(prefix):
            return variant
    raise ArgsError(f'unmapped safetensors error: {text}')


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise SafetensorsVerdict('DuplicateName')
    return OrderedDict(pairs)


def rust_verdict(data):
    """The library's documented answer for a file: the Rust reader's verdict and tensors, except that
    (1) a JSON header naming a key twice is DuplicateName (Rust keeps the last silently; the library
    refuses to lose a tensor), and (2) dtypes other than F32/F64 are UnsupportedDtype."""
    try:
        tensors = safetensors_load(data)
    except SafetensorError as e:
        variant = rust_variant(e)
        if variant == 'InvalidHeaderDeserialization':
            _header(data)  # a syntactically valid header with a duplicate key is DuplicateName first
        if variant in LAYOUT_VARIANTS and any(info['dtype'] not in LIBRARY_DTYPES for info in _tensor_infos(data)):
            variant = 'UnsupportedDtype'  # the library checks dtypes as it reads the header, before the layout
        raise SafetensorsVerdict(variant) from None
    header = _header(data)
    names = [k for k in header if k != '__metadata__']
    if any(header[k]['dtype'] not in LIBRARY_DTYPES for k in names):
        raise SafetensorsVerdict('UnsupportedDtype')
    metadata = header.get('__metadata__')
    return {'tensors': [[k, tensors[k]] for k in names],
            'metadata': None if metadata is None else sorted([k, v] for k, v in metadata.items())}


LAYOUT_VARIANTS = {'InvalidOffset', 'TensorInvalidInfo', 'ValidationOverflow', 'MetadataIncompleteBuffer'}


def _tensor_infos(data):
    header = _header(data) or {}
    return [info for k, info in header.items() if k != '__metadata__']


def _header(data):
    n = struct.unpack('<Q', data[:8])[0]
    try:
        return json.loads(data[8:8 + n].decode('utf-8'), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


_EMPTY = ctypes.c_char()


def rust_file(entries, metadata):
    """The Rust writer's file for (name, tensor) pairs: safetensors.torch.save without its numpy detour
    (the same TensorSpec pointers it hands to the same Rust `serialize`)."""
    specs = {}
    for name, t in entries:
        t = t.contiguous()
        size = t.numel() * t.element_size()
        specs[name] = TensorSpec(dtype=str(t.dtype).split('.')[-1], shape=list(t.shape),
                                 data_ptr=t.data_ptr() if size else ctypes.addressof(_EMPTY), data_len=size)
    return serialize(specs, metadata=metadata)


def _file_tensor(entry):
    if entry['dtype'] in LIBRARY_DTYPES:
        return tensor(entry['tensor'])
    return torch.zeros(entry['tensor']['shape'], dtype=TORCH_OF_TAG[entry['dtype']])


def target_safetensors_read(args):
    """args: the drawn tensors and metadata, and `file` (hex): the harness's rendering of them in the
    Rust writer's layout, then mutated (harness/api/targets/safetensors-layout.ts)."""
    data = bytes.fromhex(args['file'])
    # The Rust 0.8.0 writer's file for no tensors and empty metadata is not JSON ('{},"__metadata__":{}}'):
    # there the harness's rendering stands alone.
    if args['mutation'] is None and (args['entries'] or args['metadata'] != []):
        metadata = None if args['metadata'] is None else dict(args['metadata'])
        expected = rust_file([(e['name'], _file_tensor(e)) for e in args['entries']], metadata)
        if expected != data:
            raise ArgsError('the harness rendered a file the Rust writer would not write')
    return rust_verdict(data)


def target_safetensors_write(args):
    """args: `file` (hex), what the library's writeSafetensors wrote for the drawn tensors. The answer:
    what the Rust reader finds in it, and (when the tensors are in the Rust writer's order and at most one
    metadata key makes the header canonical) the Rust writer's bytes for the same tensors."""
    if args['file'] is None:
        raise SafetensorsVerdict('the library wrote no file')  # every writer accepts these args: a mismatch, never a crash
    data = bytes.fromhex(args['file'])
    answer = rust_verdict(data)
    metadata = None if args['metadata'] is None else dict(args['metadata'])
    answer['rust_bytes'] = rust_file([(e['name'], tensor(e['tensor'])) for e in args['entries']], metadata).hex() \
        if args['canonical'] else None
    return answer


# --- state-dict JSON (the library's documented format, src/state-dict-json.ts) ---------------------

def js_number(value):
    """ECMAScript Number::toString of a finite double (what JSON.stringify prints): the same shortest
    round-trip digits as Python's repr, laid out by ECMA-262 rules."""
    if value == 0:
        return '0'
    sign = '-' if value < 0 else ''
    digits, exponent = _shortest(abs(value))
    k, n = len(digits), exponent
    if k <= n <= 21:
        body = digits + '0' * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + '.' + digits[n:]
    elif -6 < n <= 0:
        body = '0.' + '0' * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + '.' + digits[1:]
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def _shortest(value):
    """(digits, n) with value = 0.digits × 10ⁿ, digits the shortest round-trip ones (repr's)."""
    mantissa, _, exp = repr(value).partition('e')
    whole, _, frac = mantissa.partition('.')
    n = int(exp or 0)
    if whole == '0':
        digits = frac.lstrip('0')
        n -= len(frac) - len(digits)
    else:
        digits = whole + frac
        n += len(whole)
    return digits.rstrip('0') or '0', n


def json_float(value):
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    if value == 0 and math.copysign(1.0, value) < 0:
        return '"-0"'
    return js_number(value)


def state_dict_json(entries):
    """The documented form: keys sorted (by UTF-16 code units, as the library's JS sort), 2-space
    indent, trailing newline, values row-major as JSON numbers or the four strings."""
    def utf16(name):
        return name.encode('utf-16-be')
    lines = []
    for name, t in sorted(entries, key=lambda e: utf16(e[0])):
        values = [json_float(v) for v in t.reshape(-1).tolist()]
        shape = '[]' if t.dim() == 0 else '[\n' + ',\n'.join(f'      {s}' for s in t.shape) + '\n    ]'
        vals = '[]' if not values else '[\n' + ',\n'.join(f'      {v}' for v in values) + '\n    ]'
        lines.append(f'  {json.dumps(name, ensure_ascii=False)}: {{\n    "dtype": "{str(t.dtype)[6:]}",\n'
                     f'    "shape": {shape},\n    "values": {vals}\n  }}')
    return ('{\n' + ',\n'.join(lines) + '\n}' if lines else '{}') + '\n'


def parse_state_dict_json(text):
    """Reads the documented form back into torch tensors (float32 values must be exactly float32)."""
    document = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    out = []
    for name, entry in document.items():
        dtype = {'float32': torch.float32, 'float64': torch.float64}[entry['dtype']]
        values = [{'NaN': math.nan, 'Infinity': math.inf, '-Infinity': -math.inf, '-0': -0.0}[v] if isinstance(v, str)
                  else float(v) for v in entry['values']]
        t = torch.tensor(values, dtype=torch.float64)
        if dtype == torch.float32 and not torch.equal(t.to(torch.float32).to(torch.float64).nan_to_num(0.5), t.nan_to_num(0.5)):
            raise ValueError('not float32')
        out.append([name, t.to(dtype).reshape(entry['shape'])])
    return out


def target_state_dict_json(args):
    """torch tensors built from the drawn values → the documented JSON text → back to tensors."""
    entries = [(name, tensor(t)) for name, t in args['entries']]
    text = state_dict_json(entries)
    return {'json': text, 'parsed': sorted(parse_state_dict_json(text), key=lambda e: e[0].encode('utf-16-be'))}


# --- torch.tensor from nested lists ------------------------------------------------------------------

def _nested(node):
    # Tagged leaves the JSON wire cannot carry as themselves: {'$none': True} is None.
    if isinstance(node, dict) and node.get('$none'):
        return None
    if isinstance(node, list):
        return [_nested(child) for child in node]
    return node


def target_tensor_from_nested(args):
    # dtype left out: the library documents torch's default float dtype (float32) for every nested list.
    dtype = {'float32': torch.float32, 'float64': torch.float64}[args['dtype']] if 'dtype' in args else torch.get_default_dtype()
    return torch.tensor(_nested(args['nested']), dtype=dtype)


# --- stripStateDictPrefix ----------------------------------------------------------------------------

class RangeError(Exception):
    """The library's RangeError for a prefix no name starts with (torch's function leaves the dict as it is)."""


def target_strip_state_dict_prefix(args):
    """consume_prefix_in_state_dict_if_present on an OrderedDict of the names, then the library's
    documented differences: a prefix without a trailing dot gets one, only the names that carried the
    prefix are kept (in their original order), and none at all is a RangeError."""
    prefix = args['prefix']
    module_prefix = prefix if prefix == '' or prefix.endswith('.') else prefix + '.'
    names = args['names']
    state = OrderedDict((name, torch.tensor([float(i)], dtype=torch.float64)) for i, name in enumerate(names))
    consume_prefix_in_state_dict_if_present(state, module_prefix)
    # Each tensor holds its original index, so the renamed entries are told apart from untouched ones.
    renamed = [(int(t.item()), name, t) for name, t in state.items() if names[int(t.item())] != name or module_prefix == '']
    kept = [[name, t] for _, name, t in sorted(renamed, key=lambda e: e[0])]
    if not kept:
        raise RangeError('no tensor name starts with the prefix')
    return kept


# --- stateDictFromJson's verdicts on malformed documents (src/state-dict-json.ts, as documented) ---------

class StateDictJsonError(Exception):
    """The library's error class and the parameter it names (harness/api/targets/state-dict-from-json.ts CLASSES)."""


_JSON_FLOATS = {'NaN': math.nan, 'Infinity': math.inf, '-Infinity': -math.inf, '-0': -0.0}
_SAFE = 2 ** 53 - 1


def _reject_constant(name):
    raise ValueError(f'not JSON: {name}')  # JSON has no NaN/Infinity literals (JSON.parse refuses them)


def target_state_dict_from_json(args):
    """Reads the documented form with the documented checks, in order: JSON, an object, then per parameter
    (document order) an object, dtype float32/float64, a shape of safe non-negative integers, numel values,
    each a finite number or one of the four strings, float32 values exactly float32."""
    try:
        document = json.loads(args['text'], parse_constant=_reject_constant)
    except ValueError:
        raise StateDictJsonError('invalid-json') from None
    if not isinstance(document, dict):
        raise StateDictJsonError('not-object')
    out = []
    for name, entry in document.items():
        where = json.dumps(name, ensure_ascii=False)
        if not isinstance(entry, dict):
            raise StateDictJsonError(f'entry-not-object {where}')
        dtype = entry.get('dtype')
        if dtype not in ('float32', 'float64') or not isinstance(dtype, str):
            raise StateDictJsonError(f'dtype {where}')
        shape = entry.get('shape')
        # JSON.parse reads 2.0 as the integer 2; Python keeps it a float.
        if not isinstance(shape, list) or not all(not isinstance(s, bool) and isinstance(s, (int, float)) and s == int(s)
                                                  and 0 <= s <= _SAFE for s in shape):
            raise StateDictJsonError(f'shape {where}')
        numel = math.prod(int(s) for s in shape)
        values = entry.get('values')
        if not isinstance(values, list) or len(values) != numel:
            raise StateDictJsonError(f'values-count {where}')
        floats = []
        for v in values:
            if isinstance(v, str) and v in _JSON_FLOATS:
                value = _JSON_FLOATS[v]
            elif not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(float(v)):
                value = float(v)
            else:
                raise StateDictJsonError(f'value {where}')
            if dtype == 'float32' and not math.isnan(value) and struct.unpack('<f', struct.pack('<f', value))[0] != value \
                    if abs(value) < 3.5e38 else dtype == 'float32' and math.isfinite(value):
                raise StateDictJsonError(f'float32-inexact {where}')
            floats.append(value)
        t = torch.tensor(floats, dtype=torch.float64).to(torch.float32 if dtype == 'float32' else torch.float64)
        out.append([name, t.reshape([int(s) for s in shape])])
    return out
