// PackedSequence: variable-length batches in torch's packed layout.
import type { Tensor } from './tensor.js';

/**
 * A batch of variable-length sequences packed time-major. Mirrors `torch.nn.utils.rnn.PackedSequence`.
 *
 * `data` is (sum of lengths, *): the rows of time step 0 for every sequence alive there, then the
 * rows of step 1, and so on; `batchSizes[t]` says how many sequences are alive at step t (it never
 * grows). `sortedIndices[k]` is the caller's batch index of the k-th longest sequence, and
 * `unsortedIndices` is its inverse; both are null when the batch was already sorted.
 */
export class PackedSequence {
  constructor(
    readonly data: Tensor,
    readonly batchSizes: readonly number[],
    readonly sortedIndices: readonly number[] | null = null,
    readonly unsortedIndices: readonly number[] | null = null,
  ) {}
}
