// WebAssembly text for exact constants: a double written by its bits, so no decimal parsing stands
// between a JS literal and the constant the module computes with.

const f64Scratch = new Float64Array(1);
const u64Scratch = new BigUint64Array(f64Scratch.buffer);

/** An f64x2 constant with `value` in both lanes, written by its bits. */
export function f64x2Const(value: number): string {
  f64Scratch[0] = value;
  const bits = `0x${u64Scratch[0]!.toString(16).padStart(16, '0')}`;
  return `(v128.const i64x2 ${bits} ${bits})`;
}
