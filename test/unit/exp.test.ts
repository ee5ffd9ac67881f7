// The project's exp for the sigmoid gates: correctly rounded at points checked with exact arithmetic,
// within an ulp of the engine's Math.exp elsewhere, and its float32 fast path equal to round₃₂(expF64).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expF32, expF64 } from '../../src/exp.js';

describe('expF64 / expF32', () => {
  it('gives correctly rounded values at points checked with 60-digit arithmetic (Python decimal)', () => {
    // [x, eˣ rounded to nearest], from float(Decimal(x).exp()) at 60 digits
    const cases: [number, number][] = [
      [0.5, 1.6487212707001282],
      [1, Math.E], // the decimal result is Math.E's value, 2.718281828459045
      [-3.25, 0.03877420783172201],
      [20.125, 549764190.6604683],
      [-41.5, 9.479359653504757e-19],
      [700.5, 1.6721859620674984e304],
      [1e-10, 1.0000000001],
    ];
    for (const [x, y] of cases) expect(expF64(x)).toBe(y);
  });

  it('keeps NaN, overflows to +∞ past ln(2¹⁰²⁴), and returns 0 where only 1 + eˣ is ever formed (eˣ < 2⁻⁶⁰)', () => {
    expect(Number.isNaN(expF64(NaN))).toBe(true);
    expect(expF64(0)).toBe(1);
    expect(expF64(710)).toBe(Infinity);
    expect(expF64(Infinity)).toBe(Infinity);
    expect(expF64(-42)).toBe(0);
    expect(expF64(-Infinity)).toBe(0);
    expect(Math.fround(1 + expF32(-42))).toBe(1);
  });

  it('stays within one ulp of Math.exp on the range it evaluates', () => {
    fc.assert(
      fc.property(fc.double({ min: -41.5, max: 709, noNaN: true }), (x) => {
        const ours = expF64(x);
        expect(Math.abs(ours - Math.exp(x))).toBeLessThanOrEqual(2 * Number.EPSILON * ours);
      }),
      { numRuns: 5000 },
    );
  });

  it('expF32 equals round₃₂(expF64) whether or not the Math.exp fast path decides (Note [float32 exp fast path])', () => {
    fc.assert(
      fc.property(fc.double({ min: -110, max: 100, noNaN: true }), (x) => {
        expect(Object.is(expF32(x), Math.fround(expF64(x)))).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });
});
