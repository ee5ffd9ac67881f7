"""The rnn-parity torch worker: JSON lines in on stdin, real torch.nn.RNN, JSON lines out. See PROTOCOL.md."""
import os
import sys

# Frames go to a private copy of the real stdout; fd 1 and sys.stdout are pointed at stderr before
# anything else runs, so a stray print (Python or C++) can never corrupt a frame.
_FRAMES = os.fdopen(os.dup(1), 'wb')
os.dup2(2, 1)
sys.stdout = sys.stderr

import base64  # noqa: E402
import ctypes  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

PROTOCOL_VERSION = 2

# Note [MKL reproducibility]
# The x86 wheels compute matrix products in MKL, which picks its code path by CPU: on an Intel Xeon
# (AVX512) the pinned torch 2.13.0 wheel moved 8 fixtures by 3-4 ULP against the CPU that recorded
# them, and golden:drift found only 81/186 bit-identical; with MKL_CBWR=COMPATIBLE, 182/186 (issue 12).
# COMPATIBLE is MKL's conditional-numerical-reproducibility branch meant to give the same results on
# every Intel and compatible x86-64 CPU; the AVX2 branch is cheaper but is not promised for AMD CPUs.
# Measured on an AMD EPYC (AVX2): COMPATIBLE and AVX2 each move the same 4 of the 186 fixtures
# recorded without it (by 4-256 ULP, all within tolerance); ATEN_CPU_CAPABILITY=avx2 moves nothing.
# MKL reads the variable once, at its first call, so it must be set before torch loads. An explicit
# MKL_CBWR (e.g. AUTO for a benchmark) wins; the handshake reports the setting in effect. Cost
# (spec errata §6.2, measured on a Xeon): nothing on tiny cases, 1.6x-3.8x on large ones; the speed
# benches time torch in python/bench_torch.py, which this setting does not touch.
MKL_CBWR_DEFAULT = 'COMPATIBLE'
os.environ.setdefault('MKL_CBWR', MKL_CBWR_DEFAULT)

FAULTS_ENABLED = os.environ.get('RNN_PARITY_WORKER_FAULTS') == '1'


class RawData:
    """A tensor's bytes, sent raw in its frame's payload by frame_chunks."""
    __slots__ = ('raw',)

    def __init__(self, raw):
        self.raw = raw


# Note [tensor payloads]
# Protocol 1 sent tensor bytes as base64 strings inside the JSON line. For the small bench shape
# (209 KB of tensor bytes per result) base64 and JSON's string scanning cost more than torch's
# forward on both sides: 1.9 ms a case here against 1.5 ms of torch, and 1.8 ms of Node's time.
# Protocol 2 sends them raw: a frame that carries tensors starts with {"payload":N, and its line is
# followed by N bytes, the tensors' bytes back to back; each tensor's `data` is [offset, length]
# into them. Base64 strings are still read (hand-written requests, tests), never written.
PAYLOAD_PREFIX = re.compile(rb'\{"payload":(\d+),')
# The payload of the request being served: the bytes wire tensors' [offset, length] point into.
_PAYLOAD = memoryview(b'')


def frame_chunks(frame):
    """The frame as byte chunks to write: its JSON line (ASCII, with the newline), then its payload."""
    blobs = []
    offset = 0

    def hold(value):
        nonlocal offset
        if type(value) is not RawData:
            raise TypeError(f'Object of type {type(value).__name__} is not JSON serializable')
        blobs.append(value.raw)
        ref = [offset, len(value.raw)]
        offset += len(value.raw)
        return ref

    text = json.dumps(frame, separators=(',', ':'), allow_nan=False, default=hold).encode('ascii')
    if not blobs:
        return [text, b'\n']
    return [b'{"payload":%d,' % offset, text[1:], b'\n', *blobs]


def send(frame):
    _FRAMES.writelines(frame_chunks(frame))
    _FRAMES.flush()


def widen_pipes():
    # A result frame of 32 small cases is ~50 KB, near Linux's default 64 KB pipe: the worker would
    # block mid-write whenever Node is busy with TS work. 1 MB pipes let it write and move on.
    try:
        import fcntl
        for fd in (_FRAMES.fileno(), 0):
            fcntl.fcntl(fd, getattr(fcntl, 'F_SETPIPE_SZ', 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def die_with_parent():
    # Linux: SIGKILL this worker when the Node process that spawned it dies, even if the worker is
    # hung and never sees stdin close.
    if sys.platform.startswith('linux'):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def startup_fault():
    """Test hook (RNN_PARITY_WORKER_FAULTS=1 only): misbehave before the handshake."""
    kind = os.environ.get('RNN_PARITY_WORKER_FAULT_AT_START', '')
    if kind == 'exit':
        os._exit(7)
    if kind.startswith('exit-once:'):
        marker = kind[len('exit-once:'):]
        if not os.path.exists(marker):
            open(marker, 'w').close()
            os._exit(7)
    if kind == 'garbage':
        _FRAMES.write(b'garbage before the handshake\n')
        _FRAMES.flush()


die_with_parent()
widen_pipes()
if FAULTS_ENABLED:
    startup_fault()

try:
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    from rounding_reference import rounding_reference

    import api_targets
    import canonical_value
except Exception as import_error:  # noqa: BLE001 - any import failure is reported, then the worker exits
    send({
        'op': 'handshake',
        'protocol_version': PROTOCOL_VERSION,
        'python_version': platform.python_version(),
        'python_executable': sys.executable,
        'error': {'type': type(import_error).__name__, 'message': str(import_error)},
    })
    sys.exit(3)

if sys.byteorder != 'little':
    raise SystemExit('rnn-parity worker: the wire format is little-endian; this host is big-endian')


# --- wire tensors -------------------------------------------------------------------------------

DTYPES = {
    'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16,
    'bfloat16': torch.bfloat16, 'complex64': torch.complex64, 'complex128': torch.complex128,
    'int64': torch.int64, 'int32': torch.int32, 'int16': torch.int16, 'int8': torch.int8,
    'uint8': torch.uint8, 'bool': torch.bool,
}
# The dtypes a module can be seeded in (init.seed_dtype) before its parameters are converted.
FLOAT_DTYPES = {name: DTYPES[name] for name in ('float16', 'bfloat16', 'float32', 'float64')}
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}


class ProtocolError(Exception):
    """A malformed request or case: the harness's bug, never torch's behaviour."""


ITEM_SIZES = {name: torch.empty((), dtype=dtype).element_size() for name, dtype in DTYPES.items()}


def is_size(value):
    return type(value) is int and value >= 0


def decode_tensor(wire, what):
    if type(wire) is not dict or len(wire) != 3 or 'dtype' not in wire or 'shape' not in wire or 'data' not in wire:
        raise ProtocolError(f'{what}: a wire tensor is {{dtype, shape, data}}, got {wire!r:.200}')
    name, shape, data = wire['dtype'], wire['shape'], wire['data']
    dtype = DTYPES.get(name)
    if dtype is None:
        raise ProtocolError(f'{what}: unknown dtype {name!r}')
    if type(shape) is not list or not all(map(is_size, shape)):
        raise ProtocolError(f'{what}: shape must be a list of non-negative ints, got {shape!r}')
    if type(data) is list:
        if len(data) != 2 or not all(map(is_size, data)) or data[0] + data[1] > len(_PAYLOAD):
            raise ProtocolError(f'{what}: data {data!r:.100} is not [offset, length] within the request\'s {len(_PAYLOAD)}-byte payload')
        raw = _PAYLOAD[data[0]:data[0] + data[1]]
    elif type(data) is str:
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError as e:
            raise ProtocolError(f'{what}: bad base64 ({e})') from None
    else:
        raise ProtocolError(f'{what}: data must be [offset, length] into the payload or a base64 string')
    numel = math.prod(shape)
    if len(raw) != numel * ITEM_SIZES[name]:
        raise ProtocolError(f'{what}: {len(raw)} bytes for shape {shape} of {name}')
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    # frombuffer over a bytearray: writable (no UserWarning), owned by the tensor, bytes copied once.
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape)


def encode_tensor(tensor):
    tensor = tensor.detach().contiguous()
    name = DTYPE_NAMES.get(tensor.dtype)
    if name is None:
        raise RuntimeError(f'BUG: no wire name for {tensor.dtype}')
    nbytes = tensor.numel() * tensor.element_size()
    raw = ctypes.string_at(tensor.data_ptr(), nbytes) if nbytes else b''
    return {'dtype': name, 'shape': list(tensor.shape), 'data': RawData(raw)}


def py_value(value):
    """JSON → the Python value torch receives; tagged objects carry what JSON cannot (see PROTOCOL.md)."""
    kind = type(value)
    if kind is int or kind is str or kind is bool or kind is float or value is None:
        return value
    if kind is dict:
        if set(value) == {'$float'}:
            return float(value['$float'])
        if set(value) == {'$int'}:
            return int(value['$int'])
        return {key: py_value(item) for key, item in value.items()}
    if kind is list:
        return [py_value(item) for item in value]
    return value


# --- cases --------------------------------------------------------------------------------------

CASE_KEYS = {'id', 'module', 'args', 'kwargs', 'dtype', 'init', 'training', 'forward_seed', 'input', 'hx',
             'cx', 'packed', 'grad', 'want', 'fault'}

# The module kinds a case can build; 'rnn' by default, so cases written before the family existed
# mean what they meant. Cells take one step: no packing, no layers.
MODULES = {
    'rnn': torch.nn.RNN, 'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU,
    'rnn_cell': torch.nn.RNNCell, 'lstm_cell': torch.nn.LSTMCell, 'gru_cell': torch.nn.GRUCell,
}
CELLS = {'rnn_cell', 'lstm_cell', 'gru_cell'}
TWO_STATES = {'lstm', 'lstm_cell'}


class Plan:
    """A decoded case: Python values and torch tensors, ready for execute()."""
    __slots__ = ('id', 'module', 'args', 'kwargs', 'seed', 'seed_dtype', 'state_dict', 'training', 'forward_seed', 'input', 'hx',
                 'cx', 'grad_c_n', 'lengths', 'enforce_sorted', 'grad_output', 'grad_h_n', 'want_state_dict', 'want_layers',
                 'want_rounding_reference', 'fault', 'has_grad')


def seed_value(text, what):
    if not isinstance(text, str):
        raise ProtocolError(f'{what} must be a decimal string, got {text!r}')
    try:
        return int(text, 10)
    except ValueError:
        raise ProtocolError(f'{what} must be a decimal string, got {text!r}') from None


def expect_bool(case, key, default):
    value = case.get(key, default)
    if not isinstance(value, bool):
        raise ProtocolError(f'{key} must be a boolean, got {value!r}')
    return value


def parse_case(case):
    if not isinstance(case, dict):
        raise ProtocolError(f'a case is an object, got {case!r:.200}')
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise ProtocolError(f'unknown case keys {sorted(unknown)}')
    p = Plan()
    p.id = case.get('id')
    if not isinstance(p.id, str):
        raise ProtocolError(f'case id must be a string, got {p.id!r}')
    p.module = case.get('module', 'rnn')
    if p.module not in MODULES:
        raise ProtocolError(f'module must be one of {sorted(MODULES)}, got {p.module!r}')
    args = case.get('args', [])
    kwargs = case.get('kwargs', {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ProtocolError('args must be a list and kwargs an object')
    if 'dtype' in kwargs:
        raise ProtocolError('pass the dtype in the case field "dtype", not in kwargs')
    p.args = py_value(args)
    p.kwargs = py_value(kwargs)
    dtype_name = case.get('dtype')
    if dtype_name is not None:
        if dtype_name not in DTYPES:
            raise ProtocolError(f'unknown dtype {dtype_name!r}')
        p.kwargs['dtype'] = DTYPES[dtype_name]
    init = case.get('init')
    p.seed = None
    p.seed_dtype = None
    p.state_dict = None
    if init is not None:
        if not isinstance(init, dict) or set(init) not in ({'seed'}, {'seed', 'seed_dtype'}, {'state_dict'}):
            raise ProtocolError(f'init is {{seed, seed_dtype?}} or {{state_dict}}, got {init!r:.200}')
        if 'seed' in init:
            p.seed = seed_value(init['seed'], 'init.seed')
            if 'seed_dtype' in init:
                if init['seed_dtype'] not in FLOAT_DTYPES:
                    raise ProtocolError(f'init.seed_dtype must be one of {sorted(FLOAT_DTYPES)}, got {init["seed_dtype"]!r}')
                p.seed_dtype = FLOAT_DTYPES[init['seed_dtype']]
        else:
            if not isinstance(init['state_dict'], dict):
                raise ProtocolError('init.state_dict must be an object of wire tensors')
            p.state_dict = {name: decode_tensor(w, f'init.state_dict.{name}') for name, w in init['state_dict'].items()}
    p.training = expect_bool(case, 'training', True)
    forward_seed = case.get('forward_seed')
    p.forward_seed = None if forward_seed is None else seed_value(forward_seed, 'forward_seed')
    if 'input' not in case:
        raise ProtocolError('input is required')
    p.input = decode_tensor(case['input'], 'input')
    p.hx = None if case.get('hx') is None else decode_tensor(case['hx'], 'hx')
    p.cx = None if case.get('cx') is None else decode_tensor(case['cx'], 'cx')
    if p.cx is not None and (p.module not in TWO_STATES or p.hx is None):
        raise ProtocolError('cx needs module lstm or lstm_cell and an hx')
    packed = case.get('packed')
    p.lengths = None
    p.enforce_sorted = True
    if packed is not None:
        if not isinstance(packed, dict) or not isinstance(packed.get('lengths'), list):
            raise ProtocolError('packed is {lengths: number[], enforce_sorted?: boolean}')
        p.lengths = py_value(packed['lengths'])
        p.enforce_sorted = expect_bool(packed, 'enforce_sorted', True)
        if p.module in CELLS:
            raise ProtocolError('cells take no packed input')
    grad = case.get('grad')
    p.has_grad = grad is not None
    p.grad_output = p.grad_h_n = p.grad_c_n = None
    if grad is not None:
        if not isinstance(grad, dict) or not grad or set(grad) - {'output', 'h_n', 'c_n'}:
            raise ProtocolError('grad is {output?: wire tensor, h_n?: wire tensor, c_n?: wire tensor}, at least one')
        if grad.get('c_n') is not None:
            if p.module not in TWO_STATES:
                raise ProtocolError('grad.c_n needs module lstm or lstm_cell')
            p.grad_c_n = decode_tensor(grad['c_n'], 'grad.c_n')
        if grad.get('output') is not None:
            p.grad_output = decode_tensor(grad['output'], 'grad.output')
        if grad.get('h_n') is not None:
            p.grad_h_n = decode_tensor(grad['h_n'], 'grad.h_n')
    if p.module in CELLS and p.grad_output is not None:
        raise ProtocolError('a cell has no output: give grad.h_n (and grad.c_n)')
    want = case.get('want', {})
    if not isinstance(want, dict) or set(want) - {'state_dict', 'layers', 'rounding_reference'}:
        raise ProtocolError('want is {state_dict?: boolean, layers?: boolean, rounding_reference?: boolean}')
    p.want_state_dict = expect_bool(want, 'state_dict', False)
    p.want_layers = expect_bool(want, 'layers', False)
    p.want_rounding_reference = expect_bool(want, 'rounding_reference', False)
    if (p.want_layers or p.want_rounding_reference) and p.module != 'rnn':
        raise ProtocolError('want.layers and want.rounding_reference are only for module rnn')
    p.fault = case.get('fault')
    if p.fault is not None and not FAULTS_ENABLED:
        raise ProtocolError('fault cases need RNN_PARITY_WORKER_FAULTS=1')
    return p


def case_fault(fault):
    """Test hook (RNN_PARITY_WORKER_FAULTS=1 only): misbehave while running one case."""
    kind = fault.get('kind') if isinstance(fault, dict) else None
    if kind == 'crash':
        os.kill(os.getpid(), signal.SIGKILL)
    elif kind == 'hang':
        while True:
            time.sleep(3600)
    elif kind == 'exit':
        _FRAMES.flush()
        os._exit(int(fault.get('code', 9)))
    elif kind == 'garbage':
        _FRAMES.write(b'\x00garbage on stdout: not a frame {]\n')
        _FRAMES.flush()
    elif kind == 'sleep':
        time.sleep(float(fault.get('ms', 0)) / 1000)
    elif kind == 'stderr':
        for i in range(int(fault.get('lines', 1))):
            print(f'stderr line {i}', file=sys.stderr)
    else:
        raise ProtocolError(f'unknown fault {fault!r}')


class Outcome:
    """torch's results for one case, still as tensors."""
    __slots__ = ('output', 'h_n', 'c_n', 'packed', 'state_dict', 'grads', 'layers', 'layers_error', 'rounding_reference')

    def __init__(self):
        self.output = self.h_n = self.c_n = self.packed = self.state_dict = self.grads = self.layers = self.layers_error = None
        self.rounding_reference = None


def manual_seed(seed):
    # torch.manual_seed(seed) is default_generator.manual_seed(int(seed)) plus lazy seeding of the
    # CUDA/XPU/MTIA generators, which records a formatted stack each time (~0.2 ms a call, a quarter
    # of a small case). The worker computes on CPU only, so seeding the CPU generator is equivalent.
    torch.default_generator.manual_seed(seed)


def execute(p):
    """Runs one case through torch; any exception it raises is torch's answer for the case."""
    if p.seed is not None:
        manual_seed(p.seed)
    if p.seed_dtype is None:
        module = MODULES[p.module](*p.args, **p.kwargs)
    else:
        # The float64 shadow of a seeded float32 case (PROTOCOL.md, init.seed_dtype): uniform_ draws
        # another stream in float64 than in float32, so the module is built where the case was seeded
        # and its parameters converted after; float32 -> float64 is exact.
        module = MODULES[p.module](*p.args, **{**p.kwargs, 'dtype': p.seed_dtype})
        module.to(p.kwargs.get('dtype', torch.get_default_dtype()))
    if p.state_dict is not None:
        # load_state_dict copies under no_grad (exact for equal dtypes) and raises torch's own
        # "Error(s) in loading state_dict for RNN" for a wrong key or shape set.
        module.load_state_dict(p.state_dict)
    module.train(p.training)
    out = Outcome()
    if p.want_state_dict:
        out.state_dict = {name: value.detach().clone() for name, value in module.state_dict().items()}
    inp, hx, cx = p.input, p.hx, p.cx
    if p.has_grad:
        for t in (inp, hx, cx):
            if t is not None and t.is_floating_point():
                t.requires_grad_()
    x = inp
    if p.lengths is not None:
        x = pack_padded_sequence(inp, p.lengths, batch_first=module.batch_first, enforce_sorted=p.enforce_sorted)
    if p.forward_seed is not None:
        manual_seed(p.forward_seed)
    state = hx if cx is None else (hx, cx)
    result = module(x) if state is None else module(x, state)
    if p.module in CELLS:
        # A cell returns the next state itself: h' (and c' for lstm_cell), reported as h_n / c_n.
        out.h_n, out.c_n = result if p.module == 'lstm_cell' else (result, None)
        if p.has_grad:
            out.grads = gradients(p, module, inp, hx, cx, None, out.h_n, out.c_n)
        return out
    output, h_n = result
    if p.module == 'lstm':
        h_n, out.c_n = h_n
    out.h_n = h_n
    if p.lengths is not None:
        padded, lengths = pad_packed_sequence(output, batch_first=module.batch_first)
        out.packed = {'data': output.data, 'batch_sizes': output.batch_sizes,
                      'sorted_indices': output.sorted_indices, 'unsorted_indices': output.unsorted_indices,
                      'padded': padded, 'lengths': lengths}
    else:
        out.output = output
    if p.has_grad:
        out.grads = gradients(p, module, inp, hx, cx, output.data if p.lengths is not None else output, h_n, out.c_n)
    if p.want_layers:
        try:
            out.layers = layer_by_layer(module, x, hx)
        except Exception as e:  # noqa: BLE001 - localisation is best effort and must not mask the case
            out.layers_error = {'type': type(e).__name__, 'message': str(e)}
    if p.want_rounding_reference:
        # See Note [rounding points] in rounding_reference.py; None where the case is outside its model.
        with torch.no_grad():
            out.rounding_reference = rounding_reference(module, inp, hx, p.lengths)
    return out


def gradients(p, module, inp, hx, cx, output, h_n, c_n):
    roots, upstream = [], []
    if p.grad_output is not None:
        roots.append(output)
        upstream.append(p.grad_output)
    if p.grad_h_n is not None:
        roots.append(h_n)
        upstream.append(p.grad_h_n)
    if p.grad_c_n is not None:
        roots.append(c_n)
        upstream.append(p.grad_c_n)
    targets = []
    if inp.requires_grad:
        targets.append(('input', inp))
    if hx is not None and hx.requires_grad:
        targets.append(('hx', hx))
    if cx is not None and cx.requires_grad:
        targets.append(('cx', cx))
    names = [name for name, _ in module.named_parameters()]
    targets.extend(('param', param) for _, param in module.named_parameters())
    grads = torch.autograd.grad(roots, [t for _, t in targets], upstream, allow_unused=True)
    result = {'params': {}}
    param_index = 0
    for (kind, _), grad in zip(targets, grads):
        if kind == 'param':
            result['params'][names[param_index]] = grad
            param_index += 1
        else:
            result[kind] = grad
    return result


def layer_by_layer(module, x, hx):
    """Each layer of `module` as its own single-layer nn.RNN in eval mode, fed the previous layer's output."""
    directions = 2 if module.bidirectional else 1
    suffixes = ['', '_reverse'][:directions]
    kinds = ['weight_ih', 'weight_hh'] + (['bias_ih', 'bias_hh'] if module.bias else [])
    dtype = module.weight_ih_l0.dtype
    layers = []
    # Building the sub-modules draws from the global generator; keep it where the case left it.
    rng_state = torch.get_rng_state()
    try:
        with torch.no_grad():
            for layer in range(module.num_layers):
                in_size = module.input_size if layer == 0 else module.hidden_size * directions
                sub = torch.nn.RNN(in_size, module.hidden_size, 1, nonlinearity=module.nonlinearity,
                                   bias=module.bias, batch_first=module.batch_first,
                                   bidirectional=module.bidirectional, dtype=dtype).eval()
                for sfx in suffixes:
                    for kind in kinds:
                        getattr(sub, f'{kind}_l0{sfx}').copy_(getattr(module, f'{kind}_l{layer}{sfx}'))
                layer_hx = None if hx is None else hx.detach()[layer * directions:(layer + 1) * directions]
                y, h_n = sub(x) if layer_hx is None else sub(x, layer_hx)
                is_packed = isinstance(y, torch.nn.utils.rnn.PackedSequence)
                layers.append({'output': y.data if is_packed else y, 'h_n': h_n})
                x = y
    finally:
        torch.set_rng_state(rng_state)
    return layers


def encode_outcome(out):
    result = {}
    if out.output is not None:
        result['output'] = encode_tensor(out.output)
    if out.h_n is not None:
        result['h_n'] = encode_tensor(out.h_n)
    if out.c_n is not None:
        result['c_n'] = encode_tensor(out.c_n)
    if out.packed is not None:
        result['packed'] = {key: None if value is None else encode_tensor(value) for key, value in out.packed.items()}
    if out.state_dict is not None:
        result['state_dict'] = {name: encode_tensor(value) for name, value in out.state_dict.items()}
    if out.grads is not None:
        grads = {'params': {name: None if g is None else encode_tensor(g) for name, g in out.grads['params'].items()}}
        for key in ('input', 'hx', 'cx'):
            if key in out.grads:
                grads[key] = None if out.grads[key] is None else encode_tensor(out.grads[key])
        result['grads'] = grads
    if out.layers is not None:
        result['layers'] = [{'output': encode_tensor(item['output']), 'h_n': encode_tensor(item['h_n'])}
                            for item in out.layers]
    if out.layers_error is not None:
        result['layers_error'] = out.layers_error
    if out.rounding_reference is not None:
        output, h_n = out.rounding_reference
        result['rounding_reference'] = {'output': encode_tensor(output), 'h_n': encode_tensor(h_n)}
    return result


def torch_error(e):
    return {'type': type(e).__name__, 'message': str(e)}


def run_plan(p):
    """execute() with warnings recorded; returns (Outcome or None, error or None, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            outcome, error = execute(p), None
        except Exception as e:  # noqa: BLE001 - torch's exception is the case's answer
            outcome, error = None, torch_error(e)
    return outcome, error, [{'category': w.category.__name__, 'message': str(w.message)} for w in caught]


def run_case(case):
    start = time.perf_counter()
    case_id = case.get('id') if isinstance(case, dict) else None
    try:
        p = parse_case(case)
        if p.fault is not None:
            case_fault(p.fault)
    except ProtocolError as e:
        return {'id': case_id, 'status': 'protocol-error', 'error': {'type': 'ProtocolError', 'message': str(e)},
                'warnings': [], 'elapsed_ms': (time.perf_counter() - start) * 1e3}
    outcome, error, caught = run_plan(p)
    result = {'id': p.id, 'status': 'ok' if error is None else 'error'}
    if error is not None:
        result['error'] = error
    else:
        try:
            result.update(encode_outcome(outcome))
        except Exception as e:  # noqa: BLE001 - our bug, reported per case
            return {'id': p.id, 'status': 'protocol-error', 'error': {'type': 'ProtocolError', 'message': f'BUG: encoding failed: {type(e).__name__}: {e}'},
                    'warnings': caught, 'elapsed_ms': (time.perf_counter() - start) * 1e3}
    result['warnings'] = caught
    result['elapsed_ms'] = (time.perf_counter() - start) * 1e3
    return result


# --- handshake ----------------------------------------------------------------------------------

class MT19937:
    """torch's CPU generator (at::mt19937), enough of it to classify this build (spec §3.2)."""

    def __init__(self, seed):
        state = [seed & 0xFFFFFFFF]
        for i in range(1, 624):
            state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + i) & 0xFFFFFFFF)
        self.state, self.index = state, 624

    def random(self):
        if self.index == 624:
            s = self.state
            for i in range(624):
                y = (s[i] & 0x80000000) | (s[(i + 1) % 624] & 0x7FFFFFFF)
                s[i] = s[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.index = 0
        y = self.state[self.index]
        self.index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return (y ^ (y >> 18)) & 0xFFFFFFFF

    def random64(self):
        high = self.random()
        return (high << 32) | self.random()


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def uniform_models(dtype_name, stdv, count):
    """First `count` values of uniform_(-stdv, stdv) after manual_seed(0), fused and unfused (spec §3.3)."""
    from fractions import Fraction
    fused, unfused = [], []
    for is_fused, values in ((True, fused), (False, unfused)):
        gen = MT19937(0)
        for _ in range(count):
            if dtype_name == 'float32':
                low, span = f32(-stdv), f32(f32(stdv) - f32(-stdv))
                x = (gen.random() & 0xFFFFFF) * 2.0 ** -24
                values.append(f32(x * span + low) if is_fused else f32(f32(x * span) + low))
            else:
                x = (gen.random64() & ((1 << 53) - 1)) * 2.0 ** -53
                span = stdv - -stdv
                values.append(float(Fraction(x) * Fraction(span) + Fraction(-stdv)) if is_fused else x * span + -stdv)
    return fused, unfused


def init_fingerprint():
    """`torch.manual_seed(0); nn.RNN(2, 3)`: first two weight_ih_l0 values, classified fused/unfused."""
    measured, verdicts = {}, set()
    for name, dtype in (('float32', torch.float32), ('float64', torch.float64)):
        torch.manual_seed(0)
        values = torch.nn.RNN(2, 3, dtype=dtype).weight_ih_l0.detach().reshape(-1)[:2].tolist()
        measured[name] = values
        fused, unfused = uniform_models(name, 1.0 / math.sqrt(3), 2)
        verdicts.add('fused' if values == fused else 'unfused' if values == unfused else 'unknown')
    model = verdicts.pop() if len(verdicts) == 1 else 'unknown'
    return {'model': model, **measured}


def dropout_model():
    """'mt19937-bernoulli' when F.dropout's mask follows spec §3.4's one-random64-per-element model."""
    p, seed, n = 0.3, 7, 300
    gen = MT19937(seed)
    kept = [(gen.random64() & ((1 << 53) - 1)) * 2.0 ** -53 < 1.0 - p for _ in range(n)]
    for dtype, scale in ((torch.float32, f32(1.0 / f32(1.0 - p))), (torch.float64, 1.0 / (1.0 - p))):
        torch.manual_seed(seed)
        got = F.dropout(torch.ones(n, dtype=dtype), p, training=True).tolist()
        if got != [scale if keep else 0.0 for keep in kept]:
            return 'unknown'
    return 'mt19937-bernoulli'


def cpu_capability(config):
    # torch.backends.cpu arrived in torch 2.0; torch 1.13 (Debian's python3-torch, used for the drift
    # example in docs/drift-example.md) only prints the capability in its config summary.
    backend = getattr(torch.backends, 'cpu', None)
    if backend is not None:
        return backend.get_cpu_capability()
    match = re.search(r'CPU capability usage: (\S+)', config)
    return match.group(1) if match else 'unknown'


def cpu_model():
    """The CPU's marketing name (`AMD EPYC`, `Intel(R) Xeon(R) ...`): MKL's path depends on it."""
    try:
        with open('/proc/cpuinfo', encoding='utf-8', errors='replace') as cpuinfo:
            for line in cpuinfo:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def handshake():
    config = torch.__config__.show()
    blas = next((part.split('=', 1)[1] for part in config.replace(',', ' ').split() if part.startswith('BLAS_INFO=')), None)
    return {
        'op': 'handshake',
        'protocol_version': PROTOCOL_VERSION,
        'pid': os.getpid(),
        'torch_version': torch.__version__,
        'torch_git_version': torch.version.git_version,
        'python_version': platform.python_version(),
        'python_executable': sys.executable,
        'config_digest': 'sha256:' + hashlib.sha256(config.encode('utf-8')).hexdigest(),
        'blas_info': blas,
        'num_threads': torch.get_num_threads(),
        'cpu_capability': cpu_capability(config),
        'cpu_model': cpu_model(),
        'mkl_cbwr': os.environ.get('MKL_CBWR'),
        'platform': platform.platform(),
        'machine': platform.machine(),
        'init_fingerprint': init_fingerprint(),
        'dropout_model': dropout_model(),
        'faults_enabled': FAULTS_ENABLED,
    }


# --- requests -----------------------------------------------------------------------------------

def op_run(request):
    cases = request.get('cases')
    if not isinstance(cases, list):
        raise ProtocolError('run needs cases: [...]')
    return {'results': [run_case(case) for case in cases]}


def op_ping(request):
    return {}


def op_echo(request):
    tensors = request.get('tensors')
    if not isinstance(tensors, list):
        raise ProtocolError('echo needs tensors: [...]')
    # clone() makes every value pass through torch's own memory, not just our byte buffers.
    return {'tensors': [encode_tensor(decode_tensor(w, f'tensors[{i}]').clone()) for i, w in enumerate(tensors)]}


def op_bench_inprocess(request):
    """The limit the bridge is measured against: the same cases in a plain Python loop, no I/O."""
    cases = request.get('cases')
    repeat = request.get('repeat', 1)
    if not isinstance(cases, list) or not cases or not isinstance(repeat, int) or repeat < 1:
        raise ProtocolError('bench_inprocess needs cases: [...] (non-empty) and repeat >= 1')
    plans = [parse_case(case) for case in cases]
    start = time.perf_counter()
    for _ in range(repeat):
        for p in plans:
            run_plan(p)
    torch_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeat):
        frame_chunks({'results': [run_case(case) for case in cases]})
    codec_seconds = time.perf_counter() - start
    total = repeat * len(cases)
    return {'cases': total, 'torch_cases_per_s': total / torch_seconds, 'codec_cases_per_s': total / codec_seconds}


# --- API targets (python/api_targets.py) --------------------------------------------------------

def run_api_case(case):
    """One API case: {id, target, args} → {id, status, value|error, warnings}, as run_case answers."""
    start = time.perf_counter()
    case_id = case.get('id') if isinstance(case, dict) else None

    def protocol_error(message, caught=()):
        return {'id': case_id, 'status': 'protocol-error', 'error': {'type': 'ProtocolError', 'message': message},
                'warnings': list(caught), 'elapsed_ms': (time.perf_counter() - start) * 1e3}

    if not isinstance(case, dict) or set(case) != {'id', 'target', 'args'} or not isinstance(case_id, str):
        return protocol_error(f'an API case is {{id, target, args}}, got {case!r:.200}')
    target = api_targets.TARGETS.get(case['target'])
    if target is None:
        return protocol_error(f'unknown API target {case["target"]!r:.200}')
    args = py_value(case['args'])
    value, error = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            value = canonical_value.canonical(target(args))
        except api_targets.ArgsError as e:
            return protocol_error(str(e))
        except Exception as e:  # noqa: BLE001 - torch's exception is the case's answer
            error = torch_error(e)
    result = {'id': case_id, 'status': 'ok' if error is None else 'error'}
    if error is None:
        result['value'] = value
    else:
        result['error'] = error
    result['warnings'] = [{'category': w.category.__name__, 'message': str(w.message)} for w in caught]
    result['elapsed_ms'] = (time.perf_counter() - start) * 1e3
    return result


def op_api(request):
    cases = request.get('cases')
    if not isinstance(cases, list):
        raise ProtocolError('api needs cases: [...]')
    return {'results': [run_api_case(case) for case in cases]}


def op_api_targets(request):
    return {'targets': sorted(api_targets.TARGETS)}


def op_canonical_echo(request):
    tensors = request.get('tensors')
    if not isinstance(tensors, list):
        raise ProtocolError('canonical_echo needs tensors: [...]')
    return {'values': canonical_value.canonical(py_value(request.get('values'))),
            'tensors': [canonical_value.canonical(decode_tensor(w, f'tensors[{i}]')) for i, w in enumerate(tensors)]}


OPS = {'run': op_run, 'ping': op_ping, 'echo': op_echo, 'bench_inprocess': op_bench_inprocess, 'api': op_api,
       'api_targets': op_api_targets, 'canonical_echo': op_canonical_echo}


def handle(line, payload=b''):
    global _PAYLOAD
    try:
        request = json.loads(line)
    except ValueError as e:
        send({'id': None, 'error': {'type': 'ProtocolError', 'message': f'request is not JSON: {e}'}})
        return
    request_id = request.get('id') if isinstance(request, dict) else None
    op = OPS.get(request.get('op')) if isinstance(request, dict) else None
    if op is None:
        what = request.get('op') if isinstance(request, dict) else request
        send({'id': request_id, 'error': {'type': 'ProtocolError', 'message': f'unknown op {what!r:.200}'}})
        return
    _PAYLOAD = memoryview(payload)
    try:
        body = op(request)
    except Exception as e:  # noqa: BLE001 - a request-level failure is reported, the worker lives on
        body = {'error': {'type': 'ProtocolError', 'message': f'{type(e).__name__}: {e}'}}
    finally:
        _PAYLOAD = memoryview(b'')
    send({'id': request_id, **body})


def read_requests(stream):
    """(line, payload) per request line (Note [tensor payloads]); ends at EOF, also inside a payload."""
    while True:
        line = stream.readline()
        if not line:
            return
        match = PAYLOAD_PREFIX.match(line)
        payload = b''
        if match is not None:
            size = int(match.group(1))
            payload = stream.read(size)
            if len(payload) < size:
                return
        yield line, payload


def main():
    torch.set_num_threads(int(os.environ.get('RNN_PARITY_TORCH_THREADS', '1')))
    send(handshake())
    for line, payload in read_requests(sys.stdin.buffer):
        if line.strip():
            handle(line.decode('utf-8', errors='replace'), payload)


if __name__ == '__main__':
    main()
