// Target rng_state: getState / setState of the default and of an explicit Generator against torch.get_rng_state / set_rng_state (Generator.get_state / set_state): the 5056 state bytes bit for bit, the draws after restoring, and the errors for corrupted state.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, Generator, InitRounding } from '../../../src/index.js';
import { Tensor } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { type CanonicalTensor, canonicalInt, canonicalTensor } from '../canonical-value.js';
import { dtypeArg } from './module-kwargs.js';

/** A change to the saved state before it is restored: cut short, or one byte overwritten. */
export type StateMutation =
  | { readonly kind: 'truncate'; readonly length: number }
  | { readonly kind: 'offset'; readonly offset: number; readonly byte: number }
  /** A consistent read position: `left`, and `next = 625 − left`. */
  | { readonly kind: 'position'; readonly left: number }
  /** Both cached normal samples set valid (the double at 5024, the float at 5048), as a generator that drew normals leaves them. */
  | { readonly kind: 'normal-cache'; readonly double: number; readonly float: number };

/** Byte ranges of CPUGeneratorImplState's `left` (int32 at 8) and `next` (uint64 at 16). */
const LEFT_OFFSET = 8;
const NEXT_OFFSET = 16;
/** The normal-sample caches: normal_y (f64), normal_is_valid (i32), next_float_normal_sample (f32) and its valid flag. */
const NORMAL_Y_OFFSET = 5024;
const NORMAL_VALID_OFFSET = 5040;
const FLOAT_NORMAL_OFFSET = 5048;
const FLOAT_NORMAL_VALID_OFFSET = 5052;

export type RngStateArgs = {
  /** null: an explicit generator left unseeded (torch.Generator()'s default seed). */
  readonly seed: bigint | null;
  readonly explicit: boolean;
  readonly dtype: DType;
  readonly before: number;
  readonly after: number;
  readonly mutation: StateMutation | null;
  /** Seed again after restoring (manual_seed clears the normal caches), or null. */
  readonly reseed: bigint | null;
  /** Seed with this between saving and restoring (save, reseed, restore: the seed comes back with the state), or null. */
  readonly reseedBeforeRestore: bigint | null;
};
export type RngStateLibrary = Pick<typeof library, 'Generator' | 'defaultGenerator' | 'manualSeed'>;

/** `n` samples of `uniform_()` (float32: one 32-bit draw each; float64: one 64-bit draw each). */
export function uniformDraws(generator: Generator, n: number, dtype: DType, rounding: InitRounding): CanonicalTensor {
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  generator.uniform_(out, 0, 1, rounding);
  return canonicalTensor(Tensor.fromFlat(out, [n], dtype));
}

/** State bytes as hex lines of 32 bytes, so a report names the first line that differs (python: state_lines). */
function hexLines(bytes: Uint8Array): string[] {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return Array.from({ length: Math.ceil(hex.length / 64) }, (_, i) => hex.slice(64 * i, 64 * i + 64));
}

function mutated(state: Uint8Array, mutation: StateMutation | null): Uint8Array {
  if (mutation === null) return state;
  if (mutation.kind === 'truncate') return state.slice(0, mutation.length);
  const changed = state.slice();
  if (mutation.kind === 'normal-cache') {
    const view = new DataView(changed.buffer);
    view.setFloat64(NORMAL_Y_OFFSET, mutation.double, true);
    view.setInt32(NORMAL_VALID_OFFSET, 1, true);
    view.setFloat32(FLOAT_NORMAL_OFFSET, mutation.float, true);
    changed[FLOAT_NORMAL_VALID_OFFSET] = 1;
    return changed;
  }
  if (mutation.kind === 'position') {
    const view = new DataView(changed.buffer);
    view.setInt32(LEFT_OFFSET, mutation.left, true);
    view.setBigUint64(NEXT_OFFSET, BigInt(625 - mutation.left), true);
    return changed;
  }
  changed[mutation.offset] = mutation.byte;
  return changed;
}

/**
 * Mutations weighted to the header and the words' boundaries, where layout bugs live. Single bytes
 * never land in `left` (8..11) or `next` (16..23): a position with left + next ≠ 625 is a documented
 * divergence (src/mt19937.ts setState refuses what torch's is_valid() lets through and may then read
 * past the state); positions are moved consistently instead.
 */
function mutation(): fc.Arbitrary<StateMutation | null> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('offset' as const),
        offset: fc
          .oneof(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 5055 }), fc.integer({ min: 5016, max: 5055 }))
          .filter((o) => !(o >= LEFT_OFFSET && o < LEFT_OFFSET + 4) && !(o >= NEXT_OFFSET && o < NEXT_OFFSET + 8)),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
    },
    {
      // Cheap, and its corners (a state restored after reseeding, the normal caches) need cases: weight 2.
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('position' as const), left: fc.oneof(fc.integer({ min: 1, max: 624 }), fc.constantFrom(1, 624, 2)) }),
    },
    {
      // Cheap, and its corners (a state restored after reseeding, the normal caches) need cases: weight 2.
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('truncate' as const), length: fc.oneof(fc.integer({ min: 0, max: 5055 }), fc.constant(5055)) }),
    },
    {
      // Cheap, and its corners (a state restored after reseeding, the normal caches) need cases: weight 2.
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('normal-cache' as const),
        double: fc.double({ noNaN: true }),
        float: fc.float({ noNaN: true }).map((f) => (Object.is(f, -0) ? 0 : f)),
      }),
    },
  );
}

/**
 * Seeds (or not), reads initial_seed(), draws `before`, saves the state, draws `after`, restores the
 * (mutated) state, reads it back and draws `after` again; then initial_seed() (restored with the state),
 * and the state after seeding again when `reseed` is drawn.
 */
export function rngStateTarget(initRounding: InitRounding = 'fused', lib: RngStateLibrary = library): ApiTarget<RngStateArgs> {
  return {
    name: 'rng_state',
    exports: ['Generator', 'defaultGenerator', 'manualSeed', 'TorchError'],
    // Cheap, and its corners (a state restored after reseeding, the normal caches) need cases: weight 2.
    weight: 2,
    arbitrary: fc
      .record({
        seed: fc.oneof(
          { withCrossShrink: true },
          fc.bigInt({ min: 0n, max: 1000n }),
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
          fc.constant(null),
        ),
        explicit: fc.boolean(),
        dtype: dtypeArg(),
        before: fc.oneof({ withCrossShrink: true }, fc.nat(4), fc.integer({ min: 310, max: 315 }), fc.integer({ min: 620, max: 626 })),
        after: fc.integer({ min: 1, max: 6 }),
        mutation: mutation(),
        reseed: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { nil: null }),
        reseedBeforeRestore: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { nil: null }),
      })
      // The default generator is always seeded: torch seeds it nondeterministically at start-up.
      .map((a) => (a.seed === null && !a.explicit ? { ...a, seed: 0n } : a)),
    runTs: (a) =>
      apiResultOf(() => {
        const generator = a.explicit ? new lib.Generator() : lib.defaultGenerator;
        if (a.explicit && a.seed !== null) generator.manualSeed(a.seed);
        if (!a.explicit) lib.manualSeed(a.seed ?? 0n);
        const initialSeed = canonicalInt(generator.initialSeed());
        uniformDraws(generator, a.before, a.dtype, initRounding);
        const state = generator.getState();
        const first = uniformDraws(generator, a.after, a.dtype, initRounding);
        if (a.reseedBeforeRestore !== null) {
          if (a.explicit) generator.manualSeed(a.reseedBeforeRestore);
          else lib.manualSeed(a.reseedBeforeRestore);
        }
        generator.setState(mutated(state, a.mutation));
        const restored = generator.getState();
        const again = uniformDraws(generator, a.after, a.dtype, initRounding);
        const restoredSeed = canonicalInt(generator.initialSeed());
        if (a.reseed !== null) {
          if (a.explicit) generator.manualSeed(a.reseed);
          else lib.manualSeed(a.reseed);
        }
        const reseeded = a.reseed === null ? null : hexLines(generator.getState());
        return {
          initial_seed: initialSeed,
          state: hexLines(state),
          first,
          restored: hexLines(restored),
          again,
          restored_seed: restoredSeed,
          reseeded,
        };
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => a.before + a.after + (a.mutation === null ? 0 : 1),
  };
}
