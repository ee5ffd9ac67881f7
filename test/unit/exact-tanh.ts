// tanh in exact integer arithmetic, the reference the float64 tanh's error bounds are measured
// against: 2⁻²⁴⁰ fixed point, far below the 2⁻⁶⁰ scale of the errors measured.

/** Fractional bits of the fixed-point values. */
export const FRACTION_BITS = 240n;
const ONE = 1n << FRACTION_BITS;

/** A finite double as an exact fixed-point BigInt (values below 2⁻²⁴⁰ become 0). */
export function toFixed(value: number): bigint {
  if (value === 0) return 0n;
  const exponent = Math.floor(Math.log2(Math.abs(value)));
  // value·2^(60 − exponent) is an integer of at most 61 bits: an exact scaling and conversion
  const mantissa = BigInt(value * 2 ** (60 - exponent));
  const shift = Number(FRACTION_BITS) + exponent - 60;
  return shift >= 0 ? mantissa << BigInt(shift) : mantissa / (1n << BigInt(-shift));
}

/** eᶻ for a fixed-point z ≥ 0 < 64: Taylor series of z/2¹⁶, squared back sixteen times. */
function expFixed(z: bigint): bigint {
  const reduced = z >> 16n;
  let term = ONE;
  let sum = ONE;
  for (let i = 1n; term !== 0n; i++) {
    term = (term * reduced) / (ONE * i);
    sum += term;
  }
  for (let i = 0; i < 16; i++) sum = (sum * sum) >> FRACTION_BITS;
  return sum;
}

/** tanh|x| = (e²ˣ − 1)/(e²ˣ + 1) in fixed point, for |x| ≤ 22. */
export function exactTanh(x: number): bigint {
  const e = expFixed(toFixed(2 * Math.abs(x)));
  return ((e - ONE) << FRACTION_BITS) / (e + ONE);
}

/** (hi + lo − t)/t as a double, for fixed-point t. */
export function relativeError(hi: number, lo: number, t: bigint): number {
  return Number(((toFixed(hi) + toFixed(lo) - t) << 64n) / t) / 2 ** 64;
}
