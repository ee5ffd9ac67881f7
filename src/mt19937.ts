// The MT19937 engine behind torch's CPU generator: init_genrand seeding, lazy twist, tempering, state snapshot.

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** A snapshot of an {@link MT19937} engine: the 624 state words and the read position. */
export interface MT19937State {
  /** The 32-bit seed the engine was initialised with. */
  readonly seed32: number;
  /** The 624 state words (a copy). */
  readonly words: Uint32Array;
  /** Draws left before the next twist (1..624); torch's `left_`. */
  readonly left: number;
  /** Index of the next word to temper (0..624); torch's `next_`. */
  readonly next: number;
}

/**
 * The 32-bit Mersenne Twister, stream-identical to C++ `std::mt19937(seed32)`.
 * Mirrors `at::mt19937` (aten/src/ATen/core/MT19937RNGEngine.h): seeding fills the state with
 * `init_genrand` and sets `left = 1`, so the first draw runs the twist over all 624 words.
 */
export class MT19937 {
  private readonly words = new Uint32Array(N);
  private left = 1;
  private next = 0;
  private seed = 0;

  /**
   * Seeds the engine with the low 32 bits of `seed32`.
   * @throws Error (BUG) when `seed32` is not a non-negative integer below 2**32.
   */
  constructor(seed32: number) {
    if (!Number.isInteger(seed32) || seed32 < 0 || seed32 > 0xffffffff) {
      throw new Error(`BUG: MT19937 seed must be a uint32, got ${seed32}`);
    }
    this.seed = seed32;
    const words = this.words;
    words[0] = seed32;
    for (let i = 1; i < N; i++) {
      const prev = words[i - 1]!;
      words[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  }

  /** The next tempered 32-bit output, as an integer in [0, 2**32). Mirrors `at::mt19937::operator()`. */
  nextUint32(): number {
    if (--this.left === 0) this.twist();
    let y = this.words[this.next++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A snapshot that {@link MT19937.setState} restores exactly. */
  getState(): MT19937State {
    return { seed32: this.seed, words: this.words.slice(), left: this.left, next: this.next };
  }

  /**
   * Restores a snapshot taken by {@link MT19937.getState} (or decoded from torch's state bytes).
   * @throws RangeError when the snapshot is inconsistent.
   */
  setState(state: MT19937State): void {
    const { seed32, words, left, next } = state;
    if (words.length !== N) throw new RangeError(`MT19937 state must hold ${N} words, got ${words.length}`);
    if (!Number.isInteger(seed32) || seed32 < 0 || seed32 > 0xffffffff) {
      throw new RangeError(`MT19937 seed must be a uint32, got ${seed32}`);
    }
    // A freshly seeded engine has left = 1, next = 0; after any draw left + next == N + 1. Anything
    // else would read past the state (torch's own is_valid() only bounds each field).
    const isFresh = left === 1 && next === 0;
    if (!Number.isInteger(left) || !Number.isInteger(next) || left < 1 || left > N || (!isFresh && left + next !== N + 1)) {
      throw new RangeError(`MT19937 state has an invalid position (left=${left}, next=${next})`);
    }
    this.words.set(words);
    this.seed = seed32;
    this.left = left;
    this.next = next;
  }

  private twist(): void {
    const words = this.words;
    for (let i = 0; i < N; i++) {
      const following = words[(i + 1) % N]!;
      const y = (words[i]! & UPPER_MASK) | (following & LOWER_MASK);
      words[i] = (words[(i + M) % N]! ^ (y >>> 1) ^ (following & 1 ? MATRIX_A : 0)) >>> 0;
    }
    this.left = N;
    this.next = 0;
  }
}
