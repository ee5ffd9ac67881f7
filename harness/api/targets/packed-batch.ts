// A padded batch and its lengths, as pack_padded_sequence takes them: many equal lengths, unsorted ones, and invalid ones.
import fc from 'fast-check';
import { type TensorArg, tensorArg, valuePool } from '../tensor-args.js';

/** Input and lengths of one pack_padded_sequence call. */
export type PackedBatch = {
  readonly input: TensorArg;
  readonly lengths: readonly number[];
  readonly batchFirst: boolean;
  readonly enforceSorted: boolean;
};

/**
 * A padded (T, B, F) or (B, T, F) batch with lengths in 1..T: usually a few sequences, sometimes more
 * than 16 with many equal lengths (torch's sort of >16 equal keys is where instability would show),
 * sorted descending when enforce_sorted asks for it unless `unsorted` breaks that on purpose.
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
      batchFirst: fc.boolean(),
      enforceSorted: fc.boolean(),
      // enforce_sorted with lengths left unsorted: torch's RuntimeError.
      unsorted: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      pool: valuePool(),
    })
    .map(({ steps, features, dtype, drops, batchFirst, enforceSorted, unsorted, pool }) => {
      const raw = drops.map((d) => Math.max(1, steps - d));
      const lengths = enforceSorted && !unsorted ? [...raw].sort((a, b) => b - a) : raw;
      const B = lengths.length;
      const shape = batchFirst ? [B, steps, features] : [steps, B, features];
      return { input: tensorArg(shape, dtype, pool), lengths, batchFirst, enforceSorted };
    });
}
