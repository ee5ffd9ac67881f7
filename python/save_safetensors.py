"""Saves a torch nn.RNN's state_dict as safetensors (format written by hand, no `safetensors` package), and reads it back.

The format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
N bytes of UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"?},
padded with spaces, then the raw little-endian tensor bytes, which the tensors tile exactly.
Writing it by hand keeps python/requirements.txt at torch alone; files written here load with
`safetensors.torch.load` and with src/safetensors.ts, and both of their files load here.

CLI:
    python save_safetensors.py OUT.safetensors --kwargs '{"input_size": 3, "hidden_size": 4}' \
        [--seed 0] [--dtype float32|float64]
builds `torch.manual_seed(seed); nn.RNN(**kwargs, dtype=dtype)` and saves its state_dict.
    python save_safetensors.py --jobs JOBS.json
runs many jobs in one process (importing torch once), each
{"kwargs": {...}, "dtype": "float32", "out": PATH} plus either "seed": "123" (save a seeded module)
or "load": PATH (load that file into a fresh nn.RNN with strict load_state_dict, then save the
module's state_dict: a round trip through torch).
"""
import argparse
import ctypes
import json
import struct
import sys
import warnings

# torch warns on import when numpy is absent; this script never needs numpy.
warnings.filterwarnings('ignore', message='Failed to initialize NumPy')
import torch  # noqa: E402

DTYPE_NAMES = {torch.float32: 'F32', torch.float64: 'F64'}
NAME_DTYPES = {name: dtype for dtype, name in DTYPE_NAMES.items()}
MAX_HEADER_BYTES = 100_000_000


def tensor_bytes(tensor):
    """The contiguous little-endian bytes of a CPU tensor, copied straight from its storage."""
    t = tensor.detach().to('cpu').contiguous()
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b''


def state_dict_to_bytes(state_dict, metadata=None):
    """safetensors bytes for `state_dict` (name -> float32/float64 tensor), tensors in the given order."""
    if sys.byteorder != 'little':
        raise RuntimeError('safetensors stores little-endian data; this writer assumes a little-endian host')
    header = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError('safetensors metadata must map str to str')
        header['__metadata__'] = dict(metadata)
    chunks = []
    offset = 0
    for name, tensor in state_dict.items():
        if name == '__metadata__':
            raise ValueError('a tensor cannot be named __metadata__')
        if tensor.dtype not in DTYPE_NAMES:
            raise ValueError('tensor %r has dtype %s; only float32 and float64 are supported' % (name, tensor.dtype))
        data = tensor_bytes(tensor)
        header[name] = {'dtype': DTYPE_NAMES[tensor.dtype], 'shape': list(tensor.shape),
                        'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    encoded += b' ' * (-len(encoded) % 8)   # data section starts 8-byte aligned, as safetensors does
    return struct.pack('<Q', len(encoded)) + encoded + b''.join(chunks)


def _reject_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError('the safetensors header names %r more than once' % key)
        seen[key] = value
    return seen


def bytes_to_state_dict(data):
    """(state_dict, metadata) from safetensors bytes; raises ValueError on any malformed input."""
    data = bytes(data)
    if len(data) < 8:
        raise ValueError('safetensors file has %d bytes, fewer than the 8-byte header length' % len(data))
    (header_len,) = struct.unpack_from('<Q', data, 0)
    if header_len > MAX_HEADER_BYTES or 8 + header_len > len(data):
        raise ValueError('safetensors header length %d does not fit the %d-byte file' % (header_len, len(data)))
    try:
        header = json.loads(data[8:8 + header_len].decode('utf-8'), object_pairs_hook=_reject_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError('safetensors header is not UTF-8 JSON: %s' % e) from None
    if not isinstance(header, dict):
        raise ValueError('safetensors header must be a JSON object')
    metadata = header.pop('__metadata__', None)
    body = memoryview(data)[8 + header_len:]
    entries = []
    for name, info in header.items():
        dtype = NAME_DTYPES.get(info.get('dtype')) if isinstance(info, dict) else None
        if dtype is None:
            raise ValueError('tensor %r: unsupported or missing dtype (only F32 and F64)' % name)
        shape, offsets = info.get('shape'), info.get('data_offsets')
        if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)
                and isinstance(offsets, list) and len(offsets) == 2
                and all(isinstance(o, int) and o >= 0 for o in offsets)):
            raise ValueError('tensor %r: malformed shape or data_offsets' % name)
        entries.append((offsets[0], offsets[1], name, dtype, shape))
    expected = 0
    for begin, end, name, dtype, shape in sorted(entries):
        numel = 1
        for s in shape:
            numel *= s
        if begin != expected or end - begin != numel * torch.empty((), dtype=dtype).element_size():
            raise ValueError('tensor %r: data_offsets [%d, %d] do not tile the data section' % (name, begin, end))
        expected = end
    if expected != len(body):
        raise ValueError('safetensors tensors cover %d of %d data bytes' % (expected, len(body)))
    state_dict = {}
    for begin, end, name, dtype, shape in entries:
        chunk = bytes(body[begin:end])
        flat = torch.frombuffer(bytearray(chunk), dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        state_dict[name] = flat.reshape(shape).clone()
    return state_dict, metadata


def save_file(state_dict, path, metadata=None):
    with open(path, 'wb') as f:
        f.write(state_dict_to_bytes(state_dict, metadata))


def load_file(path):
    with open(path, 'rb') as f:
        return bytes_to_state_dict(f.read())


def run_job(job):
    """One --jobs entry: save a seeded module, or load a file into a module and save it again."""
    dtype = {'float32': torch.float32, 'float64': torch.float64}[job['dtype']]
    if 'load' in job:
        module = torch.nn.RNN(**job['kwargs'], dtype=dtype)
        state_dict, metadata = load_file(job['load'])
        module.load_state_dict(state_dict)
    else:
        torch.manual_seed(int(job['seed']))
        module = torch.nn.RNN(**job['kwargs'], dtype=dtype)
        metadata = {'torch_version': torch.__version__, 'seed': str(job['seed'])}
    save_file(module.state_dict(), job['out'], metadata)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Save a seeded torch nn.RNN's state_dict as safetensors.")
    parser.add_argument('out', nargs='?', help='output .safetensors path')
    parser.add_argument('--kwargs', help='nn.RNN keyword arguments as JSON')
    parser.add_argument('--seed', type=int, default=0, help='torch.manual_seed before construction')
    parser.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    parser.add_argument('--jobs', help='JSON file with a list of jobs (see the module docstring)')
    args = parser.parse_args(argv)
    if args.jobs is not None:
        with open(args.jobs) as f:
            for job in json.load(f):
                run_job(job)
        return 0
    if args.out is None or args.kwargs is None:
        parser.error('OUT and --kwargs are required without --jobs')
    run_job({'kwargs': json.loads(args.kwargs), 'dtype': args.dtype, 'seed': args.seed, 'out': args.out})
    return 0


if __name__ == '__main__':
    sys.exit(main())
