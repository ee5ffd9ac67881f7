// The WebAssembly text of `$tanh2_f32`: tanhF32 (src/tanh.ts) on two float32 values held as f64x2,
// decided by a cheap float64 approximation wherever that is safe, else by the full `$tanh2`.
//
// Note [float32 tanh in WebAssembly]
// tanhF32(x) = round₃₂(tanhF64(x)) and decides most inputs from Math.tanh (Note [float32 tanh fast
// path]); WebAssembly has no Math.tanh, and the full double-double `$tanh2` costs five times what a
// float32 answer needs. So this evaluates its own approximation t of tanh|x| in plain float64:
//   u = 2·min(|x|, 30); u = q·ln2 + s (Cody–Waite, |s| ≤ ln2/2); eˢ − 1 by its Taylor series to s¹²
//   (truncation < 2⁻⁵⁰ relative; Estrin's scheme, so the chain of dependent operations is short); eᵘ − 1 = 2^q·(eˢ − 1) + (2^q − 1); t = (eᵘ − 1)/(eᵘ − 1 + 2),
// whose relative error is a few float64 ulps (≈ 2⁻⁵⁰), far inside the 2⁻⁴⁴ of the JS fast path's
// interval. Where t·(1 − 2⁻⁴⁴) and t·(1 + 2⁻⁴⁴) round to the same float32, that float32 is the
// correctly rounded tanh|x| and so round₃₂(tanhF64|x|) — exactly the JS fast path's argument, with this
// t in place of Math.tanh. Otherwise (a float32 near a rounding tie, or NaN) the lane takes $tanh2,
// rounded once on store, as tanhF32 then takes tanhF64. The sign bit of x is copied on (tanh is odd,
// and so are tanhF64 and round₃₂), which keeps −0. |x| ≥ 30 gives ±1, as tanhF64 does beyond 22.
// The argument needs no trust in the error estimate: test/unit/tanh-wasm.test.ts compares with tanhF32
// on 10⁶ random inputs, and bench/tanh-f32-exhaustive.ts on all 2³² float32 bit patterns (0 differing).

import { f64x2Const as k } from './wat-const.js';

const R_LN2 = Math.LOG2E;
// ln2 in two words (as src/exp-reduced.ts): q·L2U is exact for the q ≤ 87 met here
const L2U = 0.69314718055966295651160180568695068359375;
const L2L = 0.28235290563031577122588448175013436025525412068e-12;
const BELOW = 1 - 2 ** -44;
const ABOVE = 1 + 2 ** -44;

/** 1/k! for k = 2…12, the Taylor coefficients of (eˢ − 1 − s)/s². */
function taylor(): number[] {
  const coefficients: number[] = [];
  let factorial = 1;
  for (let i = 2; i <= 12; i++) {
    factorial *= i;
    coefficients.push(1 / factorial);
  }
  return coefficients;
}

/** A straight-line tanh over the two lanes of local $x: its v128 locals, statements and result expression. */
export interface WatBody {
  readonly locals: readonly string[];
  readonly lines: readonly string[];
  readonly result: string;
}

/** tanhF32 on the f64x2 local $x (two float32 values): lanes that round to tanhF32(x) on store; undecided lanes call $tanh2. */
export function tanhF32Body(): WatBody {
  const get = (name: string): string => `(local.get $${name})`;
  const lines: string[] = [];
  const locals: string[] = [];
  const set = (name: string, value: string): string => {
    if (!locals.includes(name)) locals.push(name);
    lines.push(`  (local.set $${name} ${value})`);
    return get(name);
  };
  const x = get('x');
  const u = set('u', `(f64x2.add (f64x2.min (f64x2.abs ${x}) ${k(30)}) (f64x2.min (f64x2.abs ${x}) ${k(30)}))`);
  const q = set('q', `(f64x2.nearest (f64x2.mul ${u} ${k(R_LN2)}))`);
  const s = set('s', `(f64x2.sub (f64x2.sub ${u} (f64x2.mul ${q} ${k(L2U)})) (f64x2.mul ${q} ${k(L2L)}))`);
  // p = Σ cᵢ·sⁱ (cᵢ = 1/(i+2)!) by Estrin's scheme: pairs cᵢ + cᵢ₊₁·s, then combined with s², s⁴, s⁸
  const s2 = set('s2', `(f64x2.mul ${s} ${s})`);
  const s4 = set('s4', `(f64x2.mul ${s2} ${s2})`);
  const s8 = `(f64x2.mul ${s4} ${s4})`;
  const c = taylor().map(k);
  const pair = (i: number): string => (i + 1 < c.length ? `(f64x2.add ${c[i]} (f64x2.mul ${s} ${c[i + 1]}))` : c[i]!);
  const quad = (i: number): string => `(f64x2.add ${pair(i)} (f64x2.mul ${s2} ${pair(i + 2)}))`;
  const low8 = `(f64x2.add ${quad(0)} (f64x2.mul ${s4} ${quad(4)}))`;
  const p = `(f64x2.add ${low8} (f64x2.mul ${s8} ${pair(8)}))`;
  const em = set('em', `(f64x2.add ${s} (f64x2.mul ${s2} ${p}))`);
  const scale = set(
    'scale',
    `(i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero ${q})) (v128.const i64x2 1023 1023)) (i32.const 52))`,
  );
  const eu = set('eu', `(f64x2.add (f64x2.mul ${scale} ${em}) (f64x2.sub ${scale} ${k(1)}))`);
  const t = set('t', `(f64x2.div ${eu} (f64x2.add ${eu} ${k(2)}))`);
  const low = set('low', `(f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul ${t} ${k(BELOW)})))`);
  const high = `(f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul ${t} ${k(ABOVE)})))`;
  const decided = set('decided', `(f64x2.eq ${low} ${high})`);
  // |result| with x's sign bit
  const fast = set('fast', `(v128.or ${low} (v128.and ${x} (v128.const i64x2 0x8000000000000000 0x8000000000000000)))`);
  const result = `(if (result v128) (i8x16.all_true ${decided}) (then ${fast}) (else (v128.bitselect ${fast} (call $tanh2 ${x}) ${decided})))`;
  return { locals, lines, result };
}
