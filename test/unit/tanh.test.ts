// The project's tanh: correctly rounded (as checked here against exact values) and engine-independent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TANH_FAST_PATH, fastTanhLow, tanhF32, tanhF64, tanhFastParts } from '../../src/tanh.js';
import { exactTanh, relativeError } from './exact-tanh.js';
import { uniforms } from '../helpers.js';

describe('tanhF64 / tanhF32', () => {
  it('keeps NaN, signed zeros, odd symmetry and saturation', () => {
    expect(Number.isNaN(tanhF64(NaN))).toBe(true);
    expect(Object.is(tanhF64(-0), -0)).toBe(true);
    expect(Object.is(tanhF64(0), 0)).toBe(true);
    expect(tanhF64(Infinity)).toBe(1);
    expect(tanhF64(-Infinity)).toBe(-1);
    expect(tanhF64(1e-300)).toBe(1e-300);
    fc.assert(fc.property(fc.double({ noNaN: true }), (x) => Object.is(tanhF64(-x), -tanhF64(x))));
  });

  it('gives correctly rounded values at points checked with 60-digit arithmetic (Python decimal)', () => {
    // [x, tanh(x) rounded to nearest] — the exact values were computed as (e^{2x} − 1)/(e^{2x} + 1)
    const cases: [number, number][] = [
      [0.0168704986572265625, 0.016868898314263317], // torch (MKL) gives the neighbour …314 here
      [0.5, 0.46211715726000974],
      [1, 0.7615941559557649],
      [2.5, 0.9866142981514303],
      [5, 0.9999092042625951],
      [18.8, 1 - 2 ** -53],
    ];
    for (const [x, y] of cases) expect(tanhF64(x)).toBe(y);
  });

  it('stays within one ulp of Math.tanh (which is within about 2) and |tanh| ≤ 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        const ours = tanhF64(x);
        expect(Math.abs(ours)).toBeLessThanOrEqual(1);
        expect(Math.abs(ours - Math.tanh(x))).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(Math.abs(ours), 2 ** -1022));
      }),
      { numRuns: 2000 },
    );
  });

  it('float32 is the float64 value rounded once (the Math.tanh fast path never decides otherwise)', () => {
    fc.assert(
      fc.property(fc.float(), (x) => Object.is(tanhF32(x), Math.fround(tanhF64(x))) || (Number.isNaN(x) && Number.isNaN(tanhF32(x)))),
      { numRuns: 20_000 },
    );
    // a dense sweep over where RNN pre-activations live, including the float32 saturation point 9.0108
    let differing = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = Math.fround(-10 + i * 1e-4 + 3.3e-9 * i);
      if (!Object.is(tanhF32(x), Math.fround(tanhF64(x)))) differing++;
    }
    expect(differing).toBe(0);
  });

  it('fast path: within half its decision margin of exact tanh, so what it decides is correctly rounded', () => {
    // uniform over the range, log-uniform through every magnitude, and next to the reduction's
    // boundaries u = −2y = (k ± ½)·ln2/256, where |w| is smallest next to |s| (the worst case)
    const next = uniforms(20261204);
    const inputs: number[] = [2 ** -27, 22, Math.LN2 / 1024];
    for (let i = 0; i < 6000; i++) {
      inputs.push(2 ** -27 + next() * 22);
      inputs.push(2 ** (next() * 31 - 27));
      const k = Math.floor(2 ** (next() * 14)) - 0.5;
      inputs.push(Math.min(22, (k * Math.LN2) / 512) * (1 + (next() - 0.5) * 2 ** -20));
    }
    let worst = 0;
    for (const y of inputs) {
      const hi = tanhFastParts(y);
      worst = Math.max(worst, Math.abs(relativeError(hi, fastTanhLow, exactTanh(y))));
    }
    // measured 2⁻⁶⁰·⁷ here; the decision needs it below 2⁻⁵⁹ (Note [float64 tanh fast path])
    expect(worst).toBeLessThan(TANH_FAST_PATH.MARGIN / 2);
  });
});
