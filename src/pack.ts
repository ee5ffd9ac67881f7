// Packing and padding of variable-length batches: pack_padded_sequence, pad_packed_sequence, pad_sequence, pack_sequence.
import { TorchError, pyList, pyRepr } from './errors.js';
import { indexSelect } from './index-select.js';
import { PackedSequence } from './packed-sequence.js';
import { argsortDescending } from './sort.js';
import { Tensor, allocate, numel } from './tensor.js';

/** Options of {@link packPaddedSequence}; defaults as in torch. */
export interface PackPaddedOptions {
  /** Input is (B, T, *) instead of (T, B, *). Default false. */
  batchFirst?: boolean;
  /** Require lengths sorted non-increasing; otherwise sort them (Note [unstable sort of lengths]). Default true. */
  enforceSorted?: boolean;
}

/** Options of {@link padPackedSequence}; defaults as in torch. */
export interface PadPackedOptions {
  /** Return (B, T, *) instead of (T, B, *). Default false. */
  batchFirst?: boolean;
  /** Value of the padded positions. Default 0. */
  paddingValue?: number;
  /** Pad to this many time steps instead of the longest length. Default null. */
  totalLength?: number | null;
}

/** Options of {@link padSequence}; defaults as in torch. */
export interface PadSequenceOptions {
  /** Return (B, T, *) instead of (T, B, *). Default false. */
  batchFirst?: boolean;
  /** Value of the padded positions. Default 0. */
  paddingValue?: number;
  /** `'right'` (default) pads after each sequence, `'left'` before it; anything else is torch's RuntimeError. */
  paddingSide?: string;
}

// Note [packing order]
// Padded input (sequence-first), batch sorted longest first, lengths [3, 2, 1]:
//
//            b=0  b=1  b=2
//     t=0    a0   b0   c0     batch_sizes[0] = 3
//     t=1    a1   b1   .      batch_sizes[1] = 2
//     t=2    a2   .    .      batch_sizes[2] = 1
//
//     data = [ a0 b0 c0 | a1 b1 | a2 ]
//
// Rows are taken time step by time step; step t contributes the first batch_sizes[t] batch
// positions, and batch_sizes[t] is the number of sequences longer than t. Because the batch is
// sorted, the sequences alive at step t are always a prefix of it, which is what lets the RNN
// advance only the first batch_sizes[t] rows at step t (rnn.ts runRows).

/**
 * Packs a padded batch of variable-length sequences. Mirrors `torch.nn.utils.rnn.pack_padded_sequence`
 * (Python part, then ATen `_pack_padded_sequence`, checks in their order).
 * Shapes: input (T, B, *) or (B, T, *) with batchFirst; lengths B entries → data (sum of lengths, *).
 * Lengths follow `torch.as_tensor(lengths, dtype=int64)`: integral numbers are Python ints,
 * fractional ones floats that truncate toward zero.
 * With enforceSorted false the batch is ordered by torch's own (unstable) sort, so sortedIndices
 * break ties exactly as torch does; with fewer lengths than B torch silently keeps only the first
 * len(lengths) sequences of that order, and so does this.
 * Deliberate difference: a length above T makes torch 2.13 return a PackedSequence whose
 * batch_sizes count more rows than its data holds; this throws a RangeError instead.
 * @throws RuntimeError `Cannot pack empty tensors.`, the length-count, non-positive-length and
 * sortedness messages, index_select's message when there are more lengths than sequences
 * (enforceSorted false), and the int64 conversion message for NaN/±Infinity lengths.
 * @throws IndexError when input has fewer than two dimensions.
 * @throws ValueError `Overflow when unpacking long long` for an integral length outside int64.
 */
export function packPaddedSequence(input: Tensor, lengths: readonly number[], options: PackPaddedOptions = {}): PackedSequence {
  const batchFirst = options.batchFirst ?? false;
  const enforceSorted = options.enforceSorted ?? true;
  let sortedLengths = asInt64(lengths);
  let sortedIndices: number[] | null = null;
  let padded = input;
  if (!enforceSorted) {
    const order = argsortDescending(sortedLengths);
    sortedLengths = order.map((i) => sortedLengths[i]!);
    sortedIndices = order;
    padded = indexSelect(input, batchFirst ? 0 : 1, order);
  }
  const { data, batchSizes } = packSorted(padded, sortedLengths, batchFirst);
  return new PackedSequence(data, batchSizes, sortedIndices, null);
}

/** mirrors aten/src/ATen/native/PackedSequence.cpp _pack_padded_sequence */
function packSorted(input: Tensor, lengths: readonly number[], batchFirst: boolean): { data: Tensor; batchSizes: number[] } {
  if (input.size === 0) throw new TorchError('RuntimeError', 'Cannot pack empty tensors.');
  if (input.ndim < 2) {
    // batch_first transposes dims 0 and 1 first; otherwise input.size(1) is the first to fail.
    throw new TorchError(
      'IndexError',
      input.ndim === 0 && !batchFirst
        ? 'Dimension specified as 1 but tensor has no dimensions'
        : 'Dimension out of range (expected to be in range of [-1, 0], but got 1)',
    );
  }
  const T = batchFirst ? input.shape[1]! : input.shape[0]!;
  const B = batchFirst ? input.shape[0]! : input.shape[1]!;
  if (lengths.length !== B) {
    throw new TorchError('RuntimeError', `Expected \`len(lengths)\` to be equal to batch_size, but got ${lengths.length} (batch_size=${B})`);
  }
  if (!(lengths[B - 1]! > 0)) {
    throw new TorchError('RuntimeError', "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  }
  for (let i = 0; i < B - 1; i++) {
    if (lengths[B - 1 - i]! > lengths[B - 2 - i]!) {
      throw new TorchError(
        'RuntimeError',
        '`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` ' +
          'to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.',
      );
    }
  }
  const longest = lengths[0]!;
  if (longest > T) {
    throw new RangeError(
      `pack_padded_sequence: a length of ${longest} exceeds the ${T} time steps of the padded input ` +
        '(torch 2.13 would return a PackedSequence whose batch_sizes count more rows than its data holds)',
    );
  }
  // See Note [packing order].
  const inner = numel(input.shape.slice(2));
  const batchSizes: number[] = [];
  for (let t = 0; t < longest; t++) batchSizes.push(lengths.filter((length) => length > t).length);
  const total = batchSizes.reduce((sum, size) => sum + size, 0);
  const out = allocate(input.dtype, total * inner);
  let row = 0;
  batchSizes.forEach((size, t) => {
    for (let b = 0; b < size; b++, row++) {
      const from = (batchFirst ? b * T + t : t * B + b) * inner;
      out.set(input.data.subarray(from, from + inner), row * inner);
    }
  });
  return { data: new Tensor(out, [total, ...input.shape.slice(2)]), batchSizes };
}

/**
 * `torch.as_tensor(lengths, dtype=torch.int64)`: a JS integer stands for a Python int (as the harness
 * sends it), anything else for a Python float, which torch truncates after an overflow check.
 */
function asInt64(lengths: readonly number[]): number[] {
  return lengths.map((value) => {
    if (Number.isInteger(value)) {
      if (value >= 2 ** 63 || value < -(2 ** 63)) throw new TorchError('ValueError', 'Overflow when unpacking long long');
      return value + 0;
    }
    if (!Number.isFinite(value)) throw new TorchError('RuntimeError', 'value cannot be converted to type int64 without overflow');
    return Math.trunc(value) + 0;
  });
}

/**
 * Pads a packed batch back to a dense tensor, in the caller's original batch order.
 * Mirrors `torch.nn.utils.rnn.pad_packed_sequence` (Python check, then ATen `_pad_packed_sequence`).
 * Shapes: data (sum of lengths, *) → padded (T, B, *) or (B, T, *) with batchFirst, T the longest
 * length or totalLength; lengths B entries.
 * @throws ValueError when totalLength is below the longest length.
 * @throws TypeError when totalLength is not an integer.
 */
export function padPackedSequence(sequence: PackedSequence, options: PadPackedOptions = {}): [Tensor, number[]] {
  const batchFirst = options.batchFirst ?? false;
  const paddingValue = options.paddingValue ?? 0;
  const totalLength = options.totalLength ?? null;
  const { data, batchSizes, sortedIndices } = sequence;
  let T = batchSizes.length;
  if (totalLength !== null) {
    if (totalLength < T) {
      throw new TorchError(
        'ValueError',
        'Expected total_length to be at least the length of the longest sequence in input, but got ' +
          `total_length=${pyRepr(totalLength)} and max sequence length being ${T}`,
      );
    }
    if (!Number.isInteger(totalLength)) {
      throw new TorchError('TypeError', "_pad_packed_sequence(): argument 'total_length' (position 5) must be int, not float");
    }
    T = totalLength;
  }
  const B = batchSizes[0]!;
  const inner = numel(data.shape.slice(1));
  const out = allocate(data.dtype, T * B * inner).fill(paddingValue);
  const lengths = new Array<number>(B).fill(0);
  let row = 0;
  batchSizes.forEach((size, t) => {
    for (let position = 0; position < size; position++, row++) {
      // sorted position → caller's batch index: torch's index_select with unsorted_indices
      const b = sortedIndices === null ? position : sortedIndices[position]!;
      lengths[b] = t + 1;
      const to = (batchFirst ? b * T + t : t * B + b) * inner;
      out.set(data.data.subarray(row * inner, (row + 1) * inner), to);
    }
  });
  const shape = batchFirst ? [B, T, ...data.shape.slice(1)] : [T, B, ...data.shape.slice(1)];
  return [new Tensor(out, shape), lengths];
}

/**
 * Stacks sequences of different lengths into one padded tensor (dtype of the first sequence).
 * Mirrors `torch.nn.utils.rnn.pad_sequence` (ATen `pad_sequence`): each sequence is copied with
 * `copy_`, so it may broadcast into the first sequence's trailing shape.
 * Shapes: B sequences (L_i, *) → (T, B, *) or (B, T, *) with batchFirst, T = max L_i.
 * @throws RuntimeError for an empty list, an unknown paddingSide, a 0-d first sequence, or a
 * sequence that does not broadcast to (L_i, *) (copy_'s messages).
 * @throws IndexError for a later 0-d sequence.
 */
export function padSequence(sequences: readonly Tensor[], options: PadSequenceOptions = {}): Tensor {
  const batchFirst = options.batchFirst ?? false;
  const paddingValue = options.paddingValue ?? 0;
  const paddingSide = options.paddingSide ?? 'right';
  const B = sequences.length;
  if (B === 0) throw new TorchError('RuntimeError', 'received an empty list of sequences');
  if (paddingSide !== 'left' && paddingSide !== 'right') {
    throw new TorchError('RuntimeError', `Expected padding_side to be one of left or right, but got ${paddingSide}.`);
  }
  const first = sequences[0]!;
  if (first.ndim === 0) throw new TorchError('RuntimeError', 'ArrayRef: invalid slice, N = 1; size = 0');
  const trailing = first.shape.slice(1);
  let T = first.shape[0]!;
  for (const sequence of sequences.slice(1)) {
    if (sequence.ndim === 0) throw new TorchError('IndexError', 'Dimension specified as 0 but tensor has no dimensions');
    T = Math.max(T, sequence.shape[0]!);
  }
  const inner = numel(trailing);
  const out = allocate(first.dtype, T * B * inner).fill(paddingValue);
  sequences.forEach((sequence, b) => {
    const length = sequence.shape[0]!;
    const source = broadcastSource(sequence, [length, ...trailing]);
    const start = paddingSide === 'left' ? T - length : 0;
    for (let t = 0; t < length; t++) {
      const to = (batchFirst ? b * T + start + t : (start + t) * B + b) * inner;
      for (let e = 0; e < inner; e++) out[to + e] = source(t * inner + e);
    }
  });
  return new Tensor(out, batchFirst ? [B, T, ...trailing] : [T, B, ...trailing]);
}

/**
 * `target.copy_(source)` for a target of shape `targetShape`: checks broadcasting as ATen's
 * TensorIterator does (tensor a = the target, mismatches reported from the last dim) and returns
 * the source value at each flat target index.
 */
function broadcastSource(source: Tensor, targetShape: readonly number[]): (flat: number) => number {
  const rank = Math.max(targetShape.length, source.ndim);
  const broadcast = new Array<number>(rank);
  for (let i = rank - 1; i >= 0; i--) {
    const a = targetShape[i - (rank - targetShape.length)] ?? 1;
    const b = source.shape[i - (rank - source.ndim)] ?? 1;
    if (a !== b && a !== 1 && b !== 1) {
      throw new TorchError('RuntimeError', `The size of tensor a (${a}) must match the size of tensor b (${b}) at non-singleton dimension ${i}`);
    }
    broadcast[i] = a === 1 ? b : a;
  }
  if (rank !== targetShape.length || broadcast.some((size, i) => size !== targetShape[i])) {
    throw new TorchError('RuntimeError', `output with shape ${pyList(targetShape)} doesn't match the broadcast shape ${pyList(broadcast)}`);
  }
  // source strides per target dim, 0 where the source is broadcast
  const sourceStrides = source.strides;
  const strides = targetShape.map((_, k) => {
    const d = k - (rank - source.ndim);
    return d < 0 || source.shape[d] === 1 ? 0 : sourceStrides[d]!;
  });
  return (flat) => {
    let offset = 0;
    for (let k = targetShape.length - 1; k >= 0; k--) {
      const size = targetShape[k]!;
      offset += (flat % size) * strides[k]!;
      flat = Math.floor(flat / size);
    }
    return source.data[offset]!;
  };
}

/**
 * Packs a list of sequences: `packPaddedSequence(padSequence(sequences), lengths)`.
 * Mirrors `torch.nn.utils.rnn.pack_sequence`.
 * Shapes: B sequences (L_i, *) → data (sum L_i, *).
 * @throws IndexError for a 0-d sequence; otherwise what padSequence and packPaddedSequence throw.
 */
export function packSequence(sequences: readonly Tensor[], options: { enforceSorted?: boolean } = {}): PackedSequence {
  const lengths = sequences.map((sequence) => {
    if (sequence.ndim === 0) throw new TorchError('IndexError', 'Dimension specified as 0 but tensor has no dimensions');
    return sequence.shape[0]!;
  });
  return packPaddedSequence(padSequence(sequences), lengths, { enforceSorted: options.enforceSorted ?? true });
}

/**
 * Splits a packed batch into its sequences, in the caller's original batch order.
 * Mirrors `torch.nn.utils.rnn.unpack_sequence`.
 * Shapes: data (sum L_i, *) → B tensors (L_i, *).
 */
export function unpackSequence(sequence: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(sequence, { batchFirst: true });
  const [B, T] = padded.shape as [number, number];
  const inner = numel(padded.shape.slice(2));
  const rest = padded.shape.slice(2);
  return Array.from({ length: B }, (_, b) => {
    const from = b * T * inner;
    return new Tensor(padded.data.slice(from, from + lengths[b]! * inner), [lengths[b]!, ...rest]);
  });
}
