"""API targets: one function per public function of the library, answered with torch's own functions.

Each target takes its decoded args (python/PROTOCOL.md, op `api`) and returns a Python value (tensors,
tuples, ints, floats, str, None) that canonical_value.canonical() encodes; an exception it raises is
torch's answer for the case. The names are harness/api/targets/*.ts's `name`s (a test checks both
registries list the same ones).
"""
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

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


def target_pad_packed_sequence(args):
    packed = pack_padded_sequence(tensor(args['input']), args['lengths'], batch_first=args['batch_first'],
                                  enforce_sorted=args['enforce_sorted'])
    padded, lengths = pad_packed_sequence(packed, batch_first=args['out_batch_first'],
                                          padding_value=args['padding_value'], total_length=args['total_length'])
    return [padded, lengths]


TARGETS = {name[len('target_'):]: fn for name, fn in sorted(globals().items()) if name.startswith('target_')}
