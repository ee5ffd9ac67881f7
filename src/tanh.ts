// tanh computed by the project's own float arithmetic, so every JS engine gives the same bits
// (Math.tanh is implementation-defined: Node 20 and Chromium differ on 53 of 200,000 float64 inputs).

// Note [deterministic tanh]
// torch.tanh on the pinned CPU build (USE_MKL=ON, AVX2) runs MKL VML's vdTanh/vsTanh in HA mode
// (ATen's vml.h, IMPLEMENT_VML_MKL(tanh, Tanh)), not SLEEF: it saturates where a correctly rounded tanh
// does (float32 at |x| > 9.0108, float64 at |x| > 19.0615, measured), and is correctly rounded on all
// but a fraction of a percent of inputs. MKL's code is closed, so we aim at the correctly rounded
// value instead, with the algorithm of SLEEF's u10 tanh (sleefsimddp.c xtanh; Shibata):
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
// wasm/tanh-wat.ts writes out this same operation sequence for f64x2 lanes (src/tanh-wasm.ts, what the
// activation loops run where WebAssembly SIMD does; float32 by Note [float32 tanh in WebAssembly]);
// edit both together (test/unit/tanh-wasm.test.ts compares them).
// bench/tanh-parity.ts measures the share of 10⁶ inputs per dtype equal to torch.tanh bit for bit.

import { expOfRemainder, productError, reducedExp } from './exp-reduced.js';

/** Beyond this, tanh rounds to ±1 in float64 (1 − tanh 22 ≈ 1.6·10⁻¹⁹ < 2⁻⁵⁴). */
const SATURATED = 22;
/** Below this, tanh x rounds to x in float64 (x³/3 < half an ulp of x). */
const LINEAR = 2 ** -27;

/** 2^q for the integers q of the reduction (q ≤ 32 below SATURATED), by doubling: exact in every engine. */
const POW2 = new Float64Array(40);
POW2[0] = 1;
for (let q = 1; q < POW2.length; q++) POW2[q] = POW2[q - 1]! * 2;

/** 1 − a·r exactly, for r = RN(1/a): the residual is representable, 1 − p is exact (Sterbenz), and so is the rest. */
function residual(a: number, r: number): number {
  const p = a * r;
  return 1 - p - productError(a, r, p);
}

/** tanh of a float64, the same bits in every JS engine. See Note [deterministic tanh]. */
export function tanhF64(x: number): number {
  const y = Math.abs(x);
  if (!(y <= SATURATED)) return x !== x ? x : x > 0 ? 1 : -1;
  if (y < LINEAR) return x;

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
