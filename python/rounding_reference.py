"""The rounding-point reference: nn.RNN's float32 forward redone in float64, rounded to float32 exactly where torch does."""
import torch

# Note [rounding points]
# torch 2.13's CPU nn.RNN (aten/src/ATen/native/RNN.cpp: ONE_HIDDEN_RNN -> _rnn_impl_with_concat ->
# FullLayer / PackedLayer -> SimpleCell) computes, per layer and direction, in float32 tensors:
#   P_ih = linear(x, W_ih, b_ih)        one addmm over all steps (FullLayer pre-computes it), or per
#                                        step (PackedLayer): either way one float32 GEMM result
#   P_hh = linear(h, W_hh, b_hh)        one addmm per step: one float32 GEMM result
#   S    = P_hh.add_(P_ih)              one float32 add
#   h'   = tanh(S) or relu(S)           one float32 tanh (MKL VML vsTanh) / relu (exact)
# Between layers the output is the next layer's input (dropout only in training, not modelled here).
# This reference computes every bracket in float64 from float32 operands and rounds the result to
# float32 at exactly those four points, nowhere else. Products of float32 values are exact in float64
# (48 significant bits); each dot product is summed k = 0..K-1 in order (cumsum is sequential on CPU)
# and the bias added last, the order of the TS kernels (src/kernels.ts), so the only way the TS float32
# forward can differ from this reference is a rounding point it adds or skips (or tanh's last bit:
# tanh is taken in float64 and rounded once, as src/tanh.ts does; MKL's float64 tanh and ours agree
# but for a fraction of a percent of float64 results, and a float32 rounding moves only when such a
# result straddles a float32 rounding boundary).


def to_f32(t):
    """The float32 materialisation of a float64 value, kept in float64 for the next exact step."""
    return t.to(torch.float32).to(torch.float64)


def affine(x, weight, bias):
    """float32(x·Wᵀ + b) for x (R, K), W (M, K): products exact, summed in order k = 0..K-1, bias last."""
    if x.shape[1] == 0:
        total = torch.zeros(x.shape[0], weight.shape[0], dtype=torch.float64)
    else:
        total = (x[:, None, :] * weight[None, :, :]).cumsum(-1)[..., -1]
    if bias is not None:
        total = total + bias
    return to_f32(total)


def rounding_reference(module, inp, hx, lengths):
    """
    The reference forward of a float32 nn.RNN in eval mode (no dropout): (output, h_n), output padded
    as torch returns it (`pad_packed_sequence` for packed input, zeros past each length). None when the
    case is outside the model (not float32, dropout active, empty).
    """
    if module.weight_ih_l0.dtype != torch.float32 or (module.training and module.dropout > 0 and module.num_layers > 1):
        return None
    batched = inp.dim() == 3
    x = inp.detach().to(torch.float64)
    if not batched:
        x = x.unsqueeze(1)
    elif module.batch_first:
        x = x.transpose(0, 1)
    steps, batch = x.shape[0], x.shape[1]
    if steps == 0 or batch == 0:
        return None
    if lengths is None:
        lengths_t = torch.full((batch,), steps, dtype=torch.int64)
    else:
        lengths_t = torch.as_tensor([int(n) for n in lengths], dtype=torch.int64)
        steps = int(lengths_t.max())
        # With enforce_sorted=False, pack_padded_sequence index_selects the sequences its lengths sort,
        # so fewer lengths than sequences pack only the first len(lengths) of them.
        batch = len(lengths_t)
        x = x[:steps, :batch]
    directions = 2 if module.bidirectional else 1
    hidden = module.hidden_size
    h0 = torch.zeros(module.num_layers * directions, batch, hidden, dtype=torch.float64)
    if hx is not None:
        h0 = hx.detach().to(torch.float64)
        # Unbatched hx gains its batch dimension; packed input with enforce_sorted=False index_selects
        # hx by sorted_indices (RNN.permute_hidden), so rows past len(lengths) are never read.
        h0 = h0.unsqueeze(1) if h0.dim() == 2 else h0[:, :batch]
    act = torch.tanh if module.nonlinearity == 'tanh' else torch.relu
    h_n = torch.zeros_like(h0)
    layer_input = x
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(directions):
            suffix = f'l{layer}' + ('_reverse' if direction == 1 else '')

            def param(name, sfx=suffix):
                p = getattr(module, f'{name}_{sfx}', None)
                return None if p is None else p.detach().to(torch.float64)

            w_ih, w_hh, b_ih, b_hh = param('weight_ih'), param('weight_hh'), param('bias_ih'), param('bias_hh')
            width = layer_input.shape[2]
            p_ih = affine(layer_input.reshape(steps * batch, width), w_ih, b_ih).reshape(steps, batch, hidden)
            h = h0[layer * directions + direction].clone()
            out = torch.zeros(steps, batch, hidden, dtype=torch.float64)
            order = range(steps) if direction == 0 else range(steps - 1, -1, -1)
            for t in order:
                s = to_f32(affine(h, w_hh, b_hh) + p_ih[t])
                h_new = to_f32(act(s))
                if lengths is None:
                    h = out[t] = h_new
                    continue
                # A packed sequence advances only while t < its length; in reverse it starts at its own last step.
                active = (lengths_t > t)[:, None]
                h = torch.where(active, h_new, h)
                out[t] = torch.where(active, h_new, torch.zeros_like(h_new))
            h_n[layer * directions + direction] = h
            outputs.append(out)
        layer_input = torch.cat(outputs, dim=2)
    output = layer_input
    if not batched:
        output, h_n = output.squeeze(1), h_n.squeeze(1)
    elif module.batch_first:
        output = output.transpose(0, 1)
    return output.to(torch.float32), h_n.to(torch.float32)
