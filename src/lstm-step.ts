// The LSTM step: torch's gate order i, f, g, o, c' = f·c + i·g, h' = o·tanh(c'), optionally projected h' W_hrᵀ.
import type { LayerWeights } from './forward-trace.js';
import { linear, tanhInPlace, withLinear } from './kernels.js';
import type { PreparedLinear } from './linear-wasm.js';
import { sigmoidInPlace } from './sigmoid.js';
import type { FloatArray } from './tensor.js';

/** The weights of one LSTM layer and direction: the four of {@link LayerWeights} plus W_hr (P, H) with projections. */
export interface LSTMWeights extends LayerWeights {
  readonly weightHr: FloatArray | null;
}

/** h ↦ h W_hhᵀ + b_hh and, with projections, h ↦ h W_hrᵀ, prepared once for all steps (kernels.ts withLinear). */
export interface LSTMRecurrence {
  readonly hidden: PreparedLinear;
  readonly projection: PreparedLinear | null;
}

/** Runs `body` with the weights' W_hh (and W_hr) prepared once, for a sequence of steps. */
export function withLSTMRecurrence<T>(weights: LSTMWeights, hiddenSize: number, outputSize: number, body: (recurrence: LSTMRecurrence) => T): T {
  const { weightHr } = weights;
  return withLinear(weights.weightHh, weights.biasHh, 4 * hiddenSize, outputSize, (hidden) =>
    weightHr === null
      ? body({ hidden, projection: null })
      : withLinear(weightHr, null, outputSize, hiddenSize, (projection) => body({ hidden, projection })),
  );
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
 * Each product and sum is rounded to the working dtype as torch materialises it. `recurrence`, when
 * given, holds W_hh (and W_hr) prepared for many steps; the values are the same either way.
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
  recurrence: LSTMRecurrence | null = null,
): void {
  const H = hiddenSize;
  const round = h instanceof Float32Array ? Math.fround : (x: number): number => x;
  if (recurrence === null) linear(gates, 0, h, 0, rows, weights.weightHh, weights.biasHh, 4 * H, outputSize);
  else recurrence.hidden.apply(gates, 0, h, 0, rows);
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
  else if (recurrence?.projection) recurrence.projection.apply(h, 0, cellOut, 0, rows);
  else linear(h, 0, cellOut, 0, rows, weights.weightHr, null, outputSize, H);
}
