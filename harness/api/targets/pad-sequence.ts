// Target pad_sequence: batch_first, padding_side left and right (and an invalid side), special padding values, broadcasting and its errors.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { omittable, present } from '../omitted-option.js';
import { canonicalTensor } from '../canonical-value.js';
import { type TensorArg, elementsOf, tensorOf } from '../tensor-args.js';
import { paddingValue } from './pad-packed.js';
import { sequences } from './sequences.js';

export type PadSequenceArgs = {
  readonly sequences: readonly TensorArg[];
  /** null: left out (torch's default), as every option here may be. */
  readonly batchFirst: boolean | null;
  readonly paddingValue: number | null;
  readonly paddingSide: string | null;
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type PadSequenceLibrary = Pick<typeof library, 'padSequence'>;

/** `pad_sequence(sequences, batch_first, padding_value, padding_side)`. */
export function padSequenceTarget(lib: PadSequenceLibrary = library): ApiTarget<PadSequenceArgs> {
  return {
    name: 'pad_sequence',
    exports: ['padSequence', 'Tensor'],
    weight: 2,
    arbitrary: fc
      .record({
        list: sequences({ minCount: 0, minLength: 0, ragged: true }),
        batchFirst: omittable(fc.boolean()),
        paddingValue: omittable(paddingValue()),
        paddingSide: omittable(
          fc.oneof({ weight: 6, arbitrary: fc.constantFrom('right', 'left') }, { weight: 1, arbitrary: fc.constantFrom('middle', 'Left') }),
        ),
      })
      .map(({ list, batchFirst, paddingValue, paddingSide }) => ({ sequences: list.sequences, batchFirst, paddingValue, paddingSide })),
    runTs: (a) =>
      apiResultOf(() =>
        canonicalTensor(
          lib.padSequence(a.sequences.map(tensorOf), {
            batchFirst: a.batchFirst ?? undefined,
            paddingValue: a.paddingValue ?? undefined,
            paddingSide: a.paddingSide ?? undefined,
          }),
        ),
      ),
    wireArgs: (a) =>
      encodeArgs(present({ sequences: a.sequences, batch_first: a.batchFirst, padding_value: a.paddingValue, padding_side: a.paddingSide })),
    size: (a) => elementsOf(...a.sequences),
  };
}
