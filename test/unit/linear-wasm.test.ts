// The WebAssembly SIMD kernels against the JS reference: 0 differing values, any shape, both dtypes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearJs, withLinear } from '../../src/kernels.js';
import { wasmLinearAvailable, withPreparedLinear } from '../../src/linear-wasm.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Values that stress rounding: wide exponents, exact zeros of both signs, ties, now and then a non-finite. */
const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -1e30, max: 1e30, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1, 2 ** -30, 3 * 2 ** -25, 1e-310) },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, NaN) },
);

const shape = fc.record({
  rows: fc.integer({ min: 0, max: 11 }),
  units: fc.integer({ min: 1, max: 13 }),
  features: fc.integer({ min: 0, max: 40 }),
  xOffset: fc.integer({ min: 0, max: 3 }),
  outOffset: fc.integer({ min: 0, max: 3 }),
  hasBias: fc.boolean(),
  dtype: fc.constantFrom<Ctor>(Float32Array, Float64Array),
});

const problem = shape.chain((s) =>
  fc.record({
    s: fc.constant(s),
    x: fc.array(value, { minLength: s.xOffset + s.rows * s.features, maxLength: s.xOffset + s.rows * s.features }),
    w: fc.array(value, { minLength: s.units * s.features, maxLength: s.units * s.features }),
    b: fc.array(value, { minLength: s.units, maxLength: s.units }),
  }),
);

/** Same value, or both NaN (a NaN's payload is not a value torch or the JS kernel pins down). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) count++;
  return count;
}

describe('WebAssembly SIMD linear', () => {
  it('is available in this Node (so the properties below test it, not the fallback)', () => {
    expect(wasmLinearAvailable()).toBe(true);
  });

  it('equals the JS kernel bit for bit over random shapes, offsets and values, float32 and float64', () => {
    fc.assert(
      fc.property(problem, ({ s, x, w, b }) => {
        const X = s.dtype.from(x);
        const W = s.dtype.from(w);
        const B = s.hasBias ? s.dtype.from(b) : null;
        const expected = new s.dtype(s.outOffset + s.rows * s.units).fill(7);
        const actual = new s.dtype(s.outOffset + s.rows * s.units).fill(7);
        linearJs(expected, s.outOffset, X, s.xOffset, s.rows, W, B, s.units, s.features);
        const ran = withPreparedLinear(W, B, s.units, s.features, (map) => map.apply(actual, s.outOffset, X, s.xOffset, s.rows));
        expect(ran).not.toBeNull();
        expect(differing(actual, expected)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('handles mixed array types (float64 x, float32 out) as one loop over them would', () => {
    const x = Float64Array.from({ length: 5 * 7 }, (_, i) => Math.sin(i) / 3);
    const w = Float64Array.from({ length: 6 * 7 }, (_, i) => Math.cos(i) / 7);
    const b = Float64Array.from({ length: 6 }, (_, i) => i / 10);
    const expected = new Float32Array(30);
    for (let r = 0; r < 5; r++) {
      for (let i = 0; i < 6; i++) {
        let s = 0;
        for (let k = 0; k < 7; k++) s += x[r * 7 + k]! * w[i * 7 + k]!;
        expected[r * 6 + i] = s + b[i]!;
      }
    }
    const js = new Float32Array(30);
    linearJs(js, 0, x, 0, 5, w, b, 6, 7);
    const wasm = new Float32Array(30);
    withPreparedLinear(w, b, 6, 7, (map) => map.apply(wasm, 0, x, 0, 5));
    expect(differing(js, expected)).toBe(0);
    expect(differing(wasm, expected)).toBe(0);
  });

  it('equals the JS kernel on RNN-sized products (large K, many rows), across memory growth and nesting', () => {
    let seed = 12345;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (const dtype of [Float32Array, Float64Array] as Ctor[]) {
      for (const [rows, units, features] of [
        [32, 256, 256],
        [37, 129, 300],
        [3200, 64, 32],
        [8, 64, 64],
      ] as const) {
        const random = (length: number): Float32Array | Float64Array => new dtype(length).map(next);
        const X = random(rows * features);
        const W = random(units * features);
        const B = random(units);
        const expected = new dtype(rows * units);
        const actual = new dtype(rows * units);
        linearJs(expected, 0, X, 0, rows, W, B, units, features);
        // an outer prepared map stays valid while an inner one is pushed and popped
        withLinear(B, null, 1, units, (outer) => {
          withLinear(W, B, units, features, (map) => map.apply(actual, 0, X, 0, rows));
          const check = new dtype(1);
          const checkJs = new dtype(1);
          outer.apply(check, 0, actual, 0, 1);
          linearJs(checkJs, 0, actual, 0, 1, B, null, 1, units);
          expect(differing(check, checkJs)).toBe(0);
        });
        expect(differing(actual, expected)).toBe(0);
      }
    }
  });
});
