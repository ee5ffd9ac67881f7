// Target pack_padded_sequence: sorting many equal lengths (stable order), enforce_sorted validation, both layouts.
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { present } from '../omitted-option.js';
import { elementsOf, tensorOf } from '../tensor-args.js';
import { type PackedBatch, packedBatch } from './packed-batch.js';
import { packedParts } from './packed-parts.js';

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type PackPaddedLibrary = Pick<typeof library, 'packPaddedSequence'>;

/** `pack_padded_sequence(input, lengths, batch_first, enforce_sorted)` as its four tensors. */
export function packPaddedTarget(lib: PackPaddedLibrary = library): ApiTarget<PackedBatch> {
  return {
    name: 'pack_padded_sequence',
    exports: ['packPaddedSequence', 'PackedSequence', 'Tensor'],
    weight: 3,
    arbitrary: packedBatch(),
    runTs: (a) =>
      apiResultOf(() =>
        packedParts(
          lib.packPaddedSequence(tensorOf(a.input), a.lengths, {
            batchFirst: a.batchFirst ?? undefined,
            enforceSorted: a.enforceSorted ?? undefined,
          }),
        ),
      ),
    wireArgs: (a) => encodeArgs(present({ input: a.input, lengths: a.lengths, batch_first: a.batchFirst, enforce_sorted: a.enforceSorted })),
    size: (a) => elementsOf(a.input),
  };
}
