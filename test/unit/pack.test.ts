// pack_padded_sequence, pad_packed_sequence, pad_sequence, pack_sequence and PackedSequence: torch 2.13's results and errors, and round-trip properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PackedSequence,
  Tensor,
  invertPermutation,
  packPaddedSequence,
  packSequence,
  padPackedSequence,
  padSequence,
  unpackSequence,
  type DType,
} from '../../src/index.js';
import { indexSelect } from '../../src/index-select.js';
import { argsortDescending } from '../../src/sort.js';
import { decodeFloat, expectIdentical, expectPacked, expectTorchError, fixtures, toLengths, toTensor } from './fixtures/torch-packed.js';

describe('torch.sort(lengths, descending=True) order', () => {
  it('the fixtures were recorded with torch 2.13.0', () => {
    expect(fixtures.torch_version).toMatch(/^2\.13\.0/);
  });

  it.each(fixtures.sort.map((c) => [c.values.length, c.values, c.indices] as const))(
    'matches torch for %i values, ties and the heap-sort fallback included',
    (_, values, indices) => {
      expect(argsortDescending(values)).toEqual(indices);
    },
  );

  it('keeps tied lengths in their original order up to 16 entries', () => {
    expect(argsortDescending([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });
});

describe('packPaddedSequence matches torch 2.13', () => {
  it.each(fixtures.pack_padded.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const act = () => packPaddedSequence(toTensor(c.input), toLengths(c.lengths), { batchFirst: c.batch_first, enforceSorted: c.enforce_sorted });
    if (c.error) expectTorchError(act, c.error);
    else expectPacked(act(), c.expected!);
  });
});

describe('padPackedSequence matches torch 2.13', () => {
  it.each(fixtures.pad_packed.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const packed = packPaddedSequence(toTensor(c.input), c.lengths, { enforceSorted: c.enforce_sorted });
    const act = () =>
      padPackedSequence(packed, { batchFirst: c.batch_first, paddingValue: decodeFloat(c.padding_value), totalLength: c.total_length });
    if (c.error) {
      expectTorchError(act, c.error);
    } else {
      const [padded, lengths] = act();
      expectIdentical(padded, c.expected!.padded);
      expect(lengths).toEqual(c.expected!.lengths);
    }
  });
});

describe('padSequence matches torch 2.13', () => {
  it.each(fixtures.pad_sequence.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const act = () =>
      padSequence(c.sequences.map(toTensor), {
        batchFirst: c.batch_first,
        paddingValue: decodeFloat(c.padding_value),
        paddingSide: c.padding_side,
      });
    if (c.error) expectTorchError(act, c.error);
    else expectIdentical(act(), c.expected!);
  });
});

describe('packSequence matches torch 2.13', () => {
  it.each(fixtures.pack_sequence.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const act = () => packSequence(c.sequences.map(toTensor), { enforceSorted: c.enforce_sorted });
    if (c.error) expectTorchError(act, c.error);
    else expectPacked(act(), c.expected!);
  });
});

describe('worked example (Note [packing order])', () => {
  it('packs sequences a, b, c of lengths 3, 2, 1 step by step', () => {
    const input = Tensor.fromNested([
      [1, 4, 6],
      [2, 5, 0],
      [3, 0, 0],
    ]);
    const packed = packPaddedSequence(input, [3, 2, 1]);
    expect([...packed.data.data]).toEqual([1, 4, 6, 2, 5, 3]);
    expect(packed.batchSizes).toEqual([3, 2, 1]);
    expect(packed.sortedIndices).toBeNull();
    expect(packed.unsortedIndices).toBeNull();
  });

  it('unpackSequence returns each sequence in the caller order', () => {
    const sequences = [Tensor.fromNested([4, 5]), Tensor.fromNested([1, 2, 3]), Tensor.fromNested([6])];
    const unpacked = unpackSequence(packSequence(sequences, { enforceSorted: false }));
    expect(unpacked.map((t) => t.toNested())).toEqual([[4, 5], [1, 2, 3], [6]]);
  });
});

describe('deliberate differences from torch', () => {
  it('rejects a length above the padded length, which torch 2.13 turns into an inconsistent PackedSequence', () => {
    const input = Tensor.zeros([3, 4, 1]);
    expect(() => packPaddedSequence(input, [5, 2, 1, 1])).toThrow(
      new RangeError(
        'pack_padded_sequence: a length of 5 exceeds the 3 time steps of the padded input ' +
          '(torch 2.13 would return a PackedSequence whose batch_sizes count more rows than its data holds)',
      ),
    );
  });

  it('rejects a length above the padded length after sorting, batch_first', () => {
    expect(() => packPaddedSequence(Tensor.zeros([4, 3, 1]), [1, 5, 2, 1], { batchFirst: true, enforceSorted: false })).toThrow(RangeError);
  });

  it('a PackedSequence whose batch sizes do not sum to the data rows is refused at construction', () => {
    expect(() => new PackedSequence(Tensor.zeros([5, 2]), [3, 1])).toThrow(
      new RangeError('PackedSequence: batchSizes sum to 4 but data has 5 rows; build packed batches with packPaddedSequence or packSequence'),
    );
  });

  it('a PackedSequence with growing batch sizes is refused', () => {
    expect(() => new PackedSequence(Tensor.zeros([4, 2]), [1, 3])).toThrow(/batchSizes grows at step 1 \(1 → 3\)/);
  });

  it('a PackedSequence with empty or non-positive batch sizes is refused', () => {
    expect(() => new PackedSequence(Tensor.zeros([0, 2]), [])).toThrow(/batchSizes is empty/);
    expect(() => new PackedSequence(Tensor.zeros([2, 2]), [2, 0])).toThrow(/batchSizes\[1\] = 0 is not a positive integer/);
  });

  it('a PackedSequence whose sorted indices are not a permutation of the batch is refused', () => {
    expect(() => new PackedSequence(Tensor.zeros([3, 2]), [2, 1], [0, 0])).toThrow(RangeError);
    expect(() => new PackedSequence(Tensor.zeros([3, 2]), [2, 1], [0, 1, 2])).toThrow(/sortedIndices has 3 entries for a batch of 2/);
    expect(() => new PackedSequence(Tensor.zeros([3, 2]), [2, 1], [1, 0], [0, 1])).toThrow(/not the inverse/);
  });
});

describe('PackedSequence construction', () => {
  it('fills unsortedIndices with the inverse of sortedIndices, as torch does', () => {
    const packed = new PackedSequence(Tensor.zeros([4, 1]), [3, 1], [2, 0, 1]);
    expect(packed.unsortedIndices).toEqual([1, 2, 0]);
  });

  it('invertPermutation inverts', () => {
    expect(invertPermutation([2, 0, 1])).toEqual([1, 2, 0]);
  });
});

describe('indexSelect error paths (torch 2.13 index_select on CPU)', () => {
  // Messages measured with torch 2.13.0: the dim-1 and empty-self paths name the bad index.
  it('dim 1 reports the first out-of-range index', () => {
    expectTorchError(() => indexSelect(Tensor.zeros([3, 2, 2]), 1, [0, 5, 4]), {
      type: 'RuntimeError',
      message: 'INDICES element is out of DATA bounds, id=5 axis_dim=2',
    });
  });

  it('dim 0 of a 2-D tensor raises IndexError without the index', () => {
    expectTorchError(() => indexSelect(Tensor.zeros([3, 2]), 0, [0, 5]), { type: 'IndexError', message: 'index out of range in self' });
  });

  it('an empty tensor with a zero-sized axis', () => {
    expectTorchError(() => indexSelect(Tensor.zeros([3, 0, 2]), 1, [0]), {
      type: 'RuntimeError',
      message: 'index_select(): self indexing axis dim should be positive',
    });
  });

  it('an empty tensor checks every index whatever the dim', () => {
    expectTorchError(() => indexSelect(Tensor.zeros([2, 3, 0]), 0, [0, 5]), {
      type: 'RuntimeError',
      message: 'INDICES element is out of DATA bounds, id=5 axis_dim=2',
    });
  });

  it('a 0-d tensor takes exactly one index', () => {
    expectTorchError(() => indexSelect(Tensor.fromNested(1), 0, [0, 1, 2]), {
      type: 'RuntimeError',
      message: 'index_select(): Index to scalar can have only 1 value, got 3 value(s)',
    });
  });

  it('no indices give an empty selection even on an empty axis', () => {
    expect(indexSelect(Tensor.zeros([3, 0, 2]), 1, []).shape).toEqual([3, 0, 2]);
  });
});

/** A padded batch: B sequences with the given lengths, padded with NaN so a leak would show. */
function paddedBatch(lengths: readonly number[], features: number, dtype: DType, batchFirst: boolean, seed: number): Tensor {
  const T = Math.max(...lengths);
  const B = lengths.length;
  const values = new Array<number>(T * B * features).fill(Number.NaN);
  lengths.forEach((length, b) => {
    for (let t = 0; t < length; t++) {
      for (let f = 0; f < features; f++) {
        const at = (batchFirst ? b * T + t : t * B + b) * features + f;
        values[at] = Math.sin(seed + 0.7 * at) * 3;
      }
    }
  });
  return Tensor.fromFlat(values, batchFirst ? [B, T, features] : [T, B, features], dtype);
}

const lengthsArb = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 20 }),
  fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 20 })).map(([length, n]) => new Array<number>(n).fill(length)),
  fc.array(fc.constantFrom(1, 2), { minLength: 1, maxLength: 30 }),
);

describe('round-trip properties (no oracle)', () => {
  it('pack then pad returns the padded input and the lengths, in the caller order', () => {
    fc.assert(
      fc.property(
        lengthsArb,
        fc.boolean(),
        fc.constantFrom<DType>('float32', 'float64'),
        fc.integer({ min: 1, max: 3 }),
        (lengths, batchFirst, dtype, features) => {
          const padded = paddedBatch(lengths, features, dtype, batchFirst, lengths.length);
          const packed = packPaddedSequence(padded, lengths, { batchFirst, enforceSorted: false });
          const [unpacked, outLengths] = padPackedSequence(packed, { batchFirst, paddingValue: Number.NaN });
          expect(outLengths).toEqual(lengths);
          expect(unpacked.shape).toEqual(padded.shape);
          expect([...unpacked.data].map(String)).toEqual([...padded.data].map(String));
        },
      ),
    );
  });

  it('with sorted lengths, enforce_sorted on and off pack identically apart from the indices', () => {
    fc.assert(
      fc.property(lengthsArb, fc.boolean(), (unsorted, batchFirst) => {
        const lengths = [...unsorted].sort((a, b) => b - a);
        const padded = paddedBatch(lengths, 2, 'float32', batchFirst, 1);
        const strict = packPaddedSequence(padded, lengths, { batchFirst });
        const loose = packPaddedSequence(padded, lengths, { batchFirst, enforceSorted: false });
        expect(loose.batchSizes).toEqual(strict.batchSizes);
        expect(strict.sortedIndices).toBeNull();
        // ties may be reordered (Note [unstable sort of lengths]), so compare per sequence
        const byIndex = unpackSequence(loose).map((t) => [...t.data]);
        expect(unpackSequence(strict).map((t) => [...t.data])).toEqual(byIndex);
      }),
    );
  });

  it('batch sizes count the sequences longer than each step, and sorted indices order lengths non-increasingly', () => {
    fc.assert(
      fc.property(lengthsArb, (lengths) => {
        const packed = packPaddedSequence(paddedBatch(lengths, 1, 'float64', false, 2), lengths, { enforceSorted: false });
        expect(packed.batchSizes).toEqual(Array.from({ length: Math.max(...lengths) }, (_, t) => lengths.filter((l) => l > t).length));
        const ordered = packed.sortedIndices!.map((i) => lengths[i]!);
        expect(ordered).toEqual([...lengths].sort((a, b) => b - a));
        expect(packed.sortedIndices!.map((_, k) => packed.unsortedIndices![packed.sortedIndices![k]!])).toEqual(ordered.map((_, k) => k));
      }),
    );
  });

  it('padSequence then packSequence agree with packing the padded batch', () => {
    fc.assert(
      fc.property(lengthsArb, fc.boolean(), (lengths, batchFirst) => {
        const sequences = lengths.map((length, b) =>
          Tensor.fromFlat(
            Array.from({ length: length * 2 }, (_, i) => b * 100 + i),
            [length, 2],
            'float64',
          ),
        );
        const padded = padSequence(sequences, { batchFirst });
        const viaPadded = packPaddedSequence(padded, lengths, { batchFirst, enforceSorted: false });
        const direct = packSequence(sequences, { enforceSorted: false });
        expect([...direct.data.data]).toEqual([...viaPadded.data.data]);
        expect(unpackSequence(direct).map((t) => t.toNested())).toEqual(sequences.map((t) => t.toNested()));
      }),
    );
  });
});
