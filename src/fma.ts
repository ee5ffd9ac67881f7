// Fused multiply-add a*b + c with one rounding, for float32 and float64 — JS has no Math.fma.

const FLT_MAX = 3.4028234663852886e38;
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** The float32 adjacent to float32 `x` in the direction of `direction` (+1 up, -1 down). */
function adjacentF32(x: number, direction: 1 | -1): number {
  if (x === 0) return direction * 2 ** -149;
  f32Scratch[0] = x;
  // For IEEE floats, stepping the magnitude bits by one moves to the neighbour; the sign bit decides
  // whether "up" grows or shrinks the magnitude.
  u32Scratch[0] = u32Scratch[0]! + (x > 0 === direction > 0 ? 1 : -1);
  return f32Scratch[0]!;
}

/**
 * `fmaf(a, b, c)`: the exact value of a*b + c rounded once to float32 (ties to even).
 * `a`, `b`, `c` must be float32 values. This is what an FMA-contracted float kernel computes.
 */
export function fmaF32(a: number, b: number, c: number): number {
  // The product of two float32 values is exact in double (24 + 24 significant bits, and the
  // exponent range of double covers any float32 product), so only the sum needs care.
  const product = a * b;
  const sum = product + c;
  if (!Number.isFinite(sum)) return Math.fround(sum);
  // TwoSum (Knuth): `error` is the exact rounding error of `sum`.
  const productPart = sum - c;
  const error = product - productPart + (c - (sum - productPart));
  const rounded = Math.fround(sum);
  if (error === 0 || rounded === sum) return rounded;
  // Rounding the double `sum` to float32 differs from rounding the exact value only when `sum` lies
  // exactly on a float32 midpoint (every float32 midpoint is a double); then `error` breaks the tie.
  // For the tie test an overflowed result stands for ±2**128, the float32 "one past FLT_MAX".
  const roundedValue = Number.isFinite(rounded) ? rounded : Math.sign(rounded) * 2 ** 128;
  const otherSide = Number.isFinite(rounded) ? adjacentF32(rounded, rounded > sum ? -1 : 1) : Math.sign(rounded) * FLT_MAX;
  if ((roundedValue + otherSide) / 2 !== sum) return rounded;
  return error > 0 === otherSide > roundedValue ? otherSide : rounded;
}

const f64Scratch = new Float64Array(1);
const u64Scratch = new BigUint64Array(f64Scratch.buffer);

/** Finite nonzero `x` as `mantissa * 2**exponent` with an integer mantissa. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  f64Scratch[0] = x;
  const bits = u64Scratch[0]!;
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return { mantissa: x < 0 ? -mantissa : mantissa, exponent };
}

/** `n * 2**exponent` rounded once to the nearest double (ties to even); n ≠ 0. */
function roundToDouble(n: bigint, exponent: number): number {
  const negative = n < 0n;
  let magnitude = negative ? -n : n;
  const bitLength = magnitude.toString(2).length;
  const topExponent = bitLength - 1 + exponent;
  // Keep 53 significant bits, or fewer where the result is subnormal (lowest bit weighs 2**-1074).
  const lowestKeptExponent = Math.max(topExponent - 52, -1074);
  const shift = lowestKeptExponent - exponent;
  if (shift > 0) {
    const bigShift = BigInt(shift);
    const kept = magnitude >> bigShift;
    const remainder = magnitude - (kept << bigShift);
    const half = 1n << (bigShift - 1n);
    const roundUp = remainder > half || (remainder === half && (kept & 1n) === 1n);
    magnitude = roundUp ? kept + 1n : kept;
    exponent = lowestKeptExponent;
  }
  // magnitude ≤ 2**53 and exponent ≥ -1074: both factors are exact, and the product is exact or overflows to ∞.
  const value = Number(magnitude) * 2 ** Math.min(exponent, 1023) * 2 ** Math.max(exponent - 1023, 0);
  return negative ? -value : value;
}

/**
 * `fma(a, b, c)`: the exact value of a*b + c rounded once to float64 (ties to even).
 * Exact (BigInt) arithmetic; callers on hot paths use closed forms where one exists.
 */
export function fmaF64(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a * b + c;
  if (!Number.isFinite(c)) return c;
  if (a === 0 || b === 0) return a * b + c;
  const x = decompose(a);
  const y = decompose(b);
  const productMantissa = x.mantissa * y.mantissa;
  const productExponent = x.exponent + y.exponent;
  let total: bigint;
  let exponent: number;
  if (c === 0) {
    total = productMantissa;
    exponent = productExponent;
  } else {
    const z = decompose(c);
    exponent = Math.min(productExponent, z.exponent);
    total = (productMantissa << BigInt(productExponent - exponent)) + (z.mantissa << BigInt(z.exponent - exponent));
  }
  // An exact zero takes IEEE's sign rule for a sum, which the double expression reproduces because
  // a*b == -c exactly in that case.
  if (total === 0n) return a * b + c;
  return roundToDouble(total, exponent);
}
