// A padded batch and its lengths, as pack_padded_sequence takes them: many equal lengths, unsorted ones, and invalid ones.
import fc from 'fast-check';
import { omittable } from '../omitted-option.js';
import { type TensorArg, tensorArg, valuePool } from '../tensor-args.js';

/** Input and lengths of one pack_padded_sequence call. */
export type PackedBatch = {
  readonly input: TensorArg;
  readonly lengths: readonly number[];
  /** null: left out (torch's defaults, False and True). */
  readonly batchFirst: boolean | null;
  readonly enforceSorted: boolean | null;
};

/** `length` made odd as `kind` says. */
function oddLength(length: number, kind: 'zero' | 'negative' | 'minus-half' | 'minus-quarter'): number {
  if (kind === 'zero') return 0;
  if (kind === 'negative') return -length;
  return length - (kind === 'minus-half' ? 0.5 : 0.25);
}

/**
 * A padded (T, B, F) or (B, T, F) batch with lengths in 1..T: usually a few sequences, sometimes more
 * than 16 with many equal lengths (torch's sort of >16 equal keys is where instability would show),
 * sorted descending when enforce_sorted asks for it unless `unsorted` breaks that on purpose, and
 * sometimes one length zero, negative or fractional.
 * Shrinks towards one short sequence of one feature.
 */
export function packedBatch(): fc.Arbitrary<PackedBatch> {
  return fc
    .record({
      steps: fc.integer({ min: 1, max: 4 }),
      features: fc.integer({ min: 1, max: 2 }),
      dtype: fc.constantFrom('float32' as const, 'float64' as const),
      drops: fc.oneof(
        { withCrossShrink: true },
        { weight: 3, arbitrary: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }) },
        // Many sequences, lengths from two values: long runs of equal keys.
        { weight: 1, arbitrary: fc.array(fc.constantFrom<number>(0, 1), { minLength: 17, maxLength: 24 }) },
      ),
      batchFirst: omittable(fc.boolean()),
      enforceSorted: omittable(fc.boolean()),
      // enforce_sorted with lengths left unsorted: torch's RuntimeError.
      unsorted: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      pool: valuePool(),
      // One length torch converts or refuses: 0 or negative (RuntimeError), or fractional (as_tensor
      // truncates it to int64: L − 0.5 packs L − 1 steps, never L).
      odd: fc.option(fc.record({ at: fc.nat(23), kind: fc.constantFrom('zero', 'negative', 'minus-half', 'minus-quarter') }), { freq: 6, nil: null }),
    })
    .map(({ steps, features, dtype, drops, batchFirst, enforceSorted, unsorted, pool, odd }) => {
      const raw = drops.map((d) => Math.max(1, steps - d));
      const sorted = (enforceSorted ?? true) && !unsorted ? [...raw].sort((a, b) => b - a) : raw;
      const lengths = odd === null ? sorted : sorted.map((length, i) => (i === odd.at % sorted.length ? oddLength(length, odd.kind) : length));
      const B = lengths.length;
      const shape = batchFirst === true ? [B, steps, features] : [steps, B, features];
      return { input: tensorArg(shape, dtype, pool), lengths, batchFirst, enforceSorted };
    });
}
