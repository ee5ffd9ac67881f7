// Target invert_permutation: invertPermutation against torch.nn.utils.rnn.invert_permutation on random permutations.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalInt64Tensor } from '../canonical-value.js';

export type InvertPermutationArgs = { readonly permutation: readonly number[] };

/** Permutations of 0..n−1 for n up to 24 (the library refuses non-permutations with its own RangeError; torch has no check). */
function permutation(): fc.Arbitrary<number[]> {
  return fc.integer({ min: 0, max: 24 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }));
}

export function invertPermutationTarget(lib: Pick<typeof library, 'invertPermutation'> = library): ApiTarget<InvertPermutationArgs> {
  return {
    name: 'invert_permutation',
    exports: ['invertPermutation'],
    weight: 1,
    arbitrary: fc.record({ permutation: permutation() }),
    runTs: (a) => apiResultOf(() => canonicalInt64Tensor(lib.invertPermutation(a.permutation))),
    wireArgs: (a) => encodeArgs({ permutation: [...a.permutation] }),
    size: (a) => a.permutation.length,
  };
}
