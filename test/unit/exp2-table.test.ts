// The table of 2^(j/256) behind tanh's fast path, held to exact integer arithmetic by a route
// independent of its construction: (hi + lo)²⁵⁶ against 2ʲ.
import { describe, expect, it } from 'vitest';
import { EXP2_TABLE, EXP2_TABLE_SIZE } from '../../src/exp2-table.js';
import { FRACTION_BITS, toFixed } from './exact-tanh.js';

describe('EXP2_TABLE', () => {
  it('holds 2^(j/256) as hi + lo within 2⁻¹⁰⁴ relative, hi rounded to nearest', () => {
    const one = 1n << FRACTION_BITS;
    let worst = 0;
    for (let j = 0; j < EXP2_TABLE_SIZE; j++) {
      const hi = EXP2_TABLE[2 * j]!;
      const lo = EXP2_TABLE[2 * j + 1]!;
      // lo is below half an ulp of hi: hi is the nearest double
      expect(Math.abs(lo)).toBeLessThanOrEqual(2 ** (Math.floor(Math.log2(hi)) - 53));
      let power = one;
      const value = toFixed(hi) + toFixed(lo);
      for (let i = 0; i < 256; i++) power = (power * value) >> FRACTION_BITS;
      // (1 + ε)²⁵⁶ ≈ 1 + 256ε: the relative error of the entry is the power's over 256
      const target = one << BigInt(j);
      const error = Math.abs(Number(((power - target) << 64n) / target) / 2 ** 64) / 256;
      worst = Math.max(worst, error);
    }
    expect(worst).toBeLessThan(2 ** -104);
  });
});
