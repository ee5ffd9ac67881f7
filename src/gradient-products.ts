// The weight gradient of an affine map, ∂W = ∂Yᵀ·X, summed over rows and accumulated over the steps
// of a recurrence: a WebAssembly SIMD kernel (outer_T in wasm/linear-wat.ts) and its JS reference.
import { linearJs } from './kernels.js';
import { wasmKernels, wasmViews, withWasmBlock } from './linear-wasm.js';
import { type DType, type FloatArray, allocate } from './tensor.js';

/**
 * The JS reference: out[i, k] = Σ_{r=0…rows−1} g[r, i]·p[r, k] for out (M, K), g (rows, M) at
 * `gOffset` and p (rows, K) at `pOffset`, each sum in r order in float64 and rounded once to out's
 * dtype (Note [float32 accumulation]); with `accumulate`, that rounded value is added to out[i, k]
 * instead (one rounded add). The WebAssembly kernel is held to it bit for bit
 * (test/unit/gradient-products.test.ts).
 */
export function weightGradientJs(
  out: FloatArray,
  g: Readonly<FloatArray>,
  gOffset: number,
  p: Readonly<FloatArray>,
  pOffset: number,
  rows: number,
  M: number,
  K: number,
  accumulate: boolean,
): void {
  const round = out instanceof Float32Array ? Math.fround : (value: number): number => value;
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += g[gOffset + r * M + i]! * p[pOffset + r * K + k]!;
      out[i * K + k] = accumulate ? out[i * K + k]! + round(sum) : sum;
    }
  }
}

/** A weight gradient being summed: the first `add` stores ∂Yᵀ·X, each later one adds its own (rounded). */
export interface WeightGradient {
  /** Adds gᵀ·p for g (rows, M) at `gOffset` and p (rows, K) at `pOffset`, both contiguous. */
  add(g: Readonly<FloatArray>, gOffset: number, p: Readonly<FloatArray>, pOffset: number, rows: number): void;
}

/**
 * Runs `body` with an (M, K) weight gradient of `dtype` that stays in WebAssembly memory between
 * adds (each add of a recurrence step then copies only its rows in), and returns it. At most `maxRows`
 * rows per add. Where WebAssembly SIMD is missing, the JS reference sums it, with the same values.
 */
export function withWeightGradient(dtype: DType, M: number, K: number, maxRows: number, body: (gradient: WeightGradient) => void): FloatArray {
  const result = allocate(dtype, M * K);
  let adds = 0;
  const exports = wasmKernels();
  if (exports === null) {
    // The fallback transposes both operands so the blocked JS affine-map kernel reads them
    // contiguously (the reference loop above strides through memory): the same sums, in the same order.
    const step = allocate(dtype, M * K);
    body({
      add(g, gOffset, p, pOffset, rows) {
        const gT = transposed(g, gOffset, rows, M, dtype);
        const pT = transposed(p, pOffset, rows, K, dtype);
        const into = adds++ > 0 ? step : result;
        linearJs(into, 0, gT, 0, M, pT, null, K, rows);
        if (into === step) for (let j = 0; j < result.length; j++) result[j] = result[j]! + step[j]!;
      },
    });
    return result;
  }
  const size = dtype === 'float32' ? 4 : 8;
  // the kernel reads g and p up to 3 elements past their last row (results there are dropped)
  const outBytes = (M * K * size + 15) & ~15;
  const gBytes = ((maxRows * M + 4) * size + 15) & ~15;
  const pBytes = (maxRows * K + 4) * size;
  withWasmBlock(exports, outBytes + gBytes + pBytes, (outPtr) => {
    const gPtr = outPtr + outBytes;
    const pPtr = gPtr + gBytes;
    const kernel = dtype === 'float32' ? exports.outer_f32 : exports.outer_f64;
    body({
      add(g, gOffset, p, pOffset, rows) {
        if (rows > maxRows) throw new Error(`BUG: ${rows} rows added to a weight gradient of at most ${maxRows}`);
        const { f32, f64 } = wasmViews(exports);
        const view = dtype === 'float32' ? f32 : f64;
        const shift = dtype === 'float32' ? 2 : 3;
        view.set(g.subarray(gOffset, gOffset + rows * M), gPtr >> shift);
        view.set(p.subarray(pOffset, pOffset + rows * K), pPtr >> shift);
        kernel(outPtr, gPtr, pPtr, rows, M, K, M, K, adds++ > 0 ? 1 : 0);
      },
    });
    const view = dtype === 'float32' ? wasmViews(exports).f32 : wasmViews(exports).f64;
    const shift = dtype === 'float32' ? 2 : 3;
    result.set(view.subarray(outPtr >> shift, (outPtr >> shift) + M * K));
  });
  return result;
}

/** The (rows, columns) block at `offset`, transposed to (columns, rows). */
function transposed(source: Readonly<FloatArray>, offset: number, rows: number, columns: number, dtype: DType): FloatArray {
  const out = allocate(dtype, rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = source[offset + r * columns + c]!;
  return out;
}
