// fmaF32 / fmaF64: one rounding of a*b + c, checked against exact rational arithmetic.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { fmaF32, fmaF64 } from '../../src/fma.js';

/** Exact a*b + c as a fraction numerator / 2**scale, independent of the implementation under test. */
function exact(a: number, b: number, c: number): { numerator: bigint; scale: number } {
  const scale = 1074 * 3;
  const toScaled = (x: number, extra: number): bigint => {
    // x is a double, so x * 2**1074 is an integer; build it from the decimal-free binary expansion.
    let value = 0n;
    let remainder = Math.abs(x);
    for (let exponent = 1023; exponent >= -1074 && remainder > 0; exponent--) {
      const bit = 2 ** exponent;
      if (remainder >= bit) {
        remainder -= bit;
        value += 1n << BigInt(exponent + 1074);
      }
    }
    return (x < 0 ? -value : value) << BigInt(extra);
  };
  const product = (toScaled(a, 0) * toScaled(b, 0)) << 1074n;
  return { numerator: product + toScaled(c, 1074 * 2), scale };
}

/** Rounds numerator / 2**scale to `precision` significant bits, ties to even (no overflow, no subnormals). */
function roundExact({ numerator, scale }: { numerator: bigint; scale: number }, precision: number): number {
  if (numerator === 0n) throw new Error('roundExact: exact zero has no rounding; use zeroSum');
  const negative = numerator < 0n;
  let magnitude = negative ? -numerator : numerator;
  let exponent = -scale;
  const excess = magnitude.toString(2).length - precision;
  if (excess > 0) {
    const shift = BigInt(excess);
    const kept = magnitude >> shift;
    const rest = magnitude - (kept << shift);
    const half = 1n << (shift - 1n);
    magnitude = rest > half || (rest === half && (kept & 1n) === 1n) ? kept + 1n : kept;
    exponent += excess;
  }
  const value = Number(magnitude) * 2 ** exponent;
  return negative ? -value : value;
}

/** IEEE's sign of an exact-zero sum under round-to-nearest: -0 only when both addends are -0. */
function zeroSum(a: number, b: number, c: number): number {
  return Object.is(a * b, -0) && Object.is(c, -0) ? -0 : 0;
}

/** The correctly rounded a*b + c where the oracle is valid (normal range); null when it is not. */
function oracle(a: number, b: number, c: number, precision: number, smallestNormal: number): number | null {
  const value = exact(a, b, c);
  if (value.numerator === 0n) return zeroSum(a, b, c);
  const rounded = roundExact(value, precision);
  return Math.abs(rounded) >= smallestNormal ? rounded : null;
}

describe('fmaF64', () => {
  it('keeps the low bits a separate multiply loses: fma(0.1, 10, -1) = 2**-54', () => {
    expect(0.1 * 10 - 1).toBe(0);
    expect(fmaF64(0.1, 10, -1)).toBe(2 ** -54);
  });

  it('computes (1 + 2**-52)(1 - 2**-52) - 1 = -2**-104 exactly', () => {
    expect(fmaF64(1 + 2 ** -52, 1 - 2 ** -52, -1)).toBe(-(2 ** -104));
  });

  it('follows IEEE signed-zero and infinity rules', () => {
    expect(Object.is(fmaF64(-1, 0, -0), -0)).toBe(true);
    expect(Object.is(fmaF64(1, 1, -1), 0)).toBe(true);
    expect(fmaF64(1e308, 10, -Infinity)).toBe(-Infinity);
    // 1e308 * 10 - 1e308 = 9e308 exceeds the largest double, so the one rounding overflows.
    expect(fmaF64(1e308, 10, -1e308)).toBe(Infinity);
  });

  test.prop([
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  ])('equals the exact value rounded once to double', (a, b, c) => {
    const expected = oracle(a, b, c, 53, 2 ** -1022);
    fc.pre(expected !== null);

    expect(fmaF64(a, b, c)).toBe(expected);
  });
});

describe('fmaF32', () => {
  const float32 = fc.float({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true }).map(Math.fround);

  it('rounds once where two roundings differ', () => {
    // (1 + 2**-23)**2 - (1 + 2**-22) = 2**-46 exactly; rounding the product first loses it.
    const a = 1 + 2 ** -23;
    expect(fmaF32(a, a, -(1 + 2 ** -22))).toBe(2 ** -46);
    expect(Math.fround(Math.fround(a * a) - (1 + 2 ** -22))).toBe(0);
  });

  it('breaks a double-rounding tie with the exact remainder', () => {
    // a*b + c = 2**29 + 96 - 2**-41: just below the float32 midpoint 2**29 + 96, so the answer is
    // 2**29 + 64; rounding to double first lands on the midpoint, which ties to even (2**29 + 128).
    const a = 32 * (1 + 2 ** -23);
    const b = 1 - 2 ** -23;
    const c = 2 ** 29 + 64;
    expect(Math.fround(a * b + c)).toBe(2 ** 29 + 128);
    expect(fmaF32(a, b, c)).toBe(2 ** 29 + 64);
  });

  test.prop([float32, float32, float32])('equals the exact value rounded once to float32', (a, b, c) => {
    const expected = oracle(a, b, c, 24, 2 ** -126);
    fc.pre(expected !== null);

    expect(fmaF32(a, b, c)).toBe(expected);
  });
});
