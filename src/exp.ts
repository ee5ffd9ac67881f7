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

import { expOfRemainder, reducedExp } from './exp-reduced.js';

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

/**
 * eˣ for the sigmoid gates, the same bits in every JS engine: correctly rounded but for near-ties,
 * 0 below e⁻⁴¹·⁶ (see Note [deterministic exp]), +∞ beyond overflow, NaN for NaN.
 */
export function expF64(x: number): number {
  if (!(x <= OVERFLOW)) return x !== x ? x : Infinity;
  if (x < NEGLIGIBLE) return 0;
  const dq = reducedExp(x);
  // one rounding of the double-double, then 2^q exactly (in two factors where 2^q alone would overflow)
  const rounded = expOfRemainder.hi + expOfRemainder.lo;
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
