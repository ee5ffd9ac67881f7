// The WebAssembly text of the SIMD affine-map kernels (src/linear-wasm.ts drives them). Generated
// rather than hand-written because the float32 and float64 kernels differ only in how x is loaded
// and out is stored, and the 4×4 register block is 16 near-identical lines per step.
//
// Rounding model (Note [float32 accumulation], src/kernels.ts): every dot product is summed k = 0…K−1
// in order, in float64, starting from +0, then the bias is added, then the sum is rounded once on
// store (f32.demote_f64 is round-to-nearest-even, as a store into a Float32Array). The f64x2 lanes
// hold two *different* output units, never two halves of one sum, so vectorising does not reorder
// any sum and each stored value equals the JS kernel's bit for bit. There is no FMA: f64x2.mul and
// f64x2.add each round, as `s += a * b` does in JS.
//
// The third kernel, linear_f32acc, is the opt-in float32-accumulating fast path (Note [float32 fast
// path], src/accumulation.ts): the same loop with f32x4 lanes, Wᵀ and the bias stored as float32,
// every multiply and add rounded to float32 (f32x4.mul, f32x4.add; still no FMA), sums in k order.
// Its lanes are again four different output units, so it equals its JS reference bit for bit.

import { reluWat } from './relu-wat.js';
import { tanhWat } from './tanh-wat.js';

/** `f32`/`f64`: float64 accumulation of float32/float64 operands; `f32acc`: float32 accumulation. */
export type KernelDType = 'f32' | 'f64' | 'f32acc';

/**
 * Block: 4 rows × 2 vectors of units = 8 accumulators, 2 weight vectors and 1 splat live per k (11 of
 * x64's 16 xmm): 4 rows × 4 units with f64x2 lanes, 4 rows × 8 units with f32x4 lanes.
 */
const ROWS = 4;
const PAIRS = 2;

function kernel(dtype: KernelDType): string {
  const size = dtype === 'f64' ? 8 : 4;
  const wide = dtype === 'f32acc' ? 'f32x4' : 'f64x2';
  const lanes = dtype === 'f32acc' ? 4 : 2;
  // bytes per weight / bias element, as prepared by src/linear-wasm.ts, and per packed x element
  const wSize = dtype === 'f32acc' ? 4 : 8;
  // one k of a unit block in Wᵀ: 2 vectors
  const blockBytes = 32;
  const splat = dtype === 'f32acc' ? 'v128.load32_splat' : 'v128.load64_splat';
  // x as packed: float32 promoted to float64 once here (exact), not once per unit block in the k loop
  const loadX = (ptr: string): string =>
    dtype === 'f32' ? `(f64.promote_f32 (f32.load (local.get ${ptr})))` : `(${dtype === 'f64' ? 'f64' : 'f32'}.load (local.get ${ptr}))`;
  const storePacked = (r: number, value: string): string =>
    `(${dtype === 'f32acc' ? 'f32' : 'f64'}.store offset=${r * wSize} (local.get $pp) ${value})`;
  const acc = (r: number, p: number): string => `$a${r}${p}`;
  const lines: string[] = [];
  const emit = (line: string): void => void lines.push(line);

  // linear_T(out, x, wt, bias, rows, units, features, ldo, pack)
  //   x (rows, features) of T, readable up to the next multiple of 4 rows (those rows' results are dropped);
  //   wt = Wᵀ in unit blocks (Note [linear layout], src/linear-wasm.ts): block b, units 4b…4b+3 (8b…8b+7
  //   for f32acc), is features × 32 bytes from wt + b·features·32, f64 (f32 for f32acc);
  //   bias (units padded,) f64 (f32 for f32acc), zeros standing for "no bias" (s + 0 = s for every sum s
  //   here: a sum started at +0 is never −0);
  //   out (rows, ·) of T with rows ldo elements apart, only in-range values stored;
  //   pack: scratch for one 4-row block of x, k-major (features × 4 elements of wSize bytes).
  //   A caller may pass a panel of unit blocks (wt, bias and out advanced to its first unit, `units` its
  //   width) so that the panel of Wᵀ stays in cache across all rows: each sum still runs k = 0…K−1, so
  //   the values are the same.
  emit(`(func $linear_${dtype} (export "linear_${dtype}")`);
  emit(`  (param $out i32) (param $x i32) (param $wt i32) (param $bias i32)`);
  emit(`  (param $rows i32) (param $units i32) (param $features i32) (param $ldo i32) (param $pack i32)`);
  emit(`  (local $r0 i32) (local $i0 i32) (local $k i32) (local $xStride i32) (local $pwBlock i32) (local $blockStride i32)`);
  emit(`  (local $px0 i32) (local $px1 i32) (local $px2 i32) (local $px3 i32) (local $pw i32) (local $pp i32) (local $po i32)`);
  emit(`  ${Array.from({ length: PAIRS }, (_, p) => `(local $w${p} v128)`).join(' ')} (local $s v128) (local $b v128)`);
  for (let r = 0; r < ROWS; r++) for (let p = 0; p < PAIRS; p++) emit(`  (local ${acc(r, p)} v128)`);
  emit(`  (local.set $xStride (i32.mul (local.get $features) (i32.const ${size})))`);
  emit(`  (local.set $blockStride (i32.mul (local.get $features) (i32.const ${blockBytes})))`);
  emit(`  (local.set $r0 (i32.const 0))`);
  emit(`  (block $rowsDone (loop $rowLoop`);
  emit(`    (br_if $rowsDone (i32.ge_s (local.get $r0) (local.get $rows)))`);
  // pack the 4 rows k-major: the inner loop then reads x at constant offsets from one pointer
  emit(`    (local.set $px0 (i32.add (local.get $x) (i32.mul (local.get $r0) (local.get $xStride))))`);
  emit(`    (local.set $px1 (i32.add (local.get $px0) (local.get $xStride)))`);
  emit(`    (local.set $px2 (i32.add (local.get $px1) (local.get $xStride)))`);
  emit(`    (local.set $px3 (i32.add (local.get $px2) (local.get $xStride)))`);
  emit(`    (local.set $pp (local.get $pack))`);
  emit(`    (local.set $k (local.get $features))`);
  emit(`    (block $packDone (loop $packLoop`);
  emit(`      (br_if $packDone (i32.eqz (local.get $k)))`);
  for (let r = 0; r < ROWS; r++) emit(`      ${storePacked(r, loadX(`$px${r}`))}`);
  for (let r = 0; r < ROWS; r++) emit(`      (local.set $px${r} (i32.add (local.get $px${r}) (i32.const ${size})))`);
  emit(`      (local.set $pp (i32.add (local.get $pp) (i32.const ${ROWS * wSize})))`);
  emit(`      (local.set $k (i32.sub (local.get $k) (i32.const 1)))`);
  emit(`      (br $packLoop)))`);
  emit(`    (local.set $i0 (i32.const 0))`);
  emit(`    (local.set $pwBlock (local.get $wt))`);
  emit(`    (block $unitsDone (loop $unitLoop`);
  emit(`      (br_if $unitsDone (i32.ge_s (local.get $i0) (local.get $units)))`);
  for (let r = 0; r < ROWS; r++) for (let p = 0; p < PAIRS; p++) emit(`      (local.set ${acc(r, p)} (v128.const i64x2 0 0))`);
  emit(`      (local.set $pw (local.get $pwBlock))`);
  emit(`      (local.set $pp (local.get $pack))`);
  emit(`      (local.set $k (local.get $features))`);
  // k in order. Not unrolled: V8 (TurboFan) then hoists the loads of every unrolled k and spills
  // accumulators, measured 8–25% slower for two and four k per pass.
  emit(`      (block $kDone (loop $kLoop`);
  emit(`        (br_if $kDone (i32.eqz (local.get $k)))`);
  for (let p = 0; p < PAIRS; p++) emit(`        (local.set $w${p} (v128.load offset=${16 * p} (local.get $pw)))`);
  for (let r = 0; r < ROWS; r++) {
    emit(`        (local.set $s (${splat} offset=${r * wSize} (local.get $pp)))`);
    for (let p = 0; p < PAIRS; p++) {
      emit(`        (local.set ${acc(r, p)} (${wide}.add (local.get ${acc(r, p)}) (${wide}.mul (local.get $s) (local.get $w${p}))))`);
    }
  }
  emit(`        (local.set $pw (i32.add (local.get $pw) (i32.const ${blockBytes})))`);
  emit(`        (local.set $pp (i32.add (local.get $pp) (i32.const ${ROWS * wSize})))`);
  emit(`        (local.set $k (i32.sub (local.get $k) (i32.const 1)))`);
  emit(`        (br $kLoop)))`);
  // bias last, as the JS kernel adds it after the dot product
  for (let p = 0; p < PAIRS; p++) {
    emit(`      (local.set $b (v128.load offset=${16 * p} (i32.add (local.get $bias) (i32.mul (local.get $i0) (i32.const ${wSize})))))`);
    for (let r = 0; r < ROWS; r++) emit(`      (local.set ${acc(r, p)} (${wide}.add (local.get ${acc(r, p)}) (local.get $b)))`);
  }
  // stores, each guarded: rows past `rows` and units past `units` are padding
  for (let r = 0; r < ROWS; r++) {
    emit(`      (if (i32.lt_s (i32.add (local.get $r0) (i32.const ${r})) (local.get $rows)) (then`);
    emit(
      `        (local.set $po (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (i32.add (local.get $r0) (i32.const ${r})) (local.get $ldo)) (local.get $i0)) (i32.const ${size}))))`,
    );
    for (let p = 0; p < PAIRS; p++) {
      for (let lane = 0; lane < lanes; lane++) {
        const u = lanes * p + lane;
        const value = `(${wide}.extract_lane ${lane} (local.get ${acc(r, p)}))`;
        const store =
          dtype === 'f32acc'
            ? `(f32.store offset=${u * 4} (local.get $po) ${value})`
            : dtype === 'f32'
              ? `(f32.store offset=${u * 4} (local.get $po) (f32.demote_f64 ${value}))`
              : `(f64.store offset=${u * 8} (local.get $po) ${value})`;
        emit(`        (if (i32.lt_s (i32.add (local.get $i0) (i32.const ${u})) (local.get $units)) (then ${store}))`);
      }
    }
    emit(`      ))`);
  }
  emit(`      (local.set $i0 (i32.add (local.get $i0) (i32.const ${lanes * PAIRS})))`);
  emit(`      (local.set $pwBlock (i32.add (local.get $pwBlock) (local.get $blockStride)))`);
  emit(`      (br $unitLoop)))`);
  emit(`    (local.set $r0 (i32.add (local.get $r0) (i32.const ${ROWS})))`);
  emit(`    (br $rowLoop)))`);
  emit(`)`);
  return lines.join('\n');
}

/**
 * outer_T: the weight gradient of an affine map, ∂W = ∂Yᵀ·X without transposing either operand
 * (src/gradient-products.ts drives it): out[i, k] = Σ_{r=0…rows−1} g[r, i]·p[r, k], summed in r order
 * in float64 from +0 and rounded once on store, as the JS kernels do (Note [float32 accumulation]);
 * with `accumulate` ≠ 0 that rounded value is then added to out[i, k] (one more rounded add, autograd
 * adding a per-step gradient into the parameter's). Block: 4 values of i × 4 of k, f64x2 lanes along k.
 */
function outerKernel(dtype: 'f32' | 'f64'): string {
  const size = dtype === 'f32' ? 4 : 8;
  const acc = (r: number, p: number): string => `$a${r}${p}`;
  const loadP = (offset: number): string =>
    dtype === 'f32'
      ? `(f64x2.promote_low_f32x4 (v128.load64_zero offset=${offset * 8} (local.get $pp)))`
      : `(v128.load offset=${offset * 16} (local.get $pp))`;
  const loadG = (ri: number): string =>
    dtype === 'f32'
      ? `(f64x2.splat (f64.promote_f32 (f32.load offset=${ri * 4} (local.get $pg))))`
      : `(f64x2.splat (f64.load offset=${ri * 8} (local.get $pg)))`;
  const lines: string[] = [];
  const emit = (line: string): void => void lines.push(line);
  //   g (rows, ldg) and p (rows, ldp) of T, each readable 3 elements past its last row; out (M, K) of T.
  emit(`(func $outer_${dtype} (export "outer_${dtype}")`);
  emit(`  (param $out i32) (param $g i32) (param $p i32) (param $rows i32) (param $M i32) (param $K i32)`);
  emit(`  (param $ldg i32) (param $ldp i32) (param $accumulate i32)`);
  emit(`  (local $i0 i32) (local $k0 i32) (local $r i32) (local $pg i32) (local $pp i32) (local $po i32)`);
  emit(`  (local $gStride i32) (local $pStride i32) (local $p0 v128) (local $p1 v128) (local $s v128)`);
  for (let r = 0; r < ROWS; r++) for (let p = 0; p < PAIRS; p++) emit(`  (local ${acc(r, p)} v128)`);
  emit(`  (local.set $gStride (i32.mul (local.get $ldg) (i32.const ${size})))`);
  emit(`  (local.set $pStride (i32.mul (local.get $ldp) (i32.const ${size})))`);
  emit(`  (local.set $i0 (i32.const 0))`);
  emit(`  (block $iDone (loop $iLoop`);
  emit(`    (br_if $iDone (i32.ge_s (local.get $i0) (local.get $M)))`);
  emit(`    (local.set $k0 (i32.const 0))`);
  emit(`    (block $kDone (loop $kLoop`);
  emit(`      (br_if $kDone (i32.ge_s (local.get $k0) (local.get $K)))`);
  for (let r = 0; r < ROWS; r++) for (let p = 0; p < PAIRS; p++) emit(`      (local.set ${acc(r, p)} (v128.const i64x2 0 0))`);
  emit(`      (local.set $pg (i32.add (local.get $g) (i32.mul (local.get $i0) (i32.const ${size}))))`);
  emit(`      (local.set $pp (i32.add (local.get $p) (i32.mul (local.get $k0) (i32.const ${size}))))`);
  emit(`      (local.set $r (local.get $rows))`);
  emit(`      (block $rDone (loop $rLoop`);
  emit(`        (br_if $rDone (i32.eqz (local.get $r)))`);
  emit(`        (local.set $p0 ${loadP(0)})`);
  emit(`        (local.set $p1 ${loadP(1)})`);
  for (let ri = 0; ri < ROWS; ri++) {
    emit(`        (local.set $s ${loadG(ri)})`);
    for (let p = 0; p < PAIRS; p++) {
      emit(`        (local.set ${acc(ri, p)} (f64x2.add (local.get ${acc(ri, p)}) (f64x2.mul (local.get $s) (local.get $p${p}))))`);
    }
  }
  emit(`        (local.set $pg (i32.add (local.get $pg) (local.get $gStride)))`);
  emit(`        (local.set $pp (i32.add (local.get $pp) (local.get $pStride)))`);
  emit(`        (local.set $r (i32.sub (local.get $r) (i32.const 1)))`);
  emit(`        (br $rLoop)))`);
  for (let ri = 0; ri < ROWS; ri++) {
    emit(`      (if (i32.lt_s (i32.add (local.get $i0) (i32.const ${ri})) (local.get $M)) (then`);
    emit(
      `        (local.set $po (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (i32.add (local.get $i0) (i32.const ${ri})) (local.get $K)) (local.get $k0)) (i32.const ${size}))))`,
    );
    for (let p = 0; p < PAIRS; p++) {
      for (let lane = 0; lane < 2; lane++) {
        const u = 2 * p + lane;
        const sum = `(f64x2.extract_lane ${lane} (local.get ${acc(ri, p)}))`;
        const value = dtype === 'f32' ? `(f32.demote_f64 ${sum})` : sum;
        const store = `(${dtype}.store offset=${u * size} (local.get $po) (select (${dtype}.add (${dtype}.load offset=${u * size} (local.get $po)) ${value}) ${value} (local.get $accumulate)))`;
        emit(`        (if (i32.lt_s (i32.add (local.get $k0) (i32.const ${u})) (local.get $K)) (then ${store}))`);
      }
    }
    emit(`      ))`);
  }
  emit(`      (local.set $k0 (i32.add (local.get $k0) (i32.const 4)))`);
  emit(`      (br $kLoop)))`);
  emit(`    (local.set $i0 (i32.add (local.get $i0) (i32.const ${ROWS})))`);
  emit(`    (br $iLoop)))`);
  emit(`)`);
  return lines.join('\n');
}

/** The whole module: one exported, growable memory, the five affine-map kernels, tanh (wasm/tanh-wat.ts) and add_relu (wasm/relu-wat.ts). */
export function linearWat(): string {
  return [
    '(module',
    '(memory (export "memory") 1)',
    kernel('f32'),
    kernel('f64'),
    kernel('f32acc'),
    outerKernel('f32'),
    outerKernel('f64'),
    tanhWat(),
    reluWat(),
    ')',
    '',
  ].join('\n');
}
