// RNNCell: one Elman step, h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), with torch's checks.
import { CellBase, type CellOptions } from './cell-base.js';
import { type CellGradResult, cellBackward, rnnCellBackward } from './cell-backward.js';
import { TorchError, pyRepr } from './errors.js';
import { assertTensor } from './forward-checks.js';
import { linear, reluInPlace, tanhInPlace } from './kernels.js';
import { Tensor, allocate } from './tensor.js';

/** Options of {@link RNNCell}: the cells' options plus torch's `nonlinearity`. */
export interface RNNCellOptions extends CellOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * An Elman RNN cell with tanh or ReLU. Mirrors `torch.nn.RNNCell`.
 * Parameters weight_ih (H, H_in), weight_hh (H, H), bias_ih (H), bias_hh (H).
 * Shapes: input (N, H_in) or unbatched (H_in); hx (N, H) or (H), zeros if omitted; returns h' like hx.
 */
export class RNNCell extends CellBase {
  /**
   * As given: torch does not check it at construction, and its forward raises
   * `RuntimeError: Unknown nonlinearity: …` for anything but 'tanh' and 'relu'.
   */
  readonly nonlinearity: string;

  /**
   * Mirrors `torch.nn.RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh', dtype=None)`.
   * @throws TypeError or RuntimeError with torch's message for invalid arguments.
   */
  constructor(options: RNNCellOptions) {
    super('RNNCell', 1, options, ['nonlinearity']);
    // Python's default applies only to an omitted argument: `nonlinearity=None` is stored as None and
    // torch's forward then raises `Unknown nonlinearity: None` (found by the campaign's rnn_cell cases).
    const nonlinearity: unknown = options.nonlinearity === undefined ? 'tanh' : options.nonlinearity;
    this.nonlinearity = typeof nonlinearity === 'string' ? nonlinearity : pyRepr(nonlinearity);
  }

  protected override extraRepr(): string {
    // RNNCellBase.extra_repr formats the stored value with str(): `nonlinearity=relu`, no quotes.
    return super.extraRepr() + (this.nonlinearity !== 'tanh' ? `, nonlinearity=${this.nonlinearity}` : '');
  }

  /**
   * One step as {@link forward}, recorded for backpropagation. Mirrors a forward with `requires_grad`
   * on the input, hx and the parameters.
   * @returns `{ h, backward }`; `backward(gradH)` gives ∂input, ∂hx and ∂parameters by torch's names.
   * @throws as {@link forward}.
   */
  forwardWithGrad(input: Tensor, hx?: Tensor | null): CellGradResult {
    const h = this.forward(input, hx);
    const x = input.ndim === 2 ? input : input.reshape([1, ...input.shape]);
    const N = x.shape[0]!;
    const h0 = hx === undefined || hx === null ? Tensor.zeros([N, this.hiddenSize], this.dtype) : hx;
    const backward = cellBackward(this, input, x, [h0], [h], rnnCellBackward(this.nonlinearity as 'tanh' | 'relu'));
    return {
      h,
      backward: (gradH) => {
        const { gradInput, gradStates, grads } = backward([gradH ?? null]);
        return { gradInput, gradHx: gradStates[0]!, grads };
      },
    };
  }

  /**
   * One step: `h' = act((h W_hhᵀ + b_hh) + (x W_ihᵀ + b_ih))`, each bracket rounded as torch stores it
   * (ATen's `SimpleCell`). Mirrors `RNNCell.forward(input, hx)` and ATen's `rnn_tanh_cell` /
   * `rnn_relu_cell` checks, in that order.
   * @throws ValueError, RuntimeError, IndexError or AttributeError with torch's message.
   */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    this.checkInputRank(input);
    if (hx !== undefined && hx !== null) {
      assertTensor(hx);
      if (hx.ndim !== 1 && hx.ndim !== 2) {
        throw new TorchError('ValueError', `RNNCell: Expected hidden to be 1D or 2D, got ${hx.ndim}D instead`);
      }
    }
    const isBatched = input.ndim === 2;
    const x = isBatched ? input : input.reshape([1, ...input.shape]);
    const N = x.shape[0]!;
    const H = this.hiddenSize;
    const h0 = hx === undefined || hx === null ? Tensor.zeros([N, H], input.dtype) : isBatched ? hx : hx.reshape([1, ...hx.shape]);
    if (this.nonlinearity !== 'tanh' && this.nonlinearity !== 'relu') {
      throw new TorchError('RuntimeError', `Unknown nonlinearity: ${this.nonlinearity}`);
    }
    this.checkBatched(x, [h0]);
    const projected = allocate(this.dtype, N * H);
    linear(projected, 0, x.data, 0, N, this.param('weight_ih')!, this.param('bias_ih'), H, this.inputSize);
    const h = allocate(this.dtype, N * H);
    linear(h, 0, h0.data, 0, N, this.param('weight_hh')!, this.param('bias_hh'), H, H);
    for (let j = 0; j < N * H; j++) h[j] = h[j]! + projected[j]!;
    (this.nonlinearity === 'tanh' ? tanhInPlace : reluInPlace)(h, 0, N * H);
    return new Tensor(h, isBatched ? [N, H] : [H]);
  }
}
