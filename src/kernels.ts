// Pure loops on typed arrays for the RNN: the affine map x·Wᵀ + b and the activations. `out` comes first.
import { type Accumulation, linearJsF32Accumulating } from './accumulation.js';
import { type PreparedLinear, withPreparedLinear } from './linear-wasm.js';
import type { FloatArray } from './tensor.js';
import { tanhF32, tanhF64 } from './tanh.js';
import { tanhInPlaceWasm } from './tanh-wasm.js';

// Note [float32 accumulation]
// torch materialises x·Wᵀ + b as a float32 tensor, but how it sums inside the GEMM depends on the
// BLAS (MKL and OpenBLAS use FMA and blocked orders; netlib sums left to right). We accumulate every
// dot product in float64 and round once when storing into a Float32Array: each stored value is then
// the correctly rounded float32 of a sum with ~2^-50 relative error, at least as close to the exact
// answer as any float32 BLAS, so we sit inside torch's own rounding noise (spec §6.2). Every value
// torch stores as float32 (the projections, their sum, the activation) is stored in a Float32Array
// here too, so the rounding points are torch's.

/**
 * out[r, :] = x[r, :] · Wᵀ + b for `rows` rows, in blocks of 2 rows × 4 units that share loads (each
 * weight load serves two rows, each input load four units: 8 multiply-adds per 6 loads). Every dot
 * product still sums k = 0…K−1 in order, in float64. See Note [float32 accumulation].
 * x is (rows, K) at `xOffset`, W is (M, K), b is (M,) or null, out is (rows, M) at `outOffset`.
 */
function linearJsF64(
  out: Float64Array,
  outOffset: number,
  x: Readonly<Float64Array>,
  xOffset: number,
  rows: number,
  weight: Readonly<Float64Array>,
  bias: Readonly<Float64Array> | null,
  units: number,
  features: number,
): void {
  const K = features;
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const x0 = xOffset + r * K;
    const x1 = x0 + K;
    const o0 = outOffset + r * units;
    const o1 = o0 + units;
    let i = 0;
    for (; i + 3 < units; i += 4) {
      const w0 = i * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let k = 0; k < K; k++) {
        const a0 = x[x0 + k];
        const a1 = x[x1 + k];
        const b0 = weight[w0 + k];
        const b1 = weight[w1 + k];
        const b2 = weight[w2 + k];
        const b3 = weight[w3 + k];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s02 += a0 * b2;
        s03 += a0 * b3;
        s10 += a1 * b0;
        s11 += a1 * b1;
        s12 += a1 * b2;
        s13 += a1 * b3;
      }
      if (bias !== null) {
        const c0 = bias[i],
          c1 = bias[i + 1],
          c2 = bias[i + 2],
          c3 = bias[i + 3];
        s00 += c0;
        s01 += c1;
        s02 += c2;
        s03 += c3;
        s10 += c0;
        s11 += c1;
        s12 += c2;
        s13 += c3;
      }
      out[o0 + i] = s00;
      out[o0 + i + 1] = s01;
      out[o0 + i + 2] = s02;
      out[o0 + i + 3] = s03;
      out[o1 + i] = s10;
      out[o1 + i + 1] = s11;
      out[o1 + i + 2] = s12;
      out[o1 + i + 3] = s13;
    }
    for (; i < units; i++) {
      const w0 = i * K;
      let s0 = 0,
        s1 = 0;
      for (let k = 0; k < K; k++) {
        const b0 = weight[w0 + k];
        s0 += x[x0 + k] * b0;
        s1 += x[x1 + k] * b0;
      }
      if (bias !== null) {
        s0 += bias[i];
        s1 += bias[i];
      }
      out[o0 + i] = s0;
      out[o1 + i] = s1;
    }
  }
  for (; r < rows; r++) {
    const x0 = xOffset + r * K;
    const o0 = outOffset + r * units;
    for (let i = 0; i < units; i++) {
      const w0 = i * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += x[x0 + k] * weight[w0 + k];
      out[o0 + i] = bias !== null ? s + bias[i] : s;
    }
  }
}

/**
 * linearJsF64 for float32 arrays: the same loop, a separate function so that each stays monomorphic
 * (one kernel seeing both array types ran float32 12–16% slower, issue 14).
 * out[r, :] = x[r, :] · Wᵀ + b for `rows` rows, in blocks of 2 rows × 4 units that share loads (each
 * weight load serves two rows, each input load four units: 8 multiply-adds per 6 loads). Every dot
 * product still sums k = 0…K−1 in order, in float64. See Note [float32 accumulation].
 * x is (rows, K) at `xOffset`, W is (M, K), b is (M,) or null, out is (rows, M) at `outOffset`.
 */
function linearJsF32(
  out: Float32Array,
  outOffset: number,
  x: Readonly<Float32Array>,
  xOffset: number,
  rows: number,
  weight: Readonly<Float32Array>,
  bias: Readonly<Float32Array> | null,
  units: number,
  features: number,
): void {
  const K = features;
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const x0 = xOffset + r * K;
    const x1 = x0 + K;
    const o0 = outOffset + r * units;
    const o1 = o0 + units;
    let i = 0;
    for (; i + 3 < units; i += 4) {
      const w0 = i * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let k = 0; k < K; k++) {
        const a0 = x[x0 + k];
        const a1 = x[x1 + k];
        const b0 = weight[w0 + k];
        const b1 = weight[w1 + k];
        const b2 = weight[w2 + k];
        const b3 = weight[w3 + k];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s02 += a0 * b2;
        s03 += a0 * b3;
        s10 += a1 * b0;
        s11 += a1 * b1;
        s12 += a1 * b2;
        s13 += a1 * b3;
      }
      if (bias !== null) {
        const c0 = bias[i],
          c1 = bias[i + 1],
          c2 = bias[i + 2],
          c3 = bias[i + 3];
        s00 += c0;
        s01 += c1;
        s02 += c2;
        s03 += c3;
        s10 += c0;
        s11 += c1;
        s12 += c2;
        s13 += c3;
      }
      out[o0 + i] = s00;
      out[o0 + i + 1] = s01;
      out[o0 + i + 2] = s02;
      out[o0 + i + 3] = s03;
      out[o1 + i] = s10;
      out[o1 + i + 1] = s11;
      out[o1 + i + 2] = s12;
      out[o1 + i + 3] = s13;
    }
    for (; i < units; i++) {
      const w0 = i * K;
      let s0 = 0,
        s1 = 0;
      for (let k = 0; k < K; k++) {
        const b0 = weight[w0 + k];
        s0 += x[x0 + k] * b0;
        s1 += x[x1 + k] * b0;
      }
      if (bias !== null) {
        s0 += bias[i];
        s1 += bias[i];
      }
      out[o0 + i] = s0;
      out[o1 + i] = s1;
    }
  }
  for (; r < rows; r++) {
    const x0 = xOffset + r * K;
    const o0 = outOffset + r * units;
    for (let i = 0; i < units; i++) {
      const w0 = i * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += x[x0 + k] * weight[w0 + k];
      out[o0 + i] = bias !== null ? s + bias[i] : s;
    }
  }
}

/**
 * The JS reference kernel: out[r, :] = x[r, :] · Wᵀ + b, with the loop of the arrays' dtype. The
 * WebAssembly kernels (src/linear-wasm.ts) are held to it bit for bit (test/unit/linear-wasm.test.ts).
 */
export function linearJs(
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
  if (out instanceof Float32Array && x instanceof Float32Array && weight instanceof Float32Array && (bias === null || bias instanceof Float32Array)) {
    linearJsF32(out, outOffset, x, xOffset, rows, weight, bias, units, features);
  } else if (
    out instanceof Float64Array &&
    x instanceof Float64Array &&
    weight instanceof Float64Array &&
    (bias === null || bias instanceof Float64Array)
  ) {
    linearJsF64(out, outOffset, x, xOffset, rows, weight, bias, units, features);
  } else {
    // Mixed array types (only a planted bug's float32 buffer in a float64 model does this): every
    // operand converted to float64 exactly, the float64 loop, then one store per value, rounding
    // where `out` is float32 — what one loop over the mixed arrays computes.
    const x64 = Float64Array.from(x.subarray(xOffset, xOffset + rows * features));
    const sums = new Float64Array(rows * units);
    linearJsF64(sums, 0, x64, 0, rows, Float64Array.from(weight), bias === null ? null : Float64Array.from(bias), units, features);
    out.set(sums, outOffset);
  }
}

/**
 * Below this many multiply-adds a call stays in JS: copying W into WebAssembly memory (Wᵀ, float64)
 * costs about as much as the product itself. Either way the result is the same, bit for bit.
 */
const WASM_MIN_MULTIPLY_ADDS = 2048;

/**
 * out[r, :] = x[r, :] · Wᵀ + b for `rows` rows: the WebAssembly SIMD kernel where available and the
 * product is large enough, else the JS kernel; both give identical values (Note [float32 accumulation],
 * or Note [float32 fast path] with `accumulation` 'float32', which only float32 modules pass).
 * x is (rows, K) at `xOffset`, W is (M, K), b is (M,) or null, out is (rows, M) at `outOffset`.
 */
export function linear(
  out: FloatArray,
  outOffset: number,
  x: Readonly<FloatArray>,
  xOffset: number,
  rows: number,
  weight: Readonly<FloatArray>,
  bias: Readonly<FloatArray> | null,
  units: number,
  features: number,
  accumulation: Accumulation = 'float64',
): void {
  if (rows >= 4 && rows * units * features >= WASM_MIN_MULTIPLY_ADDS) {
    const done = withPreparedLinear(weight, bias, units, features, (map) => map.apply(out, outOffset, x, xOffset, rows), accumulation);
    if (done !== null) return;
  }
  jsKernel(accumulation)(out, outOffset, x, xOffset, rows, weight, bias, units, features);
}

function jsKernel(accumulation: Accumulation): typeof linearJs {
  return accumulation === 'float32' ? linearJsF32Accumulating : linearJs;
}

/**
 * Runs `body` with the affine map x ↦ x·Wᵀ + b prepared once for many calls (the recurrence applies
 * W_hh at every step): in WebAssembly memory where the SIMD kernels run, else the JS kernel.
 */
export function withLinear<T>(
  weight: Readonly<FloatArray>,
  bias: Readonly<FloatArray> | null,
  units: number,
  features: number,
  body: (map: PreparedLinear) => T,
  accumulation: Accumulation = 'float64',
): T {
  const done = withPreparedLinear(weight, bias, units, features, body, accumulation);
  if (done !== null) return done.value;
  const kernel = jsKernel(accumulation);
  return body({
    apply: (out, outOffset, x, xOffset, rows) => kernel(out, outOffset, x, xOffset, rows, weight, bias, units, features),
  });
}

/**
 * values[j] += addend[addendOffset + j] for j < length, each sum rounded to the array's dtype. One
 * loop per array type: a loop that sees both (a harness running float32 and float64 cases in one
 * process) makes its element accesses polymorphic and ran several times slower.
 */
export function addInPlace(values: FloatArray, addend: Readonly<FloatArray>, addendOffset: number, length: number): void {
  if (values instanceof Float32Array && addend instanceof Float32Array) addInPlaceF32(values, addend, addendOffset, length);
  else if (values instanceof Float64Array && addend instanceof Float64Array) addInPlaceF64(values, addend, addendOffset, length);
  else for (let j = 0; j < length; j++) values[j] = values[j]! + addend[addendOffset + j]!;
}

function addInPlaceF32(values: Float32Array, addend: Readonly<Float32Array>, addendOffset: number, length: number): void {
  for (let j = 0; j < length; j++) values[j] = values[j]! + addend[addendOffset + j]!;
}

function addInPlaceF64(values: Float64Array, addend: Readonly<Float64Array>, addendOffset: number, length: number): void {
  for (let j = 0; j < length; j++) values[j] = values[j]! + addend[addendOffset + j]!;
}

/** Applies an activation in place to `length` elements from `offset`. */
export type ActivationKernel = (values: FloatArray, offset: number, length: number) => void;

// Note [tanh clamp] (superseded)
// Earlier this kernel used Math.tanh clamped to ±1 beyond SLEEF's thresholds (float32 8.664339742,
// float64 18.714973875). Measured on the pinned torch (MKL build, AVX2), torch.tanh — also inside
// nn.RNN — saturates only where a correctly rounded tanh does (9.0108 / 19.0615): it is MKL VML's
// tanh, not SLEEF's. See Note [deterministic tanh] (src/tanh.ts) for what we compute now.

/**
 * y = tanh(x) by the project's own arithmetic, identical in every JS engine. See Note [deterministic tanh].
 * In WebAssembly where it runs (src/tanh-wasm.ts: the same bits, two values per vector, float32
 * decided as in Note [float32 tanh in WebAssembly]), else the JS loops below.
 */
export function tanhInPlace(values: FloatArray, offset: number, length: number): void {
  if (tanhInPlaceWasm(values, offset, length)) return;
  if (values instanceof Float32Array) tanhInPlaceF32(values, offset, length);
  else tanhInPlaceF64(values, offset, length);
}

// One loop per array type, so each stays monomorphic.
function tanhInPlaceF32(values: Float32Array, offset: number, length: number): void {
  for (let j = offset, end = offset + length; j < end; j++) values[j] = tanhF32(values[j]!);
}

function tanhInPlaceF64(values: Float64Array, offset: number, length: number): void {
  for (let j = offset, end = offset + length; j < end; j++) values[j] = tanhF64(values[j]!);
}

/** y = relu(x) = x < 0 ? 0 : x, which keeps −0 and NaN as torch's relu does (Math.max would not). */
export function reluInPlace(values: FloatArray, offset: number, length: number): void {
  for (let j = offset, end = offset + length; j < end; j++) {
    if (values[j] < 0) values[j] = 0;
  }
}
