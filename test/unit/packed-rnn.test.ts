// RNN.forward on a PackedSequence: torch 2.13's values and errors, and the per-sequence property (no oracle).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASSERT_CLOSE_DEFAULTS } from '../../harness/parity/compare.js';
import {
  PackedSequence,
  RNN,
  Tensor,
  fromTorchKwargs,
  manualSeed,
  packPaddedSequence,
  padPackedSequence,
  type DType,
  type TorchRNNKwargs,
} from '../../src/index.js';
import { decodeFloat, expectTorchError, fixtures, toTensor, type FixtureTensor } from './fixtures/torch-packed.js';

/** `torch.testing.assert_close` with its dtype defaults; packed RNN outputs are not bit-exact on an MKL torch. */
function expectClose(actual: Tensor, expected: FixtureTensor): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const { rtol, atol } = ASSERT_CLOSE_DEFAULTS[expected.dtype];
  expected.values.map(decodeFloat).forEach((want, i) => {
    const got = actual.data[i]!;
    if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) throw new Error(`element ${i}: ${got} vs torch ${want}`);
  });
}

describe('RNN.forward on a PackedSequence matches torch 2.13', () => {
  it.each(fixtures.rnn_packed.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const rnn = new RNN({ ...fromTorchKwargs(c.kwargs as unknown as TorchRNNKwargs), dtype: c.dtype }).train(c.training);
    rnn.loadStateDict(Object.fromEntries(Object.entries(c.state_dict).map(([name, t]) => [name, toTensor(t)])));
    const packed = new PackedSequence(toTensor(c.data), c.batch_sizes, c.sorted_indices);
    const hx = c.hx === null ? null : toTensor(c.hx);
    const act = () => {
      if (c.forward_seed !== null) manualSeed(c.forward_seed);
      return rnn.forward(packed, hx);
    };
    if (c.error) {
      expectTorchError(act, c.error);
      return;
    }
    const [output, hN] = act();
    expectClose(output.data, c.expected!.data);
    expectClose(hN, c.expected!.h_n);
    expect(output.batchSizes).toEqual(c.batch_sizes);
    expect(output.sortedIndices).toEqual(c.sorted_indices);
  });
});

describe('RNN.forward on a PackedSequence, other errors', () => {
  it('a non-tensor hx fails on index_select when the batch was sorted by packing', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const packed = packPaddedSequence(Tensor.zeros([3, 2, 2]), [1, 3], { enforceSorted: false });
    expectTorchError(() => rnn.forward(packed, [[0]] as unknown as Tensor), {
      type: 'AttributeError',
      message: "'list' object has no attribute 'index_select'",
    });
  });

  it('a non-tensor hx fails on size() after the input checks when the batch came sorted', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const packed = packPaddedSequence(Tensor.zeros([3, 2, 2]), [3, 1]);
    expectTorchError(() => rnn.forward(packed, [[0]] as unknown as Tensor), {
      type: 'AttributeError',
      message: "'list' object has no attribute 'size'",
    });
    const wide = packPaddedSequence(Tensor.zeros([3, 2, 5]), [3, 1]);
    expectTorchError(() => rnn.forward(wide, [[0]] as unknown as Tensor), {
      type: 'RuntimeError',
      message: 'input.size(-1) must be equal to input_size. Expected 2, got 5',
    });
  });
});

interface Config {
  numLayers: number;
  bidirectional: boolean;
  nonlinearity: 'tanh' | 'relu';
  bias: boolean;
  dtype: DType;
  inputSize: number;
  hiddenSize: number;
  lengths: number[];
  enforceSorted: boolean;
  withHx: boolean;
  seed: number;
}

const configs: fc.Arbitrary<Config> = fc.record({
  numLayers: fc.integer({ min: 1, max: 3 }),
  bidirectional: fc.boolean(),
  nonlinearity: fc.constantFrom('tanh' as const, 'relu' as const),
  bias: fc.boolean(),
  dtype: fc.constantFrom<DType>('float32', 'float64'),
  inputSize: fc.integer({ min: 1, max: 4 }),
  hiddenSize: fc.integer({ min: 1, max: 4 }),
  lengths: fc.oneof(
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }),
    fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 })).map(([length, n]) => new Array<number>(n).fill(length)),
  ),
  enforceSorted: fc.boolean(),
  withHx: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** The configured module in eval mode, its weights drawn from `config.seed`. */
function rnnOf(config: Config): RNN {
  manualSeed(config.seed);
  const { numLayers, bidirectional, nonlinearity, bias, dtype, inputSize, hiddenSize } = config;
  return new RNN({ inputSize, hiddenSize, numLayers, bidirectional, nonlinearity, bias, dtype }).eval();
}

/** A deterministic sign-varying tensor. */
function values(shape: number[], dtype: DType, phase: number): Tensor {
  const size = shape.reduce((p, s) => p * s, 1);
  return Tensor.fromFlat(
    Array.from({ length: size }, (_, i) => Math.sin(phase + 1.7 * i) * 1.2),
    shape,
    dtype,
  );
}

/** Batch column `b` of a (S, N, H) state, as the unbatched (S, H) state. */
function batchColumn(state: Tensor, b: number): Tensor {
  const [S, N, H] = state.shape as [number, number, number];
  const out = Tensor.zeros([S, H], state.dtype);
  for (let s = 0; s < S; s++) out.data.set(state.data.subarray((s * N + b) * H, (s * N + b + 1) * H), s * H);
  return out;
}

describe('a packed batch runs each sequence as if alone (no oracle, eval mode)', () => {
  it('packed output and h_n equal unbatched forwards of each sequence, bit for bit', () => {
    fc.assert(
      fc.property(configs, (config) => {
        const lengths = config.enforceSorted ? [...config.lengths].sort((a, b) => b - a) : config.lengths;
        const D = config.bidirectional ? 2 : 1;
        const rnn = rnnOf(config);
        const T = Math.max(...lengths);
        const B = lengths.length;
        const padded = values([T, B, config.inputSize], config.dtype, config.seed % 97);
        const hx = config.withHx ? values([D * config.numLayers, B, config.hiddenSize], config.dtype, 3) : null;
        const packed = packPaddedSequence(padded, lengths, { enforceSorted: config.enforceSorted });

        const [output, hN] = rnn.forward(packed, hx);
        const [outPadded] = padPackedSequence(output, { batchFirst: true });

        lengths.forEach((length, b) => {
          const alone = Tensor.zeros([length, config.inputSize], config.dtype);
          for (let t = 0; t < length; t++) {
            alone.data.set(padded.data.subarray((t * B + b) * config.inputSize, (t * B + b + 1) * config.inputSize), t * config.inputSize);
          }
          const [aloneOut, aloneHN] = rnn.forward(alone, hx === null ? null : batchColumn(hx, b));
          const width = D * config.hiddenSize;
          expect([...outPadded.data.subarray(b * T * width, (b * T + length) * width)]).toEqual([...aloneOut.data]);
          expect([...batchColumn(hN, b).data]).toEqual([...aloneHN.data]);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('reordering the batch with enforce_sorted=False permutes output and h_n the same way', () => {
    fc.assert(
      fc.property(configs, fc.func(fc.integer()), (config, key) => {
        const B = config.lengths.length;
        const order = Array.from({ length: B }, (_, i) => i).sort((i, j) => key(i) - key(j) || i - j);
        const D = config.bidirectional ? 2 : 1;
        const rnn = rnnOf(config);
        const T = Math.max(...config.lengths);
        const padded = values([T, B, config.inputSize], config.dtype, 1);
        const permuted = Tensor.zeros(padded.shape, config.dtype);
        for (let t = 0; t < T; t++) {
          order.forEach((from, to) => {
            permuted.data.set(
              padded.data.subarray((t * B + from) * config.inputSize, (t * B + from + 1) * config.inputSize),
              (t * B + to) * config.inputSize,
            );
          });
        }
        const [out1, h1] = rnn.forward(packPaddedSequence(padded, config.lengths, { enforceSorted: false }));
        const [out2, h2] = rnn.forward(
          packPaddedSequence(
            permuted,
            order.map((i) => config.lengths[i]!),
            { enforceSorted: false },
          ),
        );
        const [pad1] = padPackedSequence(out1, { batchFirst: true });
        const [pad2] = padPackedSequence(out2, { batchFirst: true });
        const rowWidth = T * D * config.hiddenSize;
        order.forEach((from, to) => {
          expect([...pad2.data.subarray(to * rowWidth, (to + 1) * rowWidth)]).toEqual([
            ...pad1.data.subarray(from * rowWidth, (from + 1) * rowWidth),
          ]);
          expect([...batchColumn(h2, to).data]).toEqual([...batchColumn(h1, from).data]);
        });
      }),
      { numRuns: 100 },
    );
  });
});
