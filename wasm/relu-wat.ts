// The WebAssembly text of add_relu_T(p, q, n): p[i] = relu(p[i] + q[i]) over n values of dtype T at
// byte addresses p and q, the sum rounded to T first, as the Elman step stores it before its
// activation reads it (src/rnn.ts activateStep, reluInPlace): a value below zero becomes +0, and
// anything else (NaN, −0, a positive value) is kept, as `if (v < 0) v = 0` keeps it. f32x4.add is
// float32's rounded sum, which JS's float64 sum stored into a Float32Array equals (Note in
// wasm/tanh-wat.ts, tanhLoop). Four float32 or two float64 values per vector, the rest one at a time.

/** add_relu_f64 and add_relu_f32. */
export function reluWat(): string {
  const lines: string[] = [];
  for (const dtype of ['f64', 'f32'] as const) {
    const size = dtype === 'f64' ? 8 : 4;
    const wide = dtype === 'f64' ? 'f64x2' : 'f32x4';
    const lanes = 16 / size;
    lines.push(`(func $add_relu_${dtype} (export "add_relu_${dtype}") (param $p i32) (param $q i32) (param $n i32)`);
    lines.push(`  (local $end i32) (local $v v128) (local $s ${dtype})`);
    lines.push(`  (local.set $end (i32.add (local.get $p) (i32.mul (i32.and (local.get $n) (i32.const ${-lanes})) (i32.const ${size}))))`);
    lines.push('  (block $done (loop $vectors');
    lines.push('    (br_if $done (i32.ge_u (local.get $p) (local.get $end)))');
    lines.push(`    (local.set $v (${wide}.add (v128.load (local.get $p)) (v128.load (local.get $q))))`);
    lines.push(
      `    (v128.store (local.get $p) (v128.bitselect (v128.const i64x2 0 0) (local.get $v) (${wide}.lt (local.get $v) (v128.const i64x2 0 0))))`,
    );
    lines.push(`    (local.set $p (i32.add (local.get $p) (i32.const 16)))`);
    lines.push(`    (local.set $q (i32.add (local.get $q) (i32.const 16)))`);
    lines.push('    (br $vectors)))');
    lines.push(`  (local.set $end (i32.add (local.get $end) (i32.mul (i32.and (local.get $n) (i32.const ${lanes - 1})) (i32.const ${size}))))`);
    lines.push('  (block $restDone (loop $rest');
    lines.push('    (br_if $restDone (i32.ge_u (local.get $p) (local.get $end)))');
    lines.push(`    (local.set $s (${dtype}.add (${dtype}.load (local.get $p)) (${dtype}.load (local.get $q))))`);
    lines.push(`    (${dtype}.store (local.get $p) (select (${dtype}.const 0) (local.get $s) (${dtype}.lt (local.get $s) (${dtype}.const 0))))`);
    lines.push(`    (local.set $p (i32.add (local.get $p) (i32.const ${size})))`);
    lines.push(`    (local.set $q (i32.add (local.get $q) (i32.const ${size})))`);
    lines.push('    (br $rest)))');
    lines.push(')');
  }
  return lines.join('\n');
}
