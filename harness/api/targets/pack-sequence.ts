// Target pack_sequence and unpack_sequence: a list of sequences packed (sorted or not, enforce_sorted checked) and unpacked again.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { omittable, present } from '../omitted-option.js';
import { canonicalTensor } from '../canonical-value.js';
import { type TensorArg, elementsOf, tensorOf } from '../tensor-args.js';
import { packedParts } from './packed-parts.js';
import { sequences } from './sequences.js';

export type PackSequenceArgs = {
  readonly sequences: readonly TensorArg[];
  /** null: left out (torch's default, True). */
  readonly enforceSorted: boolean | null;
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type PackSequenceLibrary = Pick<typeof library, 'packSequence' | 'unpackSequence'>;

/** `{packed: pack_sequence(sequences, enforce_sorted), unpacked: unpack_sequence(packed)}`. */
export function packSequenceTarget(lib: PackSequenceLibrary = library): ApiTarget<PackSequenceArgs> {
  return {
    name: 'pack_sequence',
    exports: ['packSequence', 'unpackSequence', 'PackedSequence', 'Tensor'],
    weight: 2,
    arbitrary: fc
      .record({
        // Mostly sorted when enforce_sorted, so the error does not hide the packing.
        list: sequences({
          minCount: 1,
          minLength: 1,
          ragged: false,
          sorted: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
        }),
        enforceSorted: omittable(fc.boolean()),
      })
      .map(({ list, enforceSorted }) => ({ sequences: list.sequences, enforceSorted })),
    runTs: (a) =>
      apiResultOf(() => {
        const packed = lib.packSequence(a.sequences.map(tensorOf), { enforceSorted: a.enforceSorted ?? undefined });
        return { packed: packedParts(packed), unpacked: lib.unpackSequence(packed).map(canonicalTensor) };
      }),
    wireArgs: (a) => encodeArgs(present({ sequences: a.sequences, enforce_sorted: a.enforceSorted })),
    size: (a) => elementsOf(...a.sequences),
  };
}
