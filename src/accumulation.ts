// How a float32 module's affine maps accumulate: float64 (the default rounding model) or the opt-in
// float32 fast path, whose JS reference kernel lives here.
import type { FloatArray } from './tensor.js';

// Note [float32 fast path]
// With `accumulation: 'float32'` a float32 RNN sums each dot product of x·W_ihᵀ + b_ih and
// h·W_hhᵀ + b_hh in float32, as MKL's sgemm and onnxruntime do: s₀ = +0, s ← round₃₂(s +
// round₃₂(x_k·w_k)) for k = 0…K−1 in order, then s ← round₃₂(s + b). No FMA, so the order and every
// rounding point are fixed: the WebAssembly kernel (f32x4 lanes, four output units per vector,
// wasm/linear-wat.ts) and this JS loop agree bit for bit in every engine. In JS, Math.fround of a
// float64 product of two float32 values is the correctly rounded float32 product (24 + 24 bits fit
// in 53), and of a float64 sum of two float32 values too (53 ≥ 2·24 + 2: rounding twice is
// innocuous). It is a different rounding model from Note [float32 accumulation], so it cannot equal
// the default bit for bit: each sum carries up to ~K·2⁻²⁴ relative error, like torch's own float32
// GEMM. The parity harness draws it as a case option and judges it against real torch with the same
// tolerances as any float32 case (harness/parity/compare.ts). float64 modules always accumulate in
// float64; the option concerns float32 modules only.

/** The type dot products of a float32 module's affine maps are summed in. See Note [float32 fast path]. */
export type Accumulation = 'float64' | 'float32';

/** Options of {@link RNN} beyond torch's that choose kernels, not results torch defines. */
export interface RNNKernelOptions {
  /**
   * 'float64' (default): every dot product summed in float64 and rounded once, bit for bit the
   * project's rounding model (Note [float32 accumulation]). 'float32': summed in float32 with SIMD
   * kernels, faster, within torch's float32 tolerance but not bit-identical to the default
   * (Note [float32 fast path]). Ignored by float64 modules.
   */
  accumulation?: Accumulation;
}

/**
 * The JS reference of the float32-accumulating affine map: out[r, :] = x[r, :] · Wᵀ + b for `rows`
 * rows, every product and sum rounded to float32 (Note [float32 fast path]). The WebAssembly kernel
 * is held to it bit for bit (test/unit/accumulation.test.ts); it is also the fallback where
 * WebAssembly SIMD is missing. x is (rows, K) at `xOffset`, W is (M, K), b is (M,) or null, out is
 * (rows, M) at `outOffset`.
 */
export function linearJsF32Accumulating(
  out: FloatArray,
  outOffset: number,
  x: Readonly<FloatArray>,
  xOffset: number,
  rows: number,
  weight: Readonly<FloatArray>,
  bias: Readonly<FloatArray> | null,
  units: number,
  features: number,
): void {
  const round = Math.fround;
  for (let r = 0; r < rows; r++) {
    const x0 = xOffset + r * features;
    const o0 = outOffset + r * units;
    for (let i = 0; i < units; i++) {
      const w0 = i * features;
      let s = 0;
      // operands are float32 already in a float32 module; round₃₂ makes any other array type behave so
      for (let k = 0; k < features; k++) s = round(s + round(round(x[x0 + k]!) * round(weight[w0 + k]!)));
      out[o0 + i] = bias !== null ? round(s + round(bias[i]!)) : s;
    }
  }
}
