"""API targets of the modules and the generator: repr, training state, construction warnings, kwargs,
the memory limit, invert_permutation, MT19937, the RNG state, which generator draws, dropout noise,
and seeded init + reset + forward of LSTM, GRU and the cells.

Each target answers with torch's own objects (python/api_targets.py imports this module, so the names
join its TARGETS); harness/api/targets/*.ts hold the library's side under the same names.
"""
import struct
import warnings

import torch
from torch.nn.utils.rnn import invert_permutation

import api_targets_files

DTYPES = {'float32': torch.float32, 'float64': torch.float64}
MODULES = {'RNN': torch.nn.RNN, 'LSTM': torch.nn.LSTM, 'GRU': torch.nn.GRU,
           'RNNCell': torch.nn.RNNCell, 'LSTMCell': torch.nn.LSTMCell, 'GRUCell': torch.nn.GRUCell}
# src/memory.ts DEFAULT_MEMORY_LIMIT, as documented there (torch has no cap: see target_memory_limit).
DEFAULT_MEMORY_LIMIT = 2 ** 31
# CPUGeneratorImplState (aten/src/ATen/CPUGeneratorImpl.cpp): legacy_pod {uint64 the_initial_seed;
# int left; int seeded; uint64 next; uint64 state[624]}, then the normal-sample caches.
STATE_WORDS = struct.Struct('<Qii Q 624Q')


def module_of(args):
    return MODULES[args['module']](**args['kwargs'], dtype=DTYPES[args['dtype']])


def named(module):
    # Copies: reset_parameters() redraws the same tensors in place.
    return [[name, value.clone()] for name, value in module.state_dict().items()]


def quiet_once_warnings():
    # torch's C++ TORCH_WARN_ONCE for a float32 LSTM with projections fires once per process, so whether a
    # case sees it depends on the cases before it; the library does not mirror it (test/property/family.test.ts).
    warnings.filterwarnings('ignore', message='LSTM with projections is not supported with oneDNN')


def uniform_draws(count, dtype, generator=None):
    # float32 uniform_ takes one 32-bit draw per element, float64 one 64-bit draw: both widths observed.
    return torch.empty(count, dtype=DTYPES[dtype]).uniform_(generator=generator)


def target_module_repr(args):
    module = module_of(args)
    # repr before the ops: repr does not depend on training, and the TS side reads it after them.
    text = repr(module)
    training = [module.training]
    for op in args['ops']:
        returned = module.eval() if op == 'eval' else module.train() if op == 'train' else module.train(op == 'train(True)')
        training.append([module.training, returned is module])
    return {'repr': text, 'training': training}


def target_construction_warnings(args):
    return repr(MODULES[args['module']](**args['kwargs']))


def target_rnn_kwargs(args):
    module = torch.nn.RNN(**args['kwargs'], dtype=DTYPES[args['dtype']])
    return {'kwargs': args['kwargs'], 'repr': repr(module)}


def js_string(value):
    """ECMAScript String(number) of the float `value` (what setMemoryLimit's message prints)."""
    if value != value:
        return 'NaN'
    if value in (float('inf'), float('-inf')):
        return 'Infinity' if value > 0 else '-Infinity'
    return api_targets_files.js_number(value)


def target_memory_limit(args):
    # torch has no cap (src/memory.ts): torch decides the bytes the parameters need, and a need over the
    # limit gets the library's documented error, text as src/memory.ts memoryError documents it.
    invalid = args.get('invalid_limit')
    if invalid is not None:
        # src/memory.ts setMemoryLimit documents: a limit that is not a number > 0 is refused (TypeError, this
        # text) and the limit in force stays.
        return {'rejected': f'setMemoryLimit: the limit must be a positive number of bytes, got {js_string(float(invalid))}',
                'limit': DEFAULT_MEMORY_LIMIT}
    torch.manual_seed(args['seed'])
    module = module_of(args)
    need = sum(p.numel() * p.element_size() for p in module.parameters())
    limit = args['limit']
    if need > limit:
        raise RuntimeError(f'rnn-parity memory limit: the parameters of {module!r} needs {need} bytes, over the limit of '
                           f'{limit} bytes; raise it with setMemoryLimit(bytes) (torch has no such limit and would try to allocate)')
    return {'limit': limit, 'default': DEFAULT_MEMORY_LIMIT, 'parameters': named(module)}


def target_module_load_state_dict(args):
    from api_targets import tensor  # noqa: PLC0415 - api_targets imports this module
    torch.manual_seed(args['seed'])
    module = module_of(args)
    state = {name: tensor(value) for name, value in args['state_dict']}
    result = module.load_state_dict(state, strict=args['strict'])
    return {'missing_keys': list(result.missing_keys), 'unexpected_keys': list(result.unexpected_keys), 'state_dict': named(module)}


def target_invert_permutation(args):
    return invert_permutation(torch.tensor(args['permutation'], dtype=torch.int64))


def engine_state(state_bytes):
    _seed, left, _seeded, nxt, *words = STATE_WORDS.unpack_from(bytes(state_bytes.tolist()))
    return {'words': [w & 0xFFFFFFFF for w in words], 'left': left, 'next': nxt}


def target_mt19937(args):
    generator = torch.Generator().manual_seed(args['seed32'])
    draws = torch.empty(args['draws'], dtype=torch.float32).uniform_(generator=generator)
    # Each float32 uniform_ sample is (random() & (2**24 - 1)) * 2**-24: its low 24 bits, exactly.
    return {'low24': [int(v * 2 ** 24) for v in draws.tolist()], **engine_state(generator.get_state())}


def mutated(state, mutation):
    if mutation is None:
        return state
    if mutation['kind'] == 'truncate':
        return state[:mutation['length']]
    changed = state.clone()
    if mutation['kind'] == 'normal-cache':
        # harness/api/targets/rng-state.ts: normal_y (f64 at 5024), normal_is_valid (i32 at 5040),
        # next_float_normal_sample (f32 at 5048) and its valid flag (5052), both caches valid.
        changed[5024:5032] = torch.tensor(list(struct.pack('<d', mutation['double'])), dtype=torch.uint8)
        changed[5040:5044] = torch.tensor(list(struct.pack('<i', 1)), dtype=torch.uint8)
        changed[5048:5052] = torch.tensor(list(struct.pack('<f', mutation['float'])), dtype=torch.uint8)
        changed[5052] = 1
        return changed
    if mutation['kind'] == 'position':
        left = mutation['left']
        changed[8:12] = torch.tensor(list(struct.pack('<i', left)), dtype=torch.uint8)
        changed[16:24] = torch.tensor(list(struct.pack('<Q', 625 - left)), dtype=torch.uint8)
        return changed
    changed[mutation['offset']] = mutation['byte']
    return changed


def state_lines(state):
    # Hex lines of 32 bytes (harness/api/targets/rng-state.ts hexLines): a report names the first that differs.
    text = bytes(state.tolist()).hex()
    return [text[i:i + 64] for i in range(0, len(text), 64)]


def target_rng_state(args):
    explicit = torch.Generator() if args['explicit'] else None
    if explicit is None:
        torch.manual_seed(args['seed'])
    elif args['seed'] is not None:
        explicit.manual_seed(args['seed'])
    initial_seed = (torch.default_generator if explicit is None else explicit).initial_seed()
    get_state = torch.get_rng_state if explicit is None else explicit.get_state
    set_state = torch.set_rng_state if explicit is None else explicit.set_state
    uniform_draws(args['before'], args['dtype'], explicit)
    state = get_state()
    first = uniform_draws(args['after'], args['dtype'], explicit)
    if args['reseedBeforeRestore'] is not None:
        (torch.manual_seed if explicit is None else explicit.manual_seed)(args['reseedBeforeRestore'])
    set_state(mutated(state, args['mutation']))
    restored = get_state()
    again = uniform_draws(args['after'], args['dtype'], explicit)
    generator = torch.default_generator if explicit is None else explicit
    restored_seed = generator.initial_seed()
    reseeded = None
    if args['reseed'] is not None:
        (torch.manual_seed if explicit is None else explicit.manual_seed)(args['reseed'])
        reseeded = state_lines(get_state())
    return {'initial_seed': initial_seed, 'state': state_lines(state), 'first': first, 'restored': state_lines(restored), 'again': again,
            'restored_seed': restored_seed, 'reseeded': reseeded}


def target_generator_choice(args):
    # nn modules have no generator argument: the library's explicit generator is torch's default
    # generator swapped in for construction and forward (fork_rng restores the default afterwards).
    torch.manual_seed(args['seed'])
    explicit = torch.Generator().manual_seed(args['generator_seed'])

    quiet_once_warnings()

    def build_and_run():
        module = module_of(args)
        module.train(args['training'])
        if args['forward'] is not None:
            module(torch.ones(args['forward'], dtype=DTYPES[args['dtype']]))
        return module

    if args['explicit']:
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(explicit.get_state())
            module = build_and_run()
            explicit.set_state(torch.get_rng_state())
    else:
        module = build_and_run()
    return {'parameters': named(module), 'default_after': uniform_draws(3, 'float64'),
            'explicit_after': uniform_draws(3, 'float64', explicit)}


def target_dropout_noise(args):
    torch.manual_seed(args['seed'])
    # torch.dropout is ATen's at::dropout, whose noise dropoutNoise mirrors; with ones in, out is the noise.
    noise = torch.dropout(torch.ones(args['length'], dtype=DTYPES[args['dtype']]), args['p'], True)
    return {'noise': noise, 'after': uniform_draws(2, 'float64')}


def family(args):
    torch.manual_seed(args['seed'])
    module = module_of(args)
    initial = named(module)
    if args['reseed'] is not None:
        torch.manual_seed(args['reseed'])
    module.reset_parameters()
    reset = named(module)
    module.eval()
    quiet_once_warnings()
    dtype = DTYPES[args['dtype']]
    x = torch.tensor(args['input']['values'], dtype=dtype).reshape(args['input']['shape'])
    out = module(x)
    outputs = list(out) if isinstance(out, tuple) else [out]
    flat = [o for item in outputs for o in (item if isinstance(item, tuple) else (item,))]
    return {'initial': initial, 'reset': reset, 'forward': [o.detach() for o in flat]}


def target_lstm(args):
    return family(args)


def target_gru(args):
    return family(args)


def target_rnn_cell(args):
    return family(args)


def target_lstm_cell(args):
    return family(args)


def target_gru_cell(args):
    return family(args)


# What python/api_targets.py's star import takes: the targets only.
__all__ = [name for name in dir() if name.startswith('target_')]
