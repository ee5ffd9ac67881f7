// GRUCell: one GRU step (src/gru-step.ts) with torch's checks, and its recorded-gradient variant.
import { CellBase, type CellOptions } from './cell-base.js';
import { type CellGradResult, cellBackward } from './cell-backward.js';
import { gruDirectionBackward } from './gru-backward.js';
import { TorchError } from './errors.js';
import { assertTensor } from './forward-checks.js';
import type { LayerWeights } from './forward-trace.js';
import { linear } from './kernels.js';
import { Tensor, allocate } from './tensor.js';
import { gruStep } from './gru-step.js';

/**
 * A gated recurrent unit cell: one `gruStep`. Mirrors `torch.nn.GRUCell`.
 * Parameters weight_ih (3H, H_in), weight_hh (3H, H), bias_ih (3H), bias_hh (3H), gates r, z, n.
 * Shapes: input (N, H_in) or unbatched (H_in); hx (N, H) or (H), zeros if omitted; returns h' like hx.
 */
export class GRUCell extends CellBase {
  // ATen's GRUCell computes x·W_ihᵀ before h·W_hhᵀ, so the input's GEMM objects first.
  protected override readonly hiddenProductFirst: boolean = false;

  /**
   * Mirrors `torch.nn.GRUCell(input_size, hidden_size, bias=True, dtype=None)`.
   * @throws TypeError or RuntimeError with torch's message for invalid arguments.
   */
  constructor(options: CellOptions) {
    super('GRUCell', 3, options);
  }

  /**
   * One step. Mirrors `GRUCell.forward(input, hx)` and ATen's `gru_cell` checks, in that order.
   * @throws ValueError, RuntimeError, IndexError or AttributeError with torch's message.
   */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    this.checkInputRank(input);
    if (hx !== undefined && hx !== null) {
      assertTensor(hx);
      if (hx.ndim !== 1 && hx.ndim !== 2) {
        throw new TorchError('ValueError', `GRUCell: Expected hidden to be 1D or 2D, got ${hx.ndim}D instead`);
      }
    }
    const isBatched = input.ndim === 2;
    const x = isBatched ? input : input.reshape([1, ...input.shape]);
    const N = x.shape[0]!;
    const H = this.hiddenSize;
    const h0 = hx === undefined || hx === null ? Tensor.zeros([N, H], input.dtype) : isBatched ? hx : hx.reshape([1, ...hx.shape]);
    this.checkBatched(x, [h0]);
    const weights = this.weights();
    const inputGates = allocate(this.dtype, N * 3 * H);
    linear(inputGates, 0, x.data, 0, N, weights.weightIh, weights.biasIh, 3 * H, this.inputSize);
    const h = allocate(this.dtype, N * H);
    h.set(h0.data);
    gruStep(inputGates, 0, h, N, H, weights, allocate(this.dtype, N * 3 * H));
    return new Tensor(h, isBatched ? [N, H] : [H]);
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
    const backward = cellBackward(this, input, x, [h0], [h], gruDirectionBackward);
    return {
      h,
      backward: (gradH) => {
        const { gradInput, gradStates, grads } = backward([gradH ?? null]);
        return { gradInput, gradHx: gradStates[0]!, grads };
      },
    };
  }

  private weights(): LayerWeights {
    return { weightIh: this.param('weight_ih')!, weightHh: this.param('weight_hh')!, biasIh: this.param('bias_ih'), biasHh: this.param('bias_hh') };
  }
}
