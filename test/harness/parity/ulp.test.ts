// ulpDistance counts the representable values between two numbers, across zero and exponents, in both dtypes.
import { describe, expect, it } from 'vitest';
import { ulpDistance } from '../../../harness/parity/ulp.js';

/** The reference: sign-magnitude bit patterns as BigInt, subtracted exactly. */
function bigUlps(a: number, b: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  const ordered = (x: number): bigint => {
    view.setFloat64(0, x);
    const bits = view.getBigInt64(0);
    return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
  };
  const d = ordered(a) - ordered(b);
  return d < 0n ? -d : d;
}

describe('ulpDistance', () => {
  it('counts hand-checkable float64 gaps exactly', () => {
    expect(ulpDistance(1, 1 + 2 ** -52, 'float64')).toBe(1);
    expect(ulpDistance(1, 2, 'float64')).toBe(2 ** 52);
    expect(ulpDistance(Number.MIN_VALUE, -Number.MIN_VALUE, 'float64')).toBe(2);
    expect(ulpDistance(0, -0, 'float64')).toBe(0);
    expect(ulpDistance(-1, -1 - 2 ** -52, 'float64')).toBe(1);
    expect(ulpDistance(2 ** -1022, 2 ** -1022 - Number.MIN_VALUE, 'float64')).toBe(1);
  });

  it('counts hand-checkable float32 gaps exactly', () => {
    expect(ulpDistance(1, 1 + 2 ** -23, 'float32')).toBe(1);
    expect(ulpDistance(1, 2, 'float32')).toBe(2 ** 23);
    expect(ulpDistance(2 ** -149, -(2 ** -149), 'float32')).toBe(2);
  });

  it('agrees with exact BigInt subtraction of the bit patterns, up to 2**53 exactly and to the nearest double beyond', () => {
    const view = new DataView(new ArrayBuffer(8));
    let state = 0x9e3779b9;
    const randomDouble = (): number => {
      for (let k = 0; k < 8; k += 4) {
        state = (state * 1664525 + 1013904223) >>> 0;
        view.setUint32(k, state);
      }
      return view.getFloat64(0);
    };
    for (let i = 0; i < 20_000; i++) {
      const a = randomDouble();
      if (!Number.isFinite(a)) continue;
      // Near neighbours (the comparisons' case) and far ones (signs and exponents apart).
      const b = i % 2 === 0 ? a * (1 + (i % 7) * 2 ** -50) : randomDouble();
      if (!Number.isFinite(b)) continue;
      expect(ulpDistance(a, b, 'float64')).toBe(Number(bigUlps(a, b)));
    }
  });
});
