// tanh computed by the project's own float arithmetic, so every JS engine gives the same bits
// (Math.tanh is implementation-defined: Node 20 and Chromium differ on 53 of 200,000 float64 inputs).

// Note [deterministic tanh]
// torch.tanh on the pinned CPU build (USE_MKL=ON, AVX2) runs MKL VML's vdTanh/vsTanh in HA mode
// (ATen's vml.h, IMPLEMENT_VML_MKL(tanh, Tanh)), not SLEEF: it saturates where a correctly rounded tanh
// does (float32 at |x| > 9.0108, float64 at |x| > 19.0615, measured), and is correctly rounded on all
// but a fraction of a percent of inputs. MKL's code is closed, so we aim at the correctly rounded
// value instead: a fast evaluation decides the rounding of most inputs (Note [float64 tanh fast path]),
// and the rest take tanhAccurate, the algorithm of SLEEF's u10 tanh (sleefsimddp.c xtanh; Shibata):
//   y = |x|; d = eʸ as a double-double: y = q·ln2 + s (ln2 split in two words, L2U + L2L),
//   eˢ = 1 + s + s²/2 + s³/6 + s⁴·P(s) with P a degree-9 polynomial (Estrin's scheme), scaled by 2^q;
//   e⁻ʸ = 1/d as a double-double; tanh y = (d − e⁻ʸ) / (d + e⁻ʸ) in double-double, rounded once;
//   the sign of x copied on, NaN kept.
// Every step is a plain IEEE operation (JS never contracts a·b + c), so the result is the same in every
// engine. Where SLEEF's AVX2 build uses an FMA we use either Dekker's exact product error (for
// fma(a, b, −RN(a·b)) and the reciprocal residual 1 − a·RN(1/a), which are exact either way) or an
// unfused a·b + c where the term only feeds the low word (measured: the same number of results equal
// torch's on 2·10⁵ inputs with and without exact FMAs, bench/tanh-parity.ts). Two departures from SLEEF,
// both towards torch here: no clamp to ±1 at 18.714973875 (SLEEF's threshold; torch gives 1 − 2⁻⁵³ up
// to 19.06), and |x| < 2⁻²⁷ returns x (the correctly rounded value; tanh x = x − x³/3 + …).
// float32 is float64's result rounded once (Note [float32 tanh fast path]).
// wasm/tanh-wat.ts writes out these same operation sequences for f64x2 lanes (src/tanh-wasm.ts, what the
// activation loops run where WebAssembly SIMD does; float32 by Note [float32 tanh in WebAssembly]);
// edit both together (test/unit/tanh-wasm.test.ts compares them).
// bench/tanh-parity.ts measures the share of 10⁶ inputs per dtype equal to torch.tanh bit for bit.

import { EXP2_TABLE } from './exp2-table.js';
import { expOfRemainder, L2L, L2U, productError, reducedExp } from './exp-reduced.js';

/** Beyond this, tanh rounds to ±1 in float64 (1 − tanh 22 ≈ 1.6·10⁻¹⁹ < 2⁻⁵⁴). */
const SATURATED = 22;
/** Below this, tanh x rounds to x in float64 (x³/3 < half an ulp of x). */
const LINEAR = 2 ** -27;
/** 1/3! … 1/6!: (eˢ − 1 − s)/s² = 1/2 + C3·s + C4·s² + C5·s³ + C6·s⁴ + O(s⁵). */
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;
const C6 = 1 / 720;

/** 2^q for the integers q of the reduction (q ≤ 32 below SATURATED), by doubling: exact in every engine. */
const POW2 = new Float64Array(40);
POW2[0] = 1;
for (let q = 1; q < POW2.length; q++) POW2[q] = POW2[q - 1]! * 2;

/** 1 − a·r exactly, for r = RN(1/a): the residual is representable, 1 − p is exact (Sterbenz), and so is the rest. */
function residual(a: number, r: number): number {
  const p = a * r;
  return 1 - p - productError(a, r, p);
}

/** tanh x for 2⁻²⁷ ≤ |x| ≤ 22 by the double-double evaluation of Note [deterministic tanh]. */
function tanhAccurate(x: number): number {
  const y = Math.abs(x);

  const dq = reducedExp(y);
  // d = eʸ = 2^q·eˢ (exact scaling)
  const scale = POW2[dq]!;
  const dx = expOfRemainder.hi * scale;
  const dy = expOfRemainder.lo * scale;
  // e = e⁻ʸ = 1/d (ddrec)
  const r = 1 / dx;
  const ex = r;
  const ey = r * (-dy * r + residual(dx, r));
  // n = d − e, m = d + e (ddadd2_vd2_vd2_vd2)
  let sum = dx - ex;
  let v = sum - dx;
  const nx = sum;
  const ny = dx - (sum - v) + (-ex - v) + (dy - ey);
  sum = dx + ex;
  v = sum - dx;
  const mx = sum;
  const mLow = dx - (sum - v) + (ex - v) + (dy + ey);
  // n / m (dddiv), rounded once
  const t = 1 / mx;
  const q = nx * t;
  const w = productError(t, nx, q);
  const z = -mLow * t + residual(mx, t);
  const result = q + (q * z + (ny * t + w));
  return x < 0 ? -result : result;
}

// Note [float64 tanh fast path]
// tanhAccurate costs about 300 operations, most of them in Dekker products, because it evaluates
// (eʸ − e⁻ʸ)/(eʸ + e⁻ʸ) in double-double throughout. tanhF64 first tries a cheaper evaluation accurate
// enough to decide the rounding of nearly every input (Ziv's strategy), of tanh y = −w/(2 + w) with
// w = e⁻²ʸ − 1: well conditioned for every y (w's relative error is amplified at most 2/(2 + w) ≤ 2),
// with no cancellation to lose bits to:
//   u = −2y = k·ln2/256 + s, |s| ≤ ln2/512 (ln2/256 in two words: C_HI has 39 bits, so k·C_HI is exact
//   for the |k| < 2¹⁴ met up to 22, and u − k·C_HI is exact by Sterbenz; s = sh + sl);
//   eᵘ = 2^q·T[j]·eˢ, q = ⌊k/256⌋, j = k mod 256, T[j] = 2^(j/256) as a double-double (src/exp2-table.ts);
//   eˢ − 1 = sh + ml, ml = sl·(1 + sh) + sh²·(1/2 + sh/6 + … + sh⁴/720) (truncated below 2⁻⁶⁹ of s);
//   w = (P − 1) + P·sh + P·ml + 2^q·T[j]lo·(1 + sh), P = 2^q·T[j]hi: P − 1 and P·sh exact (Fast2Sum,
//   Dekker), the sums by Fast2Sums, larger term first, into wh + wl with |wl| about ulp(wh);
//   τ = −w/(2 + w) ≈ q1 + q2: q1 = RN(−wh·r), r = RN(1/dh), q2 from the exact remainder −wh − q1·dh.
// Its error is dominated by the five roundings of terms of size s²/2 ≤ 2⁻¹⁰·⁵·|w|: 2⁻⁶⁰·⁷ relative at
// worst, next to the reduction's boundaries where |w| is smallest beside |s|, measured against 240-bit
// arithmetic (test/unit/tanh.test.ts holds it below 2⁻⁶⁰). Where both ends of τ·(1 ± 2⁻⁵⁹) round to the
// same double, the exact value does too: that double is tanh y correctly rounded, and tanhF64 returns
// it. Elsewhere — a tanh within 2⁻⁵⁹ of a rounding tie, 2.7% of inputs uniform on [0, 3] — tanhAccurate
// decides, as it did everything before. tanhAccurate's own error reaches 2⁻⁶⁰·⁷ too (near y = 0.26,
// from that cancellation), so it misrounds only inputs this close to a tie, which it still decides:
// the two paths together gave the same double as tanhAccurate alone on all of 2·10⁶ inputs sampled.
// Both are fixed sequences of IEEE operations, so every engine gives the same bits; wasm/tanh-wat.ts
// writes out the same sequence for f64x2 lanes, table lookups included.
const EXP2_STEPS = 256 / Math.LN2;
/** ln2/256 to 39 significant bits (L2U has 41), so k·C_HI is exact for |k| < 2¹⁴. */
const C_HI = Math.round(L2U * 2 ** 39) / 2 ** 47;
/** ln2/256 − C_HI: L2U/256 − C_HI is exact (both are multiples of 2⁻⁴⁹), then L2L/256 added once. */
const C_LO = L2U / 256 - C_HI + L2L / 256;
/** Half the width of the interval the fast path's τ must round within (relative); see the Note. */
const MARGIN = 2 ** -59;
/** The fast path's constants, for wasm/tanh-wat.ts to write the same doubles into the module. */
export const TANH_FAST_PATH = { EXP2_STEPS, C_HI, C_LO, MARGIN, TAYLOR: [C3, C4, C5, C6] } as const;
/** 2^−i for the i = −⌊k/256⌋ ≤ 64 of the fast path, by halving: exact in every engine. */
const POW2_NEGATIVE = new Float64Array(66);
POW2_NEGATIVE[0] = 1;
for (let i = 1; i < POW2_NEGATIVE.length; i++) POW2_NEGATIVE[i] = POW2_NEGATIVE[i - 1]! / 2;

/**
 * The low word of the fast path's last τ (a few ulps of the high word, which it returns): a module
 * binding, not part of a returned object, so the hot loop allocates nothing.
 */
export let fastTanhLow = 0;

/**
 * tanh y ≈ hi + {@link fastTanhLow} for 2⁻²⁷ ≤ y ≤ 22, relative error below 2⁻⁶⁰; returns hi.
 * See Note [float64 tanh fast path].
 */
export function tanhFastParts(y: number): number {
  const u = -2 * y;
  const kf = Math.floor(u * EXP2_STEPS + 0.5);
  const k = kf | 0;
  const j = 2 * (k & 255);
  const scale = POW2_NEGATIVE[-(k >> 8)]!;
  const th = EXP2_TABLE[j]!;
  const tl = EXP2_TABLE[j + 1]!;
  const sh = u - kf * C_HI;
  const sl = -kf * C_LO;
  const poly = 0.5 + sh * (C3 + sh * (C4 + sh * (C5 + sh * C6)));
  const ml = sl * (1 + sh) + sh * sh * poly;
  const p0 = th * sh;
  const pl = productError(th, sh, p0) * scale;
  const ph = p0 * scale;
  const big = th * scale;
  // P − 1, P·sh and P·ml summed by Fast2Sums, each larger term first
  const a = big - 1;
  const aLow = big - (a + 1);
  const w1 = a + ph;
  const e1 = ph - (w1 - a);
  const t3 = big * ml;
  const wh = w1 + t3;
  const e2 = t3 - (wh - w1);
  const wl = e1 + e2 + aLow + pl + tl * scale * (1 + sh);
  // τ = −w/(2 + w)
  const dh = 2 + wh;
  const dl = wh - (dh - 2) + wl;
  const r = 1 / dh;
  const q1 = -wh * r;
  const p = q1 * dh;
  fastTanhLow = (-wh - p - productError(q1, dh, p) - wl - q1 * dl) * r;
  return q1;
}

/** tanh of a float64, the same bits in every JS engine. See Note [float64 tanh fast path]. */
export function tanhF64(x: number): number {
  const y = Math.abs(x);
  if (!(y <= SATURATED)) return x !== x ? x : x > 0 ? 1 : -1;
  if (y < LINEAR) return x;
  const hi = tanhFastParts(y);
  const lo = fastTanhLow;
  const bound = hi * MARGIN;
  const low = hi + (lo - bound);
  if (low === hi + (lo + bound)) return x < 0 ? -low : low;
  return tanhAccurate(x);
}

// Note [float32 tanh fast path]
// A float32 result needs far fewer bits than tanhF64 works for. Math.tanh is within a few float64 ulps
// of tanh in every engine (they differ in the last bits only), so the exact value lies in
// [r·(1 − 2⁻⁴⁴), r·(1 + 2⁻⁴⁴)] around r = Math.tanh(x), with 2⁸ ulps to spare. Where both ends round
// to the same float32, that float32 is the correctly rounded tanh — and equals round₃₂(tanhF64(x)),
// whose error is far inside the interval — whatever the engine's Math.tanh returned. Otherwise (a value
// near a float32 tie, or NaN) tanhF64 decides. So the result is engine-independent and the same as
// Math.fround(tanhF64(x)) (test/unit/tanh.test.ts), at a fraction of the cost.
const BELOW = 1 - 2 ** -44;
const ABOVE = 1 + 2 ** -44;

/** tanh of a float32: round₃₂(tanhF64(x)), usually decided from Math.tanh. See Note [float32 tanh fast path]. */
export function tanhF32(x: number): number {
  const r = Math.tanh(x);
  const low = Math.fround(r * BELOW);
  return low === Math.fround(r * ABOVE) ? low : Math.fround(tanhF64(x));
}
