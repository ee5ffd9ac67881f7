// torch's CPU training-mode dropout noise: a Bernoulli keep mask scaled by 1/(1-p), drawn as at::dropout draws it.
import { cppDouble } from './cpp-format.js';
import { TorchError } from './errors.js';
import type { Generator } from './generator.js';

/**
 * The noise tensor of training-mode dropout: each element is 0 (dropped) or `1/(1-p)` (kept with
 * probability `1-p`), one `random64()` per element in flat order. The caller computes
 * `output = input * noise` rounded to the dtype and reuses `noise` in backward
 * (`gradInput = gradOutput * noise`).
 *
 * Mirrors `at::dropout(input, p, train=true)` on CPU (aten/src/ATen/native/Dropout.cpp `_dropout_impl`;
 * CPU has no fused kernel): `p == 0` returns the input untouched (no draws, `null` here); `p == 1`
 * multiplies by zero (no draws, all-zero noise); otherwise `noise = empty_like(input).bernoulli_(1 - p)`
 * then `noise.div_(1 - p)`. The scalar `1 - p` is cast to the tensor dtype before the division, so
 * float32 noise is `f32(1 / f32(1 - p))` (spec §3.4). The mask model is the non-MKL bernoulli_
 * kernel; see Note [dropout masks on MKL builds] (src/generator.ts).
 *
 * Shapes: `length` is the element count of the input, e.g. L·N·(D·H_out) for an RNN layer output.
 * @throws RuntimeError when p is outside [0, 1] (torch's message).
 */
export function dropoutNoise(dtype: 'float32' | 'float64', length: number, p: number, generator: Generator): Float32Array | Float64Array | null {
  // mirrors aten/src/ATen/native/Dropout.cpp _dropout_impl
  if (!(p >= 0 && p <= 1)) {
    throw new TorchError('RuntimeError', `dropout probability has to be between 0 and 1, but got ${cppDouble(p)}`);
  }
  if (p === 0 || length === 0) return null;
  const noise = dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
  if (p === 1) return noise;
  const keepProbability = 1 - p;
  generator.bernoulli_(noise, keepProbability);
  const scale = dtype === 'float32' ? Math.fround(1 / Math.fround(keepProbability)) : 1 / keepProbability;
  for (let i = 0; i < length; i++) if (noise[i] !== 0) noise[i] = scale;
  return noise;
}
