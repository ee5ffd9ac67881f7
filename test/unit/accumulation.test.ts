// The float32 fast path: its WebAssembly kernel equals its JS reference bit for bit, and an RNN with
// `accumulation: 'float32'` runs it (the same numbers with WebAssembly on or off).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { linearJsF32Accumulating } from '../../src/accumulation.js';
import { linearJs } from '../../src/kernels.js';
import { setWasmLinearDisabled, wasmLinearAvailable, withPreparedLinear } from '../../src/linear-wasm.js';
import { RNN, Tensor, manualSeed } from '../../src/index.js';

const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -1e30, max: 1e30, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1, 2 ** -30, 3 * 2 ** -25, 1e-40) },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, NaN) },
);

const problem = fc
  .record({
    rows: fc.integer({ min: 0, max: 11 }),
    units: fc.integer({ min: 1, max: 21 }),
    features: fc.integer({ min: 0, max: 40 }),
    xOffset: fc.integer({ min: 0, max: 3 }),
    outOffset: fc.integer({ min: 0, max: 3 }),
    hasBias: fc.boolean(),
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      x: fc.array(value, { minLength: s.xOffset + s.rows * s.features, maxLength: s.xOffset + s.rows * s.features }),
      w: fc.array(value, { minLength: s.units * s.features, maxLength: s.units * s.features }),
      b: fc.array(value, { minLength: s.units, maxLength: s.units }),
    }),
  );

/** Same value, or both NaN (a NaN's payload is not pinned down by either kernel). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) count++;
  return count;
}

afterEach(() => setWasmLinearDisabled(false));

describe('float32-accumulating linear (Note [float32 fast path])', () => {
  it('runs in WebAssembly here (so the properties below test the SIMD kernel, not the fallback)', () => {
    expect(wasmLinearAvailable()).toBe(true);
  });

  it('equals its JS reference bit for bit over random shapes, offsets and values', () => {
    fc.assert(
      fc.property(problem, ({ s, x, w, b }) => {
        const X = Float32Array.from(x);
        const W = Float32Array.from(w);
        const B = s.hasBias ? Float32Array.from(b) : null;
        const expected = new Float32Array(s.outOffset + s.rows * s.units).fill(7);
        const actual = new Float32Array(s.outOffset + s.rows * s.units).fill(7);
        linearJsF32Accumulating(expected, s.outOffset, X, s.xOffset, s.rows, W, B, s.units, s.features);
        const ran = withPreparedLinear(W, B, s.units, s.features, (map) => map.apply(actual, s.outOffset, X, s.xOffset, s.rows), 'float32');
        expect(ran).not.toBeNull();
        expect(differing(actual, expected)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('equals its JS reference on RNN-sized products, and is a different rounding model from the default', () => {
    let seed = 4242;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (const [rows, units, features] of [
      [32, 256, 256],
      [37, 129, 300],
      [400, 64, 32],
      // Wᵀ past one panel (Note [linear panels]): 248 units, then 52
      [9, 300, 257],
    ] as const) {
      const random = (length: number): Float32Array => new Float32Array(length).map(next);
      const X = random(rows * features);
      const W = random(units * features);
      const B = random(units);
      const reference = new Float32Array(rows * units);
      const wasm = new Float32Array(rows * units);
      const float64Accumulated = new Float32Array(rows * units);
      linearJsF32Accumulating(reference, 0, X, 0, rows, W, B, units, features);
      withPreparedLinear(W, B, units, features, (map) => map.apply(wasm, 0, X, 0, rows), 'float32');
      linearJs(float64Accumulated, 0, X, 0, rows, W, B, units, features);
      expect(differing(wasm, reference)).toBe(0);
      expect(differing(wasm, float64Accumulated)).toBeGreaterThan(0);
    }
  });
});

describe("RNN({ accumulation: 'float32' })", () => {
  const input = Tensor.fromFlat(
    Array.from({ length: 20 * 8 * 32 }, (_, i) => Math.sin(i * 0.37)),
    [20, 8, 32],
    'float32',
  );
  const run = (accumulation: 'float32' | 'float64', dtype: 'float32' | 'float64' = 'float32'): Float32Array | Float64Array => {
    manualSeed(7);
    const rnn = new RNN({ inputSize: 32, hiddenSize: 64, numLayers: 2, bidirectional: true, dtype, accumulation }).eval();
    return rnn.forward(input.to(dtype))[0].data;
  };

  it('gives the same numbers with WebAssembly on and off (JS fallback), and not the default rounding', () => {
    const wasm = run('float32');
    setWasmLinearDisabled(true);
    const js = run('float32');
    expect(differing(wasm, js)).toBe(0);
    expect(differing(wasm, run('float64'))).toBeGreaterThan(0);
  });

  it('leaves float64 modules on float64 accumulation', () => {
    expect(differing(run('float32', 'float64'), run('float64', 'float64'))).toBe(0);
  });
});
