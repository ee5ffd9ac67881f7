// A PackedSequence as its four tensors, as torch's namedtuple holds them: data, batch_sizes, sorted_indices, unsorted_indices.
import type { PackedSequence } from '../../../src/index.js';
import { type CanonicalValue, canonicalInt64Tensor, canonicalTensor } from '../canonical-value.js';

/** `[data, batch_sizes, sorted_indices, unsorted_indices]`, the index tensors null when torch has none. */
export function packedParts(packed: PackedSequence): CanonicalValue {
  return [
    canonicalTensor(packed.data),
    canonicalInt64Tensor(packed.batchSizes),
    packed.sortedIndices === null ? null : canonicalInt64Tensor(packed.sortedIndices),
    packed.unsortedIndices === null ? null : canonicalInt64Tensor(packed.unsortedIndices),
  ];
}
