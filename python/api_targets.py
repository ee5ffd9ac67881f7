"""API targets: one function per public function of the library, answered with torch's own functions.

Each target takes its decoded args (python/PROTOCOL.md, op `api`) and returns a Python value (tensors,
tuples, ints, floats, str, None) that canonical_value.canonical() encodes; an exception it raises is
torch's answer for the case. The names are harness/api/targets/*.ts's `name`s (a test checks both
registries list the same ones).
"""
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence, unpack_sequence

DTYPES = {'float32': torch.float32, 'float64': torch.float64}


class ArgsError(Exception):
    """Malformed args: the harness's bug, reported as a protocol error, never as torch's answer."""


def tensor(arg):
    """A tensor arg: {dtype, shape, values} with values flat, row-major (harness/api/tensor-args.ts)."""
    try:
        dtype = DTYPES[arg['dtype']]
        return torch.tensor(arg['values'], dtype=dtype).reshape(arg['shape'])
    except (KeyError, TypeError, RuntimeError) as e:
        raise ArgsError(f'bad tensor arg: {e}') from None


def packed_parts(packed):
    return [packed.data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices]


def manual_seed(seed):
    # See worker.py manual_seed: the CPU generator alone, as torch.manual_seed does on a CPU build.
    torch.default_generator.manual_seed(seed)


def given(args, *names):
    """The keywords among `names` that the case gives; one left out takes torch's default
    (harness/api/omitted-option.ts: the library's default is judged against it)."""
    return {name: args[name] for name in names if name in args}


def target_pack_padded_sequence(args):
    packed = pack_padded_sequence(tensor(args['input']), args['lengths'], **given(args, 'batch_first', 'enforce_sorted'))
    return packed_parts(packed)


def target_pad_packed_sequence(args):
    packed = pack_padded_sequence(tensor(args['input']), args['lengths'], **given(args, 'batch_first', 'enforce_sorted'))
    out = given(args, 'out_batch_first', 'padding_value')
    if 'out_batch_first' in out:
        out['batch_first'] = out.pop('out_batch_first')
    padded, lengths = pad_packed_sequence(packed, **out, total_length=args['total_length'])
    return [padded, lengths]


def target_pad_sequence(args):
    return pad_sequence([tensor(s) for s in args['sequences']], **given(args, 'batch_first', 'padding_value', 'padding_side'))


def target_pack_sequence(args):
    packed = pack_sequence([tensor(s) for s in args['sequences']], **given(args, 'enforce_sorted'))
    return {'packed': packed_parts(packed), 'unpacked': unpack_sequence(packed)}


def rnn_of(kwargs, dtype):
    return torch.nn.RNN(**kwargs, dtype=DTYPES[dtype])


def named(module):
    # Ordered pairs: the order of the parameters is part of the answer (harness/api/targets/named-tensors.ts).
    return [[name, value] for name, value in module.state_dict().items()]


def target_manual_seed(args):
    generator = torch.manual_seed(args['seed'])
    rnn = rnn_of(args['kwargs'], args['dtype'])
    return {'initial_seed': generator.initial_seed(), 'weights': named(rnn)}


def target_reset_parameters(args):
    manual_seed(args['seed'])
    rnn = rnn_of(args['kwargs'], args['dtype'])
    if args['reseed'] is not None:
        manual_seed(args['reseed'])
    rnn.reset_parameters()
    return named(rnn)


def target_load_state_dict(args):
    manual_seed(args['seed'])
    rnn = rnn_of(args['kwargs'], args['dtype'])
    state = {name: tensor(value) for name, value in args['state_dict']}
    result = rnn.load_state_dict(state, strict=args['strict'])
    return {'missing_keys': list(result.missing_keys), 'unexpected_keys': list(result.unexpected_keys), 'state_dict': named(rnn)}


from api_targets_modules import *  # noqa: E402,F403 - the module and generator targets join TARGETS
from api_targets_files import *  # noqa: E402,F401,F403 - issue 18's file-format and factory targets (target_* only)

TARGETS = {name[len('target_'):]: fn for name, fn in sorted(globals().items()) if name.startswith('target_')}
