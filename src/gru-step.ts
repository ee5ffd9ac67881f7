// The GRU step: torch's gate order r, z, n, with the reset gate scaling W_hn·h + b_hn.
import type { LayerWeights } from './forward-trace.js';
import { linear, tanhInPlace } from './kernels.js';
import type { PreparedLinear } from './linear-wasm.js';
import { sigmoidInPlace } from './sigmoid.js';
import type { FloatArray } from './tensor.js';

/**
 * One GRU step for the first `rows` batch rows, updating `h` (rows, H) in place. `inputGates` holds
 * x W_ihᵀ + b_ih (rows, 3H) from `inputOffset`, as torch precomputes it; `hiddenGates` is scratch of
 * at least rows·3H in the working dtype; `hiddenNew`, when given, receives h W_hnᵀ + b_hn (rows, H), which
 * backward reads. Mirrors `GRUCell::operator()` in aten/src/ATen/native/RNN.cpp:
 *
 *     r  = σ((h W_hrᵀ + b_hr) + (x W_irᵀ + b_ir))
 *     z  = σ((h W_hzᵀ + b_hz) + (x W_izᵀ + b_iz))
 *     n  = tanh((x W_inᵀ + b_in) + (h W_hnᵀ + b_hn) · r)
 *     h' = (h − n) · z + n                        (= (1 − z) · n + z · h, in torch's op order)
 *
 * The reset gate multiplies the hidden projection *after* the product with W_hn, bias included, as
 * torch (and cuDNN) do; some frameworks apply it to h before. Every value torch materialises is
 * rounded to the working dtype (see Note [float32 accumulation] in kernels.ts). `hidden`, when given, is
 * h ↦ h W_hhᵀ + b_hh prepared once for many steps (kernels.ts withLinear); the values are the same.
 */
export function gruStep(
  inputGates: Readonly<FloatArray>,
  inputOffset: number,
  h: FloatArray,
  rows: number,
  hiddenSize: number,
  weights: LayerWeights,
  hiddenGates: FloatArray,
  hiddenNew: FloatArray | null = null,
  hidden: PreparedLinear | null = null,
): void {
  const H = hiddenSize;
  const round = h instanceof Float32Array ? Math.fround : (x: number): number => x;
  if (hidden === null) linear(hiddenGates, 0, h, 0, rows, weights.weightHh, weights.biasHh, 3 * H, H);
  else hidden.apply(hiddenGates, 0, h, 0, rows);
  for (let n = 0; n < rows; n++) {
    const base = n * 3 * H;
    const inputBase = inputOffset + base;
    for (let j = 0; j < 2 * H; j++) hiddenGates[base + j] = hiddenGates[base + j]! + inputGates[inputBase + j]!;
    sigmoidInPlace(hiddenGates, base, 2 * H);
    for (let j = 0; j < H; j++) {
      const reset = hiddenGates[base + j]!;
      if (hiddenNew !== null) hiddenNew[n * H + j] = hiddenGates[base + 2 * H + j]!;
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
