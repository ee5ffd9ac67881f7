// Target pad_packed_sequence: padding values (NaN, ±Inf, −0 included), total_length valid and too small, both layouts.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { omittable, present } from '../omitted-option.js';
import { canonicalInt64Tensor, canonicalTensor } from '../canonical-value.js';
import { elementsOf, tensorOf } from '../tensor-args.js';
import { type PackedBatch, packedBatch } from './packed-batch.js';

export type PadPackedArgs = PackedBatch & {
  /** null: left out (torch's defaults, False and 0.0). */
  readonly outBatchFirst: boolean | null;
  readonly paddingValue: number | null;
  readonly totalLength: number | null;
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type PadPackedLibrary = Pick<typeof library, 'packPaddedSequence' | 'padPackedSequence'>;

/** Padding values worth checking bit for bit: the specials most often. Shrinks towards 0. */
export function paddingValue(): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 1, arbitrary: fc.constantFrom(0, 1.5, -2) },
    { weight: 3, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0) },
  );
}

/** `pad_packed_sequence(pack_padded_sequence(input, lengths, …), batch_first, padding_value, total_length)`. */
export function padPackedTarget(lib: PadPackedLibrary = library): ApiTarget<PadPackedArgs> {
  return {
    name: 'pad_packed_sequence',
    exports: ['packPaddedSequence', 'padPackedSequence', 'PackedSequence', 'Tensor'],
    weight: 3,
    arbitrary: fc
      .record({
        batch: packedBatch(),
        outBatchFirst: omittable(fc.boolean()),
        paddingValue: omittable(paddingValue()),
        // Relative to the longest length: −1 is torch's ValueError, 0..2 pad further.
        extraLength: fc.option(fc.integer({ min: -1, max: 2 }), { nil: null, freq: 2 }),
      })
      .map(({ batch, outBatchFirst, paddingValue, extraLength }) => ({
        ...batch,
        outBatchFirst,
        paddingValue,
        totalLength: extraLength === null ? null : Math.max(0, Math.max(...batch.lengths) + extraLength),
      })),
    runTs: (a) =>
      apiResultOf(() => {
        const packed = lib.packPaddedSequence(tensorOf(a.input), a.lengths, {
          batchFirst: a.batchFirst ?? undefined,
          enforceSorted: a.enforceSorted ?? undefined,
        });
        const [padded, lengths] = lib.padPackedSequence(packed, {
          batchFirst: a.outBatchFirst ?? undefined,
          paddingValue: a.paddingValue ?? undefined,
          totalLength: a.totalLength,
        });
        return [canonicalTensor(padded), canonicalInt64Tensor(lengths)];
      }),
    wireArgs: (a) =>
      encodeArgs({
        ...present({
          input: a.input,
          lengths: a.lengths,
          batch_first: a.batchFirst,
          enforce_sorted: a.enforceSorted,
          out_batch_first: a.outBatchFirst,
          padding_value: a.paddingValue,
        }),
        // null is None here (no total length): a value torch takes, not an option left out.
        total_length: a.totalLength,
      }),
    size: (a) => elementsOf(a.input),
  };
}
