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
// bench/tanh-parity.ts measures the share of 10⁶ inputs per dtype equal to torch.tanh bit for bit.

const R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931;
const L2U = 0.69314718055966295651160180568695068359375;
const L2L = 0.28235290563031577122588448175013436025525412068e-12;
/** Beyond this, tanh rounds to ±1 in float64 (1 − tanh 22 ≈ 1.6·10⁻¹⁹ < 2⁻⁵⁴). */
const SATURATED = 22;
/** Below this, tanh x rounds to x in float64 (x³/3 < half an ulp of x). */
const LINEAR = 2 ** -27;
const SPLIT = 134217729; // 2^27 + 1: Veltkamp's split into two 26-bit halves

/** 2^q for the integers q of the reduction (q ≤ 32 below SATURATED), by doubling: exact in every engine. */
const POW2 = new Float64Array(40);
POW2[0] = 1;
for (let q = 1; q < POW2.length; q++) POW2[q] = POW2[q - 1]! * 2;

/** a·b − RN(a·b), exactly (Dekker), for the moderate magnitudes met here. */
function productError(a: number, b: number, p: number): number {
  const sa = SPLIT * a;
  const ah = sa - (sa - a);
  const al = a - ah;
  const sb = SPLIT * b;
  const bh = sb - (sb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** 1 − a·r exactly, for r = RN(1/a): the residual is representable, 1 − p is exact (Sterbenz), and so is the rest. */
function residual(a: number, r: number): number {
  const p = a * r;
  return 1 - p - productError(a, r, p);
}

/** Round half to even, for the non-negative reduction quotients (SLEEF's vrint under the default MXCSR). */
function rint(u: number): number {
  const r = Math.floor(u + 0.5);
  return r - u === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** tanh of a float64, the same bits in every JS engine. See Note [deterministic tanh]. */
export function tanhF64(x: number): number {
  const y = Math.abs(x);
  if (!(y <= SATURATED)) return x !== x ? x : x > 0 ? 1 : -1;
  if (y < LINEAR) return x;

  // argument reduction: y = dq·ln2 + s, s as a double-double (SLEEF's ddadd2_vd2_vd2_vd twice)
  const dq = rint(y * R_LN2);
  let b = dq * -L2U;
  let sum = y + b;
  let v = sum - y;
  let sy = y - (sum - v) + (b - v);
  let sx = sum;
  b = dq * -L2L;
  sum = sx + b;
  v = sum - sx;
  sy = sx - (sum - v) + (b - v) + sy;
  sx = sum;
  // s², s⁴ as double-doubles, s⁸ (ddsqu)
  let p = sx * sx;
  const s2x = p;
  const s2y = (sx + sx) * sy + productError(sx, sx, p);
  p = s2x * s2x;
  const s4x = p;
  const s4y = (s2x + s2x) * s2y + productError(s2x, s2x, p);
  const s8 = s4x * s4x;
  // P(s), degree 9, by Estrin's scheme (SLEEF's POLY10 with its coefficients)
  const c98 = sx * 0.1602472219709932072e-9 + 0.2092255183563157007e-8;
  const c7654 = s2x * (sx * 0.2505230023782644465e-7 + 0.2755724800902135303e-6) + (sx * 0.2755731892386044373e-5 + 0.2480158735605815065e-4);
  const c3210 = s2x * (sx * 0.1984126984148071858e-3 + 0.1388888888886763255e-2) + (sx * 0.8333333333333347095e-2 + 0.4166666666666669905e-1);
  const poly = s8 * c98 + (s4x * c7654 + c3210);
  // t = 0.5 + s/6, then t = 1 + t·s twice, then t + s⁴·P(s): eˢ as a double-double
  const C6 = 0.1666666666666666574;
  let m = sx * C6;
  let my = sy * C6 + productError(sx, C6, m);
  let a = 0.5 + m;
  let tx = a;
  let ty = 0.5 - a + m + my;
  for (let i = 0; i < 2; i++) {
    m = tx * sx;
    my = tx * sy + (ty * sx + productError(tx, sx, m));
    a = 1 + m;
    ty = 1 - a + m + my;
    tx = a;
  }
  m = s4x * poly;
  my = s4y * poly + productError(s4x, poly, m);
  a = tx + m;
  ty = tx - a + m + ty + my;
  tx = a;
  // d = eʸ = 2^q·eˢ (exact scaling)
  const scale = POW2[dq]!;
  const dx = tx * scale;
  const dy = ty * scale;
  // e = e⁻ʸ = 1/d (ddrec)
  const r = 1 / dx;
  const ex = r;
  const ey = r * (-dy * r + residual(dx, r));
  // n = d − e, m = d + e (ddadd2_vd2_vd2_vd2)
  sum = dx - ex;
  v = sum - dx;
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
