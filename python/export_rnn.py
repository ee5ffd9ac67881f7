"""Export trained torch.nn.RNN weights, alone or inside a bigger nn.Module, for rnn-parity.

Ships in the npm package (node_modules/rnn-parity/python/export_rnn.py) and needs torch only:
the safetensors file is written by hand, byte-compatible with Hugging Face's
`safetensors.torch.save_file` (which works equally well for the tensors; this adds the metadata).

    from export_rnn import export_rnn
    export_rnn(model, 'model.safetensors')                    # every nn.RNN inside model
    export_rnn(model, 'encoder.safetensors', 'encoder.rnn')   # just model.encoder.rnn

Tensor names are the model's own state_dict keys (`encoder.rnn.weight_ih_l0`). For each exported
RNN, the metadata entry `rnn_parity.kwargs.<module path>` (`rnn_parity.kwargs` for a bare nn.RNN)
holds its constructor arguments as JSON in torch's spelling, dtype included. In JavaScript:

    const { tensors, metadata } = readSafetensors(bytes);
    const rnn = new RNN(fromTorchKwargs(JSON.parse(metadata['rnn_parity.kwargs.encoder.rnn'])));
    rnn.loadStateDict(stripStateDictPrefix(tensors, 'encoder.rnn'));

CLI, for a state_dict saved with torch.save (no constructor arguments then, only tensors):
    python export_rnn.py CHECKPOINT.pt OUT.safetensors [--prefix encoder.rnn]
"""
import argparse
import ctypes
import json
import struct
import sys

import torch

_DTYPE_NAMES = {torch.float32: 'F32', torch.float64: 'F64'}
_KWARG_NAMES = ('input_size', 'hidden_size', 'num_layers', 'nonlinearity', 'bias', 'batch_first', 'dropout', 'bidirectional')


def _tensor_bytes(tensor):
    """The contiguous little-endian bytes of a tensor, copied straight from its storage (no numpy needed)."""
    t = tensor.detach().to('cpu').contiguous()
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b''


def safetensors_bytes(tensors, metadata=None):
    """A safetensors file: 8-byte little-endian header length, JSON header, raw tensor bytes."""
    if sys.byteorder != 'little':
        raise RuntimeError('safetensors stores little-endian data; this writer assumes a little-endian host')
    header = {} if metadata is None else {'__metadata__': {str(k): str(v) for k, v in metadata.items()}}
    chunks, offset = [], 0
    for name, tensor in tensors.items():
        if tensor.dtype not in _DTYPE_NAMES:
            raise ValueError('%s has dtype %s; rnn-parity reads float32 and float64 (use module.float() or .double())'
                             % (name, tensor.dtype))
        data = _tensor_bytes(tensor)
        header[name] = {'dtype': _DTYPE_NAMES[tensor.dtype], 'shape': list(tensor.shape),
                        'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(',', ':')).encode('utf-8')
    encoded += b' ' * (-len(encoded) % 8)   # the data section starts 8-byte aligned, as safetensors does
    return struct.pack('<Q', len(encoded)) + encoded + b''.join(chunks)


def rnn_kwargs(rnn):
    """The constructor arguments of an nn.RNN, in torch's spelling, plus its dtype."""
    kwargs = {name: getattr(rnn, name) for name in _KWARG_NAMES}
    kwargs['dtype'] = {torch.float32: 'float32', torch.float64: 'float64'}.get(rnn.weight_ih_l0.dtype, str(rnn.weight_ih_l0.dtype))
    return kwargs


def export_rnn(model, path, prefix=None):
    """Writes the parameters of every torch.nn.RNN in `model` (or only the one at module path
    `prefix`, e.g. 'encoder.rnn') to `path` as safetensors, keyed as in model.state_dict().
    Returns the module paths exported. Raises ValueError when there is no nn.RNN to export."""
    if prefix is not None:
        path_ = prefix.rstrip('.')
        rnns = [(path_, model.get_submodule(path_) if path_ else model)]
        if not isinstance(rnns[0][1], torch.nn.RNN):
            raise ValueError('%r is a %s, not a torch.nn.RNN' % (path_, type(rnns[0][1]).__name__))
    else:
        # LSTM and GRU share RNNBase but are not nn.RNN subclasses: they are not exported.
        rnns = [(name, module) for name, module in model.named_modules() if isinstance(module, torch.nn.RNN)]
        if not rnns:
            raise ValueError('no torch.nn.RNN inside %s' % type(model).__name__)
    tensors, metadata = {}, {'format': 'pt', 'torch_version': torch.__version__}
    for name, rnn in rnns:
        for param_name, tensor in rnn.state_dict().items():
            tensors[name + '.' + param_name if name else param_name] = tensor
        metadata['rnn_parity.kwargs.' + name if name else 'rnn_parity.kwargs'] = json.dumps(rnn_kwargs(rnn), sort_keys=True)
    with open(path, 'wb') as f:
        f.write(safetensors_bytes(tensors, metadata))
    return [name for name, _ in rnns]


def main(argv=None):
    parser = argparse.ArgumentParser(description='Copy RNN tensors from a torch.save state_dict into a safetensors file for rnn-parity.')
    parser.add_argument('checkpoint', help='a state_dict saved with torch.save')
    parser.add_argument('out', help='the .safetensors file to write')
    parser.add_argument('--prefix', default='', help="module path of the RNN, e.g. 'encoder.rnn' (default: every tensor)")
    args = parser.parse_args(argv)
    state_dict = torch.load(args.checkpoint, map_location='cpu', weights_only=True)
    prefix = args.prefix.rstrip('.') + '.' if args.prefix else ''
    tensors = {k: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not tensors:
        parser.error('no tensor in %s starts with %r' % (args.checkpoint, prefix))
    with open(args.out, 'wb') as f:
        f.write(safetensors_bytes(tensors, {'format': 'pt', 'torch_version': torch.__version__}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
