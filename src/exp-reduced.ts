// eˢ with x = q·ln2 + s, as a double-double: the core that tanhF64 and expF64 share (SLEEF's u10
// algorithm; Note [deterministic tanh] in src/tanh.ts, Note [deterministic exp] in src/exp.ts).

const R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931;
export const L2U = 0.69314718055966295651160180568695068359375;
export const L2L = 0.28235290563031577122588448175013436025525412068e-12;
const SPLIT = 134217729; // 2^27 + 1: Veltkamp's split into two 26-bit halves

/** a·b − RN(a·b), exactly (Dekker), for the moderate magnitudes met here. */
export function productError(a: number, b: number, p: number): number {
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
 * The high and low words of eˢ after {@link reducedExp}: module state rather than a returned object,
 * because tanh runs once per activation in the forward's hot loop and must not allocate.
 */
export const expOfRemainder = { hi: 0, lo: 0 };

/**
 * Splits x = q·ln2 + s and leaves eˢ (≈ 2⁻¹⁰⁰ relative error) in {@link expOfRemainder}; returns q,
 * so eˣ = 2^q·(hi + lo). Plain IEEE operations only: the same bits in every JS engine.
 */
export function reducedExp(x: number): number {
  // argument reduction: x = dq·ln2 + s (SLEEF's ddadd2_vd2_vd2_vd twice), s as a double-double
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
  expOfRemainder.hi = tx;
  expOfRemainder.lo = ty;
  return dq;
}
