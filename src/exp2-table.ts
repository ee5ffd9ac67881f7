// 2^(j/256) for j = 0 … 255 as double-doubles: the table of tanh's fast path (Note [float64 tanh fast
// path], src/tanh.ts), here and in WebAssembly memory (src/linear-wasm.ts copies it in).

/** Entries of the table: eᵘ is reduced by ln2/256, so the remainder's polynomial is short. */
export const EXP2_TABLE_SIZE = 256;

/** Fractional bits of the fixed-point computation: far past the 106 bits a double-double holds. */
const BITS = 160n;

/** ⌊√v⌋ for a positive BigInt (Newton's iteration from above, which decreases to the floor). */
function integerSqrt(v: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(v.toString(2).length / 2));
  for (;;) {
    const next = (x + v / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

/**
 * The table as interleaved pairs [hi₀, lo₀, hi₁, lo₁, …]: hi = 2^(j/256) rounded to nearest, lo the
 * rest rounded to nearest. Computed in exact integer arithmetic (2^(1/256) by eight square roots, then
 * powers), so every engine builds the same doubles: BigInt operations are exact, and Number(bigint)
 * rounds to nearest even by the language's definition. Each root and product truncates at 2⁻¹⁶⁰, so
 * hi + lo is within 2⁻¹⁰⁶ of 2^(j/256) relative (test/unit/exp2-table.test.ts).
 */
function build(): Float64Array {
  const one = 1n << BITS;
  let root = 2n << BITS;
  for (let i = 0; i < 8; i++) root = integerSqrt(root << BITS);
  const table = new Float64Array(2 * EXP2_TABLE_SIZE);
  const scale = 2 ** Number(BITS);
  let power = one;
  for (let j = 0; j < EXP2_TABLE_SIZE; j++) {
    const hi = Number(power) / scale;
    table[2 * j] = hi;
    table[2 * j + 1] = Number(power - BigInt(hi * scale)) / scale;
    power = (power * root) >> BITS;
  }
  return table;
}

/** Where the WebAssembly module reads the table (src/linear-wasm.ts writes it there; its memory stack starts above). */
export const EXP2_TABLE_ADDRESS = 0;

/** [hi, lo] of 2^(j/256) at [2j, 2j + 1]. */
export const EXP2_TABLE: Float64Array = build();
