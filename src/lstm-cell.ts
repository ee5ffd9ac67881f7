// LSTMCell: one LSTM step (src/lstm-step.ts) with torch's checks, and its recorded-gradient variant.
import { CellBase, type CellOptions } from './cell-base.js';
import { type LSTMCellGradResult, cellBackward } from './cell-backward.js';
import { lstmDirectionBackward } from './lstm-backward.js';
import { TorchError } from './errors.js';
import { assertTensor } from './forward-checks.js';
import { linear } from './kernels.js';
import { Tensor, allocate } from './tensor.js';
import { type LSTMWeights, lstmStep } from './lstm-step.js';

/**
 * A long short-term memory cell: one `lstmStep` without projection. Mirrors `torch.nn.LSTMCell`.
 * Parameters weight_ih (4H, H_in), weight_hh (4H, H), bias_ih (4H), bias_hh (4H), gates i, f, g, o.
 * Shapes: input (N, H_in) or unbatched (H_in); hx = [h_0, c_0], each (N, H) or (H), zeros if
 * omitted; returns [h_1, c_1] like hx.
 */
export class LSTMCell extends CellBase {
  /**
   * Mirrors `torch.nn.LSTMCell(input_size, hidden_size, bias=True, dtype=None)`.
   * @throws TypeError or RuntimeError with torch's message for invalid arguments.
   */
  constructor(options: CellOptions) {
    super('LSTMCell', 4, options);
  }

  /**
   * One step. Mirrors `LSTMCell.forward(input, hx)` and ATen's `lstm_cell` checks, in that order.
   * @throws ValueError, RuntimeError, TypeError, IndexError or AttributeError with torch's message.
   */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const pair = this.statePair(input, hx);
    const isBatched = input.ndim === 2;
    const x = isBatched ? input : input.reshape([1, ...input.shape]);
    const N = x.shape[0]!;
    const H = this.hiddenSize;
    let states: Tensor[];
    if (pair === null) states = [Tensor.zeros([N, H], input.dtype), Tensor.zeros([N, H], input.dtype)];
    else states = isBatched ? [...pair] : pair.map((t) => t.reshape([1, ...t.shape]));
    // mirrors aten lstm_cell: TORCH_CHECK(hx.size() == 2, "lstm_cell expects two hidden states")
    if (states.length !== 2) throw new TorchError('RuntimeError', 'lstm_cell expects two hidden states');
    this.checkBatched(x, states);
    const weights: LSTMWeights = {
      weightIh: this.param('weight_ih')!,
      weightHh: this.param('weight_hh')!,
      biasIh: this.param('bias_ih'),
      biasHh: this.param('bias_hh'),
      weightHr: null,
    };
    const inputGates = allocate(this.dtype, N * 4 * H);
    linear(inputGates, 0, x.data, 0, N, weights.weightIh, weights.biasIh, 4 * H, this.inputSize);
    const h = allocate(this.dtype, N * H);
    const c = allocate(this.dtype, N * H);
    h.set(states[0]!.data);
    c.set(states[1]!.data);
    lstmStep(inputGates, 0, h, c, N, H, H, weights, allocate(this.dtype, N * 4 * H), allocate(this.dtype, N * H));
    const shape = isBatched ? [N, H] : [H];
    return [new Tensor(h, shape), new Tensor(c, shape)];
  }

  /**
   * (h_0, c_0) as `LSTMCell.forward` reads hx, checks in torch's order: Python iterates hx (`for idx,
   * value in enumerate(hx)`; a tensor yields its rows) to check ranks; unbatched input then takes
   * `hx[0]` and `hx[1]`, so a tensor of two or more rows is read as (h_0, c_0) row by row and a tuple's
   * extra items are ignored, while batched input hands hx to ATen's `lstm_cell`, which wants a tuple.
   * Null when hx is absent.
   */
  private statePair(input: Tensor, hx: readonly [Tensor, Tensor] | Tensor | null | undefined): Tensor[] | null {
    this.checkInputRank(input);
    if (hx === undefined || hx === null) return null;
    if (hx instanceof Tensor && hx.ndim === 0) throw new TorchError('TypeError', 'iteration over a 0-d tensor');
    const items: unknown[] = hx instanceof Tensor ? Array.from({ length: hx.shape[0]! }, () => ({ ndim: hx.ndim - 1 })) : [...hx];
    items.forEach((value, idx) => {
      const rank = value instanceof Tensor ? value.ndim : (value as { ndim?: number }).ndim;
      if (rank === undefined) assertTensor(value);
      if (rank !== 1 && rank !== 2) {
        throw new TorchError('ValueError', `LSTMCell: Expected hx[${idx}] to be 1D or 2D, got ${rank}D instead`);
      }
    });
    if (input.ndim === 2) {
      if (hx instanceof Tensor) throw new TorchError('TypeError', "lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not Tensor");
      return [...hx];
    }
    return [0, 1].map((i) => {
      if (!(hx instanceof Tensor)) {
        if (i >= hx.length) throw new TorchError('IndexError', 'tuple index out of range');
        return hx[i]!;
      }
      const rows = hx.shape[0]!;
      if (i >= rows) throw new TorchError('IndexError', `index ${i} is out of bounds for dimension 0 with size ${rows}`);
      const rowSize = hx.data.length / rows;
      return new Tensor(hx.data.slice(i * rowSize, (i + 1) * rowSize), hx.shape.slice(1));
    });
  }

  /**
   * One step as {@link forward}, recorded for backpropagation. Mirrors a forward with `requires_grad`
   * on the input, (hx, cx) and the parameters.
   * @returns `{ h, c, backward }`; `backward(gradH, gradC)` gives ∂input, ∂hx, ∂cx and ∂parameters by torch's names.
   * @throws as {@link forward}.
   */
  forwardWithGrad(input: Tensor, hx?: readonly [Tensor, Tensor] | null): LSTMCellGradResult {
    const [h, c] = this.forward(input, hx);
    const x = input.ndim === 2 ? input : input.reshape([1, ...input.shape]);
    const N = x.shape[0]!;
    const pair = this.statePair(input, hx);
    const states = pair ?? [Tensor.zeros([N, this.hiddenSize], this.dtype), Tensor.zeros([N, this.hiddenSize], this.dtype)];
    const backward = cellBackward(this, input, x, states, [h, c], lstmDirectionBackward);
    return {
      h,
      c,
      backward: (gradH, gradC) => {
        const { gradInput, gradStates, grads } = backward([gradH ?? null, gradC ?? null]);
        if (!((hx as unknown) instanceof Tensor)) return { gradInput, gradHx: gradStates[0]!, gradCx: gradStates[1]!, grads };
        // hx given as one tensor of rows (h_0, c_0, ...): autograd's ∂hx has its shape, rows past the second zero.
        const whole = hx as unknown as Tensor;
        const gradHx = Tensor.zeros(whole.shape, whole.dtype);
        gradHx.data.set(gradStates[0]!.data, 0);
        gradHx.data.set(gradStates[1]!.data, gradStates[0]!.data.length);
        return { gradInput, gradHx, gradCx: gradStates[1]!, grads };
      },
    };
  }
}
