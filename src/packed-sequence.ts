// PackedSequence: variable-length batches in torch's packed layout, and the permutation helper it uses.
import type { Tensor } from './tensor.js';

/**
 * A batch of variable-length sequences packed time-major. Mirrors `torch.nn.utils.rnn.PackedSequence`.
 *
 * `data` is (sum of lengths, *): the rows of time step 0 for every sequence alive there, then the
 * rows of step 1, and so on (see Note [packing order] in pack.ts); `batchSizes[t]` says how many
 * sequences are alive at step t (it never grows). `sortedIndices[k]` is the caller's batch index of
 * the k-th longest sequence, and `unsortedIndices` is its inverse; both are null when the batch was
 * already sorted. Build one with {@link packPaddedSequence} or {@link packSequence}.
 *
 * Deliberate difference: torch's constructor accepts any tensors and fails later (or reads past the
 * data); this one checks the invariants every torch-made PackedSequence satisfies and throws a
 * RangeError (not a TorchError: torch raises nothing here) when they do not hold.
 */
export class PackedSequence {
  readonly data: Tensor;
  readonly batchSizes: readonly number[];
  readonly sortedIndices: readonly number[] | null;
  readonly unsortedIndices: readonly number[] | null;

  /**
   * Mirrors `PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices)`: when only
   * `sortedIndices` is given, `unsortedIndices` becomes its inverse, as torch's
   * `_packed_sequence_init_args` does.
   * @throws RangeError when batchSizes is empty, not positive and non-increasing, does not sum to
   * data.shape[0], or the indices are not a permutation of 0…batchSizes[0]−1 and its inverse.
   */
  constructor(
    data: Tensor,
    batchSizes: readonly number[],
    sortedIndices: readonly number[] | null = null,
    unsortedIndices: readonly number[] | null = null,
  ) {
    const unsorted = unsortedIndices ?? (sortedIndices === null ? null : invertPermutation(sortedIndices));
    checkPackedLayout(data, batchSizes, sortedIndices, unsorted);
    this.data = data;
    this.batchSizes = Object.freeze([...batchSizes]);
    this.sortedIndices = sortedIndices === null ? null : Object.freeze([...sortedIndices]);
    this.unsortedIndices = unsorted === null ? null : Object.freeze([...unsorted]);
  }
}

/**
 * The inverse of a permutation: `out[permutation[i]] = i`. Mirrors `torch.nn.utils.rnn.invert_permutation`.
 * @throws RangeError when `permutation` is not a permutation of 0…n−1 (torch's scatter_ would fail
 * or leave holes).
 */
export function invertPermutation(permutation: readonly number[]): number[] {
  const inverse = new Array<number>(permutation.length).fill(-1);
  permutation.forEach((target, i) => {
    if (!Number.isInteger(target) || target < 0 || target >= permutation.length || inverse[target] !== -1) {
      throw new RangeError(`invertPermutation: ${JSON.stringify(permutation)} is not a permutation of 0…${permutation.length - 1}`);
    }
    inverse[target] = i;
  });
  return inverse;
}

function checkPackedLayout(
  data: Tensor,
  batchSizes: readonly number[],
  sortedIndices: readonly number[] | null,
  unsortedIndices: readonly number[] | null,
): void {
  const fail = (why: string): never => {
    throw new RangeError(`PackedSequence: ${why}; build packed batches with packPaddedSequence or packSequence`);
  };
  if (data.ndim < 1) fail('data must have at least one dimension');
  if (batchSizes.length === 0) fail('batchSizes is empty');
  let total = 0;
  batchSizes.forEach((size, t) => {
    if (!Number.isInteger(size) || size < 1) fail(`batchSizes[${t}] = ${size} is not a positive integer`);
    if (t > 0 && size > batchSizes[t - 1]!) fail(`batchSizes grows at step ${t} (${batchSizes[t - 1]} → ${size})`);
    total += size;
  });
  if (total !== data.shape[0]) fail(`batchSizes sum to ${total} but data has ${data.shape[0]} rows`);
  if ((sortedIndices === null) !== (unsortedIndices === null)) fail('sortedIndices and unsortedIndices must both be set or both be null');
  if (sortedIndices === null || unsortedIndices === null) return;
  if (sortedIndices.length !== batchSizes[0]) fail(`sortedIndices has ${sortedIndices.length} entries for a batch of ${batchSizes[0]}`);
  const inverse = invertPermutation(sortedIndices);
  if (unsortedIndices.length !== inverse.length || inverse.some((v, i) => unsortedIndices[i] !== v)) {
    fail('unsortedIndices is not the inverse of sortedIndices');
  }
}
