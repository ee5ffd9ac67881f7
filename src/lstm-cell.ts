// The LSTM step (torch's gate order i, f, g, o; optional projection h = W_hr·h) and LSTMCell, one step of it.
import { CellBase, type CellOptions } from './cell-base.js';
import { TorchError } from './errors.js';
import { assertTensor } from './forward-checks.js';
import type { LayerWeights } from './forward-trace.js';
import { linear, tanhInPlace } from './kernels.js';
import { sigmoidInPlace } from './sigmoid.js';
import { type FloatArray, Tensor, allocate } from './tensor.js';

/** The weights of one LSTM layer and direction: the four of {@link LayerWeights} plus W_hr (P, H) with projections. */
export interface LSTMWeights extends LayerWeights {
  readonly weightHr: FloatArray | null;
}

/**
 * One LSTM step for the first `rows` batch rows, updating `h` (rows, H_out) and `c` (rows, H) in
 * place. `inputGates` holds x W_ihᵀ + b_ih (rows, 4H) from `inputOffset`; `gates` (rows·4H) and
 * `cellOut` (rows·H) are scratch in the working dtype. Mirrors `LSTMCell::operator()` in
 * aten/src/ATen/native/RNN.cpp (CPU path):
 *
 *     gates = (h W_hhᵀ + b_hh) + (x W_ihᵀ + b_ih),  chunked i, f, g, o
 *     c' = σ(f) · c + σ(i) · tanh(g)
 *     h' = σ(o) · tanh(c'),  then h' W_hrᵀ when projecting (no bias)
 *
 * Each product and sum is rounded to the working dtype as torch materialises it.
 */
export function lstmStep(
  inputGates: Readonly<FloatArray>,
  inputOffset: number,
  h: FloatArray,
  c: FloatArray,
  rows: number,
  hiddenSize: number,
  outputSize: number,
  weights: LSTMWeights,
  gates: FloatArray,
  cellOut: FloatArray,
): void {
  const H = hiddenSize;
  const round = h instanceof Float32Array ? Math.fround : (x: number): number => x;
  linear(gates, 0, h, 0, rows, weights.weightHh, weights.biasHh, 4 * H, outputSize);
  for (let j = 0; j < rows * 4 * H; j++) gates[j] = gates[j]! + inputGates[inputOffset + j]!;
  for (let n = 0; n < rows; n++) {
    const base = n * 4 * H;
    sigmoidInPlace(gates, base, 2 * H);
    tanhInPlace(gates, base + 2 * H, H);
    sigmoidInPlace(gates, base + 3 * H, H);
    for (let j = 0; j < H; j++) {
      const k = n * H + j;
      // cy = (forgetgate * cx).add_(ingate * cellgate)
      c[k] = round(gates[base + H + j]! * c[k]!) + round(gates[base + j]! * gates[base + 2 * H + j]!);
      cellOut[k] = c[k]!;
    }
    tanhInPlace(cellOut, n * H, H);
    for (let j = 0; j < H; j++) cellOut[n * H + j] = gates[base + 3 * H + j]! * cellOut[n * H + j]!;
  }
  if (weights.weightHr === null) h.set(cellOut.subarray(0, rows * H));
  else linear(h, 0, cellOut, 0, rows, weights.weightHr, null, outputSize, H);
}

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
    this.checkInputRank(input);
    if (hx !== undefined && hx !== null) {
      // Python iterates hx (`for idx, value in enumerate(hx)`): a tensor yields its rows.
      const items: unknown[] = hx instanceof Tensor ? Array.from({ length: hx.shape[0] ?? 0 }, () => ({ ndim: hx.ndim - 1 })) : [...hx];
      items.forEach((value, idx) => {
        const rank = value instanceof Tensor ? value.ndim : (value as { ndim?: number }).ndim;
        if (rank === undefined) assertTensor(value);
        if (rank !== 1 && rank !== 2) {
          throw new TorchError('ValueError', `LSTMCell: Expected hx[${idx}] to be 1D or 2D, got ${rank}D instead`);
        }
      });
      if (hx instanceof Tensor) {
        throw new TorchError('TypeError', "lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not Tensor");
      }
    }
    const isBatched = input.ndim === 2;
    const x = isBatched ? input : input.reshape([1, ...input.shape]);
    const N = x.shape[0]!;
    const H = this.hiddenSize;
    let states: Tensor[];
    if (hx === undefined || hx === null) states = [Tensor.zeros([N, H], input.dtype), Tensor.zeros([N, H], input.dtype)];
    else states = isBatched ? [...hx] : hx.map((t) => t.reshape([1, ...t.shape]));
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
}
