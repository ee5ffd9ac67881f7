// eˣ computed by the project's own float arithmetic, so every JS engine gives the same bits (Math.exp
// is implementation-approximated: Node 20 and Chromium differ on 19,963 of 200,000 float64 inputs).

// Note [deterministic exp]
// The same evaluation as tanhF64's eʸ (Note [deterministic tanh], src/tanh.ts; SLEEF's u10 algorithm):
// x = q·ln2 + s with s a double-double, eˢ = 1 + s + s²/2 + s³/6 + s⁴·P(s) in double-double, scaled
// by 2^q exactly, then rounded once to float64. The double-double carries ~2⁻¹⁰⁰ relative error, so
// the result is the correctly rounded eˣ except within that distance of a tie. Every step is a plain
// IEEE operation, identical in every engine. The range is what the gates need: eˣ below 2⁻⁶⁰ is
// returned as 0 (sigmoid then adds it to 1, which absorbs anything below 2⁻⁵³), and beyond ln(2¹⁰²⁴)
// it overflows to +∞, as Math.exp does. expF32 is round₃₂(expF64) (Note [float32 exp fast path]).

const R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931;
const L2U = 0.69314718055966295651160180568695068359375;
const L2L = 0.28235290563031577122588448175013436025525412068e-12;
const SPLIT = 134217729; // 2^27 + 1: Veltkamp's split into two 26-bit halves
/** ln(2¹⁰²⁴): beyond it eˣ overflows float64. */
const OVERFLOW = 709.782712893384;
/** Below this, eˣ < 2⁻⁶⁰ and is returned as 0: only 1 + eˣ is ever formed from it (src/sigmoid.ts). */
const NEGLIGIBLE = -41.6;

/** 2^q for q = −64…1023, built by doubling and halving: exact in every engine. */
const POW2_BIAS = 64;
const POW2 = new Float64Array(POW2_BIAS + 1024);
POW2[POW2_BIAS] = 1;
for (let q = 1; q < 1024; q++) POW2[POW2_BIAS + q] = POW2[POW2_BIAS + q - 1]! * 2;
for (let q = 1; q <= POW2_BIAS; q++) POW2[POW2_BIAS - q] = POW2[POW2_BIAS - q + 1]! / 2;

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

/** Round half to even (SLEEF's vrint under the default MXCSR), for reduction quotients of either sign. */
function rint(u: number): number {
  const r = Math.floor(u + 0.5);
  return r - u === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * eˣ for the sigmoid gates, the same bits in every JS engine: correctly rounded but for near-ties,
 * 0 below e⁻⁴¹·⁶ (see Note [deterministic exp]), +∞ beyond overflow, NaN for NaN.
 */
export function expF64(x: number): number {
  if (!(x <= OVERFLOW)) return x !== x ? x : Infinity;
  if (x < NEGLIGIBLE) return 0;
  // argument reduction: x = dq·ln2 + s, s as a double-double
  const dq = rint(x * R_LN2);
  let b = dq * -L2U;
  let sum = x + b;
  let v = sum - x;
  let sy = x - (sum - v) + (b - v);
  let sx = sum;
  b = dq * -L2L;
  sum = sx + b;
  v = sum - sx;
  sy = sx - (sum - v) + (b - v) + sy;
  sx = sum;
  // s², s⁴ as double-doubles, s⁸
  let p = sx * sx;
  const s2x = p;
  const s2y = (sx + sx) * sy + productError(sx, sx, p);
  p = s2x * s2x;
  const s4x = p;
  const s4y = (s2x + s2x) * s2y + productError(s2x, s2x, p);
  const s8 = s4x * s4x;
  // P(s), degree 9, by Estrin's scheme (SLEEF's coefficients, as in tanhF64)
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
  // one rounding of the double-double, then 2^q exactly (in two factors where 2^q alone would overflow)
  const rounded = tx + ty;
  if (dq > 1023) return rounded * POW2[POW2_BIAS + 1023]! * POW2[POW2_BIAS + dq - 1023]!;
  return rounded * POW2[POW2_BIAS + dq]!;
}

// Note [float32 exp fast path]
// As Note [float32 tanh fast path] (src/tanh.ts): Math.exp is within a few float64 ulps of eˣ in every
// engine, so the exact value lies within r·(1 ± 2⁻⁴⁴) of r = Math.exp(x), and so does expF64(x).
// Where both ends round to one float32, that float32 is round₃₂(expF64(x)) whatever the engine
// returned; otherwise expF64 decides. So expF32(x) = Math.fround(expF64(x)) in every engine.
const BELOW = 1 - 2 ** -44;
const ABOVE = 1 + 2 ** -44;

/** eˣ rounded to float32: round₃₂(expF64(x)), usually decided from Math.exp. See Note [float32 exp fast path]. */
export function expF32(x: number): number {
  const r = Math.exp(x);
  const low = Math.fround(r * BELOW);
  return low === Math.fround(r * ABOVE) && x >= NEGLIGIBLE ? low : Math.fround(expF64(x));
}
