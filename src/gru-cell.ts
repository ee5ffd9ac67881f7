// The GRU step (torch's gate order r, z, n; the reset gate scales W_hn·h + b_hn) and GRUCell, one step of it.
import { CellBase, type CellOptions } from './cell-base.js';
import { TorchError } from './errors.js';
import { assertTensor } from './forward-checks.js';
import type { LayerWeights } from './forward-trace.js';
import { linear, tanhInPlace } from './kernels.js';
import { sigmoidInPlace } from './sigmoid.js';
import { type FloatArray, Tensor, allocate } from './tensor.js';

/**
 * One GRU step for the first `rows` batch rows, updating `h` (rows, H) in place. `inputGates` holds
 * x W_ihᵀ + b_ih (rows, 3H) from `inputOffset`, as torch precomputes it; `hiddenGates` is scratch of
 * at least rows·3H in the working dtype. Mirrors `GRUCell::operator()` in aten/src/ATen/native/RNN.cpp:
 *
 *     r  = σ((h W_hrᵀ + b_hr) + (x W_irᵀ + b_ir))
 *     z  = σ((h W_hzᵀ + b_hz) + (x W_izᵀ + b_iz))
 *     n  = tanh((x W_inᵀ + b_in) + (h W_hnᵀ + b_hn) · r)
 *     h' = (h − n) · z + n                        (= (1 − z) · n + z · h, in torch's op order)
 *
 * The reset gate multiplies the hidden projection *after* the product with W_hn, bias included, as
 * torch (and cuDNN) do; some frameworks apply it to h before. Every value torch materialises is
 * rounded to the working dtype (see Note [float32 accumulation] in kernels.ts).
 */
export function gruStep(
  inputGates: Readonly<FloatArray>,
  inputOffset: number,
  h: FloatArray,
  rows: number,
  hiddenSize: number,
  weights: LayerWeights,
  hiddenGates: FloatArray,
): void {
  const H = hiddenSize;
  const round = h instanceof Float32Array ? Math.fround : (x: number): number => x;
  linear(hiddenGates, 0, h, 0, rows, weights.weightHh, weights.biasHh, 3 * H, H);
  for (let n = 0; n < rows; n++) {
    const base = n * 3 * H;
    const inputBase = inputOffset + base;
    for (let j = 0; j < 2 * H; j++) hiddenGates[base + j] = hiddenGates[base + j]! + inputGates[inputBase + j]!;
    sigmoidInPlace(hiddenGates, base, 2 * H);
    for (let j = 0; j < H; j++) {
      const reset = hiddenGates[base + j]!;
      hiddenGates[base + 2 * H + j] = inputGates[inputBase + 2 * H + j]! + round(hiddenGates[base + 2 * H + j]! * reset);
    }
    tanhInPlace(hiddenGates, base + 2 * H, H);
    for (let j = 0; j < H; j++) {
      const update = hiddenGates[base + H + j]!;
      const candidate = hiddenGates[base + 2 * H + j]!;
      h[n * H + j] = round(round(h[n * H + j]! - candidate) * update) + candidate;
    }
  }
}

/**
 * A gated recurrent unit cell: one `gruStep`. Mirrors `torch.nn.GRUCell`.
 * Parameters weight_ih (3H, H_in), weight_hh (3H, H), bias_ih (3H), bias_hh (3H), gates r, z, n.
 * Shapes: input (N, H_in) or unbatched (H_in); hx (N, H) or (H), zeros if omitted; returns h' like hx.
 */
export class GRUCell extends CellBase {
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

  private weights(): LayerWeights {
    return { weightIh: this.param('weight_ih')!, weightHh: this.param('weight_hh')!, biasIh: this.param('bias_ih'), biasHh: this.param('bias_hh') };
  }
}
