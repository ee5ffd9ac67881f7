// The WebAssembly text of tanh over arrays (src/tanh-wasm.ts drives it): src/tanh.ts's tanhF64, two
// values per f64x2 vector, written out operation by operation from the same sequence.
//
// Why the results are bit-identical to tanhF64: every JS operation of tanhF64 and reducedExp
// (src/exp-reduced.ts) is one IEEE-754 float64 add, sub, mul, div, neg, abs or floor, rounded to
// nearest even; f64x2.add/sub/mul/div/neg/abs/floor are the same operations on each lane, with no
// FMA, no reassociation and no flush of subnormals. The text below keeps JS's left-to-right
// evaluation order term by term (`a - b + c` is `(a - b) + c`). The two branches of tanhF64 (|x| past
// saturation or NaN, |x| below 2⁻²⁷) and the sign copy become lane selects after the evaluation, which
// on those lanes computes values that are then discarded (no trap: float SIMD never traps, and
// i32x4.trunc_sat_f64x2_s_zero saturates). 2^q, a table lookup in JS, is built from its exponent bits:
// the same double. The fast path's T[j] (Note [float64 tanh fast path]) is read from the same table,
// which src/linear-wasm.ts copies into memory at EXP2_TABLE_ADDRESS, one 16-byte entry per lane (the
// index is masked to 0…255, so even a discarded lane reads inside the table); its `if` calls
// `$tanh2_accurate` for a pair only where a lane is undecided, as tanhF64 calls tanhAccurate.
// The constants are written as their bit patterns, so no decimal parsing stands
// between the JS literal and the WebAssembly constant. float32 arrays get tanhF32's values through
// `$tanh2_f32` (wasm/tanh-f32-wat.ts, Note [float32 tanh in WebAssembly]), whose undecided lanes fall
// back to `$tanh2` rounded once on store (f32x4.demote_f64x2_zero rounds to nearest even, as
// Math.fround does). test/unit/tanh-wasm.test.ts holds both loops to the JS functions.

import { EXP2_TABLE_ADDRESS } from '../src/exp2-table.js';
import { TANH_FAST_PATH } from '../src/tanh.js';
import { type WatBody, tanhF32Body } from './tanh-f32-wat.js';
import { f64x2Const } from './wat-const.js';

// The constants of src/tanh.ts and src/exp-reduced.ts, spelled as there (the same JS literals).
const SATURATED = 22;
const LINEAR = 2 ** -27;
const R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931;
const L2U = 0.69314718055966295651160180568695068359375;
const L2L = 0.28235290563031577122588448175013436025525412068e-12;
const SPLIT = 134217729;
const C6 = 0.1666666666666666574;
// The fast path's constants (Note [float64 tanh fast path]), taken from src/tanh.ts itself
const { EXP2_STEPS, C_HI, C_LO, MARGIN, TAYLOR } = TANH_FAST_PATH;
const [T3, T4, T5, T6] = TAYLOR;

/** A straight-line body of local.set statements over v128 locals, with JS's operators as helpers. */
class Body {
  readonly locals = new Set<string>();
  readonly lines: string[] = [];

  set(name: string, value: string): string {
    this.locals.add(name);
    this.lines.push(`    (local.set $${name} ${value})`);
    return `(local.get $${name})`;
  }
}

const add = (a: string, b: string): string => `(f64x2.add ${a} ${b})`;
const sub = (a: string, b: string): string => `(f64x2.sub ${a} ${b})`;
const mul = (a: string, b: string): string => `(f64x2.mul ${a} ${b})`;
const div = (a: string, b: string): string => `(f64x2.div ${a} ${b})`;
const neg = (a: string): string => `(f64x2.neg ${a})`;
const k = f64x2Const;

/** Veltkamp's split of a value into high and low halves, as local reads: [hi, lo]. */
type Split = readonly [string, string];

/** The split of productError's first lines (sa = SPLIT·a, ah = sa − (sa − a), al = a − ah). */
function split(body: Body, tag: string, a: string): Split {
  const sa = body.set(`${tag}_sa`, mul(k(SPLIT), a));
  const ah = body.set(`${tag}_ah`, sub(sa, sub(sa, a)));
  return [ah, body.set(`${tag}_al`, sub(a, ah))];
}

/** The split of a constant, evaluated here by the same JS operations: the same two doubles. */
function splitConstant(a: number): Split {
  const sa = SPLIT * a;
  const ah = sa - (sa - a);
  return [k(ah), k(a - ah)];
}

/**
 * productError(a, b, p) of src/exp-reduced.ts: ah·bh − p + ah·bl + al·bh + al·bl, left to right.
 * A split is a pure function of its operand, so an operand met in several products (s, s², t, the
 * constant 1/6) is split once and its halves reused: the same values, fewer operations.
 */
function productError(body: Body, tag: string, a: string | Split, b: string | Split, p: string): string {
  const [ah, al] = typeof a === 'string' ? split(body, `${tag}a`, a) : a;
  const [bh, bl] = typeof b === 'string' ? split(body, `${tag}b`, b) : b;
  return body.set(`${tag}_pe`, add(add(add(sub(mul(ah, bh), p), mul(ah, bl)), mul(al, bh)), mul(al, bl)));
}

/** residual(a, r) of src/tanh.ts: 1 − p − productError(a, r, p) with p = a·r. */
function residual(body: Body, tag: string, a: string, r: string | Split, rValue: string): string {
  const p = body.set(`${tag}_p`, mul(a, rValue));
  const pe = productError(body, tag, a, r, p);
  return body.set(`${tag}_res`, sub(sub(k(1), p), pe));
}

/** rint(u) of src/exp-reduced.ts: r = floor(u + 0.5), minus 1 where r − u = 0.5 and r is odd. */
function rint(body: Body, value: string): string {
  const u = body.set('ri_u', value);
  const r = body.set('ri_r', `(f64x2.floor ${add(u, k(0.5))})`);
  const half = body.set('ri_half', mul(r, k(0.5)));
  // r % 2 !== 0 for an integer r ⇔ r/2 (exact) is not an integer
  const odd = `(f64x2.ne ${half} (f64x2.floor ${half}))`;
  const tie = `(f64x2.eq ${sub(r, u)} ${k(0.5)})`;
  return body.set('ri_out', `(v128.bitselect ${sub(r, k(1))} ${r} (v128.and ${tie} ${odd}))`);
}

/**
 * reducedExp(x) of src/exp-reduced.ts on both lanes: returns [dq, hi, lo] as local reads, with
 * e^x = 2^dq·(hi + lo).
 */
function reducedExp(body: Body, x: string): [string, string, string] {
  const dq = rint(body, mul(x, k(R_LN2)));
  body.set('dq', dq);
  let b = body.set('b', mul(dq, k(-L2U)));
  let sum = body.set('sum', add(x, b));
  let v = body.set('v', sub(sum, x));
  let sy = body.set('sy', add(sub(x, sub(sum, v)), sub(b, v)));
  let sx = body.set('sx', sum);
  b = body.set('b', mul(dq, k(-L2L)));
  sum = body.set('sum', add(sx, b));
  v = body.set('v', sub(sum, sx));
  sy = body.set('sy', add(add(sub(sx, sub(sum, v)), sub(b, v)), sy));
  sx = body.set('sx', sum);
  // s², s⁴ as double-doubles, s⁸
  const s2x = body.set('s2x', mul(sx, sx));
  const sxSplit = split(body, 'sx', sx);
  const s2y = body.set('s2y', add(mul(add(sx, sx), sy), productError(body, 'e1', sxSplit, sxSplit, s2x)));
  const s4x = body.set('s4x', mul(s2x, s2x));
  const s2xSplit = split(body, 's2x', s2x);
  const s4y = body.set('s4y', add(mul(add(s2x, s2x), s2y), productError(body, 'e2', s2xSplit, s2xSplit, s4x)));
  const s8 = body.set('s8', mul(s4x, s4x));
  // P(s) by Estrin's scheme, the literals of src/exp-reduced.ts
  const c98 = body.set('c98', add(mul(sx, k(0.1602472219709932072e-9)), k(0.2092255183563157007e-8)));
  const c7654 = body.set(
    'c7654',
    add(
      mul(s2x, add(mul(sx, k(0.2505230023782644465e-7)), k(0.2755724800902135303e-6))),
      add(mul(sx, k(0.2755731892386044373e-5)), k(0.2480158735605815065e-4)),
    ),
  );
  const c3210 = body.set(
    'c3210',
    add(
      mul(s2x, add(mul(sx, k(0.1984126984148071858e-3)), k(0.1388888888886763255e-2))),
      add(mul(sx, k(0.8333333333333347095e-2)), k(0.4166666666666669905e-1)),
    ),
  );
  const poly = body.set('poly', add(mul(s8, c98), add(mul(s4x, c7654), c3210)));
  // t = 0.5 + s/6, then t = 1 + t·s twice, then t + s⁴·P(s)
  let m = body.set('m', mul(sx, k(C6)));
  let my = body.set('my', add(mul(sy, k(C6)), productError(body, 'e3', sxSplit, splitConstant(C6), m)));
  let a = body.set('a', add(k(0.5), m));
  let tx = body.set('tx', a);
  let ty = body.set('ty', add(add(sub(k(0.5), a), m), my));
  for (let i = 0; i < 2; i++) {
    m = body.set('m', mul(tx, sx));
    my = body.set('my', add(mul(tx, sy), add(mul(ty, sx), productError(body, `e4${i}`, tx, sxSplit, m))));
    a = body.set('a', add(k(1), m));
    ty = body.set('ty', add(add(sub(k(1), a), m), my));
    tx = body.set('tx', a);
  }
  m = body.set('m', mul(s4x, poly));
  my = body.set('my', add(mul(s4y, poly), productError(body, 'e5', s4x, poly, m)));
  a = body.set('a', add(tx, m));
  ty = body.set('ty', add(add(add(sub(tx, a), m), ty), my));
  tx = body.set('tx', a);
  return ['(local.get $dq)', tx, ty];
}

/**
 * tanhF64's returns around its evaluation: x < 0 ? −value : value; then |x| < 2⁻²⁷ → x; then
 * !(|x| ≤ 22) → NaN ? x : ±1, as lane selects (the evaluation ran on every lane; discarded where selected away).
 */
function finish(body: Body, x: string, y: string, value: string): string {
  const signed = body.set('signed', `(v128.bitselect ${neg(value)} ${value} (f64x2.lt ${x} ${k(0)}))`);
  const small = body.set('small', `(v128.bitselect ${x} ${signed} (f64x2.lt ${y} ${k(LINEAR)}))`);
  const saturated = `(v128.bitselect ${x} (v128.bitselect ${k(1)} ${k(-1)} (f64x2.gt ${x} ${k(0)})) (f64x2.ne ${x} ${x}))`;
  return body.set('y', `(v128.bitselect ${small} ${saturated} (f64x2.le ${y} ${k(SATURATED)}))`);
}

/** tanhAccurate (src/tanh.ts) on the two lanes of local $x, leaving the result in local $y. */
function accurateBody(): Body {
  const body = new Body();
  const x = '(local.get $x)';
  const y = body.set('ay', `(f64x2.abs ${x})`);
  const [dq, hi, lo] = reducedExp(body, y);
  // 2^dq from its exponent bits (dq ∈ [0, 32] on every lane that is kept)
  const scale = body.set(
    'scale',
    `(i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero ${dq})) (v128.const i64x2 1023 1023)) (i32.const 52))`,
  );
  const dx = body.set('dx', mul(hi, scale));
  const dy = body.set('dy', mul(lo, scale));
  // e = 1/d (ddrec)
  const r = body.set('r', div(k(1), dx));
  const ex = r;
  const ey = body.set('ey', mul(r, add(mul(neg(dy), r), residual(body, 'q1', dx, r, r))));
  // n = d − e, m = d + e
  let sum = body.set('sum', sub(dx, ex));
  let v = body.set('v', sub(sum, dx));
  const nx = body.set('nx', sum);
  const ny = body.set('ny', add(add(sub(dx, sub(sum, v)), sub(neg(ex), v)), sub(dy, ey)));
  sum = body.set('sum', add(dx, ex));
  v = body.set('v', sub(sum, dx));
  const mx = body.set('mx', sum);
  const mLow = body.set('mlow', add(add(sub(dx, sub(sum, v)), sub(ex, v)), add(dy, ey)));
  // n / m, rounded once
  const t = body.set('t', div(k(1), mx));
  const q = body.set('q', mul(nx, t));
  const tSplit = split(body, 't', t);
  const w = productError(body, 'q2', tSplit, nx, q);
  const z = body.set('z', add(mul(neg(mLow), t), residual(body, 'q3', mx, tSplit, t)));
  finish(body, x, y, body.set('res', add(q, add(mul(q, z), add(mul(ny, t), w)))));
  return body;
}

/** One lane's 16-byte table entry [hi, lo] of 2^(j/256), j the lane's index into the table at byte 0. */
function tableEntry(index: string, lane: 0 | 1): string {
  return `(v128.load offset=${EXP2_TABLE_ADDRESS} (i32x4.extract_lane ${lane} ${index}))`;
}

/**
 * tanhF64 (Note [float64 tanh fast path], src/tanh.ts) on the two lanes of local $x: the fast
 * evaluation in straight line, then `$tanh2_accurate` on the pair only where a lane is undecided.
 * T[k mod 256] is two loads (one per lane) of its 16-byte [hi, lo] entry and two shuffles into the
 * hi and lo vectors; 2^⌊k/256⌋ is built from its exponent bits, the same double as POW2_NEGATIVE's.
 */
function tanhF64Body(): WatBody {
  const body = new Body();
  const x = '(local.get $x)';
  const y = body.set('ay', `(f64x2.abs ${x})`);
  const u = body.set('u', mul(k(-2), y));
  const kf = body.set('kf', `(f64x2.floor ${add(mul(u, k(EXP2_STEPS)), k(0.5))})`);
  const ki = body.set('ki', `(i32x4.trunc_sat_f64x2_s_zero ${kf})`);
  const index = body.set('index', `(i32x4.shl (v128.and ${ki} (v128.const i32x4 255 255 255 255)) (i32.const 4))`);
  const entry0 = body.set('entry0', tableEntry(index, 0));
  const entry1 = body.set('entry1', tableEntry(index, 1));
  const th = body.set('th', `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${entry0} ${entry1})`);
  const tl = body.set('tl', `(i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 ${entry0} ${entry1})`);
  const scale = body.set(
    'scale',
    `(i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.shr_s ${ki} (i32.const 8))) (v128.const i64x2 1023 1023)) (i32.const 52))`,
  );
  const sh = body.set('sh', sub(u, mul(kf, k(C_HI))));
  const sl = body.set('sl', mul(neg(kf), k(C_LO)));
  const poly = add(k(0.5), mul(sh, add(k(T3), mul(sh, add(k(T4), mul(sh, add(k(T5), mul(sh, k(T6)))))))));
  const ml = body.set('ml', add(mul(sl, add(k(1), sh)), mul(mul(sh, sh), poly)));
  const p0 = body.set('p0', mul(th, sh));
  const pl = body.set('pl', mul(productError(body, 'f1', th, sh, p0), scale));
  const ph = body.set('ph', mul(p0, scale));
  const big = body.set('big', mul(th, scale));
  const a = body.set('a', sub(big, k(1)));
  const aLow = body.set('alow', sub(big, add(a, k(1))));
  const w1 = body.set('w1', add(a, ph));
  const e1 = body.set('e1', sub(ph, sub(w1, a)));
  const t3 = body.set('t3', mul(big, ml));
  const wh = body.set('wh', add(w1, t3));
  const e2 = body.set('e2', sub(t3, sub(wh, w1)));
  const wl = body.set('wl', add(add(add(add(e1, e2), aLow), pl), mul(mul(tl, scale), add(k(1), sh))));
  const dh = body.set('dh', add(k(2), wh));
  const dl = body.set('dl', add(sub(wh, sub(dh, k(2))), wl));
  const r = body.set('r', div(k(1), dh));
  const q1 = body.set('q1', mul(neg(wh), r));
  const p = body.set('q1dh', mul(q1, dh));
  const pe = productError(body, 'f2', q1, dh, p);
  const q2 = body.set('q2', mul(sub(sub(sub(sub(neg(wh), p), pe), wl), mul(q1, dl)), r));
  const bound = body.set('bound', mul(q1, k(MARGIN)));
  const low = body.set('low', add(q1, sub(q2, bound)));
  const special = `(v128.or (f64x2.lt ${y} ${k(LINEAR)}) (v128.not (f64x2.le ${y} ${k(SATURATED)})))`;
  const decided = body.set('decided', `(v128.or (f64x2.eq ${low} ${add(q1, add(q2, bound))}) ${special})`);
  const fast = finish(body, x, y, low);
  const result = `(if (result v128) (i8x16.all_true ${decided}) (then ${fast}) (else (v128.bitselect ${fast} (call $tanh2_accurate ${x}) ${decided})))`;
  return { locals: [...body.locals], lines: body.lines, result };
}

/**
 * Every distinct v128.const of `body` read from a local set once, before the caller's loop: V8
 * materialises a 128-bit constant through a general register at each use, several instructions where
 * a register or stack slot read is one. The values are the same, so the results are too.
 */
function hoistConstants(body: WatBody, prefix: string): { body: WatBody; setup: string[] } {
  const constants = new Map<string, string>();
  const rename = (text: string): string =>
    text.replace(/\(v128\.const i64x2 [0-9a-fx]+ [0-9a-fx]+\)/g, (constant) => {
      let name = constants.get(constant);
      if (name === undefined) {
        name = `${prefix}${constants.size}`;
        constants.set(constant, name);
      }
      return `(local.get $${name})`;
    });
  const lines = body.lines.map(rename);
  const result = rename(body.result);
  const setup = [...constants].map(([constant, name]) => `  (local.set $${name} ${constant})`);
  return { body: { locals: [...body.locals, ...constants.values()], lines, result }, setup };
}

function localDeclarations(names: Iterable<string>): string {
  return [...names].map((name) => `(local $${name} v128)`).join(' ');
}

/** A function `(param $x v128) (result v128)` evaluating `body` once. */
function pairFunction(name: string, body: WatBody): string {
  return [
    `(func ${name} (param $x v128) (result v128)`,
    `  (local $y v128) ${localDeclarations(body.locals.filter((local) => local !== 'y'))}`,
    ...body.lines.map((line) => line.slice(2)),
    `  ${body.result})`,
  ].join('\n');
}

/**
 * tanh_T(p, n): tanh in place over n values of dtype T at byte address p, two per vector with the
 * evaluation written into the loop (constants hoisted out of it), a last odd value through the
 * function. With `addend`, add_tanh_T(p, q, n): p[i] = tanh(p[i] + q[i]), the sum rounded to T first,
 * as the Elman step stores it before the activation reads it (src/rnn.ts activateStep): f32x4.add is
 * float32's rounded sum, which JS's float64 sum then stored to a Float32Array equals (two float32
 * operands: float64 has more than 2·24 + 2 bits, so the double rounding is innocuous).
 */
function tanhLoop(dtype: 'f64' | 'f32', addend: boolean): string {
  const size = dtype === 'f64' ? 8 : 4;
  const lines: string[] = [];
  // a pair of values as f64x2 (summed first with `addend`), and back
  const loadPair =
    dtype === 'f64'
      ? addend
        ? '(f64x2.add (v128.load (local.get $p)) (v128.load (local.get $addend)))'
        : '(v128.load (local.get $p))'
      : `(f64x2.promote_low_f32x4 ${addend ? '(f32x4.add (v128.load64_zero (local.get $p)) (v128.load64_zero (local.get $addend)))' : '(v128.load64_zero (local.get $p))'})`;
  const storePair = (value: string): string =>
    dtype === 'f64' ? `(v128.store (local.get $p) ${value})` : `(v128.store64_lane 0 (local.get $p) (f32x4.demote_f64x2_zero ${value}))`;
  const one = (type: 'f64' | 'f32'): string =>
    addend ? `(${type}.add (${type}.load (local.get $p)) (${type}.load (local.get $addend)))` : `(${type}.load (local.get $p))`;
  const loadOne = dtype === 'f64' ? `(f64x2.splat ${one('f64')})` : `(f64x2.splat (f64.promote_f32 ${one('f32')}))`;
  const storeOne = (value: string): string =>
    dtype === 'f64'
      ? `(f64.store (local.get $p) (f64x2.extract_lane 0 ${value}))`
      : `(f32.store (local.get $p) (f32.demote_f64 (f64x2.extract_lane 0 ${value})))`;
  const { body, setup } = hoistConstants(dtype === 'f64' ? tanhF64Body() : tanhF32Body(), 'c');
  const name = `${addend ? 'add_' : ''}tanh_${dtype}`;
  lines.push(`(func $${name} (export "${name}") (param $p i32) ${addend ? '(param $addend i32) ' : ''}(param $n i32)`);
  lines.push(`  (local $end i32) (local $x v128) (local $y v128) ${localDeclarations(body.locals.filter((local) => local !== 'y'))}`);
  lines.push(...setup);
  lines.push(`  (local.set $end (i32.add (local.get $p) (i32.mul (i32.and (local.get $n) (i32.const -2)) (i32.const ${size}))))`);
  lines.push('  (block $done (loop $pairs');
  lines.push('    (br_if $done (i32.ge_u (local.get $p) (local.get $end)))');
  lines.push(`    (local.set $x ${loadPair})`);
  lines.push(...body.lines.map((line) => `  ${line}`));
  lines.push(`    ${storePair(body.result)}`);
  lines.push(`    (local.set $p (i32.add (local.get $p) (i32.const ${2 * size})))`);
  if (addend) lines.push(`    (local.set $addend (i32.add (local.get $addend) (i32.const ${2 * size})))`);
  lines.push('    (br $pairs)))');
  lines.push(`  (if (i32.and (local.get $n) (i32.const 1)) (then ${storeOne(`(call ${dtype === 'f64' ? '$tanh2' : '$tanh2_f32'} ${loadOne})`)}))`);
  lines.push(')');
  return lines.join('\n');
}

/** `$tanh2_accurate`, `$tanh2` and `$tanh2_f32` (v128 → v128, internal) and the array loops of {@link tanhLoop}. */
export function tanhWat(): string {
  const accurate = accurateBody();
  const lines: string[] = [
    pairFunction('$tanh2_accurate', { locals: [...accurate.locals], lines: accurate.lines, result: '(local.get $y)' }),
    pairFunction('$tanh2', tanhF64Body()),
    pairFunction('$tanh2_f32', tanhF32Body()),
  ];
  for (const dtype of ['f64', 'f32'] as const) {
    for (const addend of [false, true]) lines.push(tanhLoop(dtype, addend));
  }
  return lines.join('\n');
}
