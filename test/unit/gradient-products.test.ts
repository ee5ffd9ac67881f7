// The weight-gradient kernel (∂W = ∂Yᵀ·X accumulated over steps): WebAssembly equals the JS reference
// bit for bit over random shapes, both dtypes, and the JS reference is the old transpose-then-linear sum.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type WeightGradient, weightGradientJs, withWeightGradient } from '../../src/gradient-products.js';
import { linearJs } from '../../src/kernels.js';
import { setWasmLinearDisabled, wasmLinearAvailable } from '../../src/linear-wasm.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -1e30, max: 1e30, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1, 2 ** -30, 3 * 2 ** -25, 1e-310) },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, NaN) },
);

/** Several adds (steps) of up to `maxRows` rows into one (M, K) gradient. */
const problem = fc
  .record({
    M: fc.integer({ min: 1, max: 13 }),
    K: fc.integer({ min: 1, max: 13 }),
    maxRows: fc.integer({ min: 1, max: 9 }),
    steps: fc.integer({ min: 1, max: 4 }),
    dtype: fc.constantFrom<Ctor>(Float32Array, Float64Array),
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      adds: fc.array(
        fc.integer({ min: 0, max: s.maxRows }).chain((rows) =>
          fc.record({
            rows: fc.constant(rows),
            gOffset: fc.integer({ min: 0, max: 3 }),
            g: fc.array(value, { minLength: rows * s.M + 3, maxLength: rows * s.M + 3 }),
            p: fc.array(value, { minLength: rows * s.K, maxLength: rows * s.K }),
          }),
        ),
        { minLength: s.steps, maxLength: s.steps },
      ),
    }),
  );

/** Same value, or both NaN (a NaN's payload is not pinned down by either kernel). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) count++;
  return count;
}

afterEach(() => setWasmLinearDisabled(false));

describe('weight gradient ∂W = ∂Yᵀ·X', () => {
  it('runs in WebAssembly here (so the property below tests the SIMD kernel)', () => {
    expect(wasmLinearAvailable()).toBe(true);
  });

  it('WebAssembly equals the JS reference bit for bit over random shapes, steps and values, float32 and float64', () => {
    fc.assert(
      fc.property(problem, ({ s, adds }) => {
        const dtype = s.dtype === Float32Array ? 'float32' : 'float64';
        const run = (): Float32Array | Float64Array =>
          withWeightGradient(dtype, s.M, s.K, s.maxRows, (gradient: WeightGradient) => {
            for (const a of adds) gradient.add(s.dtype.from(a.g), a.gOffset, s.dtype.from(a.p), 0, a.rows);
          });
        const wasm = run();
        const reference = new s.dtype(s.M * s.K);
        adds.forEach((a, step) => weightGradientJs(reference, s.dtype.from(a.g), a.gOffset, s.dtype.from(a.p), 0, a.rows, s.M, s.K, step > 0));
        setWasmLinearDisabled(true);
        const js = run();
        setWasmLinearDisabled(false);
        expect(differing(wasm, reference)).toBe(0);
        expect(differing(js, reference)).toBe(0);
      }),
      { numRuns: 400 },
    );
  });

  it('one add equals the affine-map kernel on the transposed operands (the sum backward computed before)', () => {
    let seed = 777;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (const dtype of [Float32Array, Float64Array] as Ctor[]) {
      for (const [rows, M, K] of [
        [32, 256, 256],
        [3200, 64, 32],
        [7, 67, 5],
      ] as const) {
        const g = new dtype(rows * M).map(next);
        const p = new dtype(rows * K).map(next);
        const gT = new dtype(rows * M);
        const pT = new dtype(rows * K);
        for (let r = 0; r < rows; r++) {
          for (let i = 0; i < M; i++) gT[i * rows + r] = g[r * M + i]!;
          for (let k = 0; k < K; k++) pT[k * rows + r] = p[r * K + k]!;
        }
        const expected = new dtype(M * K);
        linearJs(expected, 0, gT, 0, M, pT, null, K, rows);
        const actual = withWeightGradient(dtype === Float32Array ? 'float32' : 'float64', M, K, rows, (gradient) => gradient.add(g, 0, p, 0, rows));
        expect(differing(actual, expected)).toBe(0);
      }
    }
  });
});
