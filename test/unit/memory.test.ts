// The memory cap: sizes past it are refused with a RuntimeError before anything is allocated, never a bare RangeError.
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_LIMIT,
  RNN,
  Tensor,
  TorchError,
  getMemoryLimit,
  packPaddedSequence,
  padPackedSequence,
  setMemoryLimit,
  type RNNOptions,
} from '../../src/index.js';

function thrown(run: () => unknown): { error: unknown; ms: number } {
  const start = performance.now();
  try {
    run();
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
  throw new Error('expected a throw');
}

function expectMemoryError(run: () => unknown, bytes: string, what: string): void {
  const { error, ms } = thrown(run);
  expect(error).toBeInstanceOf(TorchError);
  expect((error as TorchError).name).toBe('RuntimeError');
  expect((error as TorchError).message).toBe(
    `rnn-parity memory limit: ${what} needs ${bytes} bytes, over the limit of ${getMemoryLimit()} bytes; ` +
      'raise it with setMemoryLimit(bytes) (torch has no such limit and would try to allocate)',
  );
  // Refused before allocating: no time spent filling memory (generous for a loaded machine).
  expect(ms).toBeLessThan(1000);
}

afterEach(() => setMemoryLimit(DEFAULT_MEMORY_LIMIT));

describe('the memory cap on RNN parameters', () => {
  it('is 2 GiB by default', () => {
    expect(getMemoryLimit()).toBe(2 ** 31);
  });

  it('refuses num_layers 1e9 before building any layer', () => {
    // 3·2 + 3·3 + 2·3 = 21 for layer 0, (1e9 − 1)·(3·3 + 3·3 + 2·3) more, 4 bytes each.
    expectMemoryError(
      () => new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 1e9 }),
      '95999999988',
      'the parameters of RNN(2, 3, num_layers=1000000000)',
    );
  });

  it('refuses hidden_size 1e9 with a RuntimeError, not RangeError: Invalid typed array length', () => {
    expectMemoryError(() => new RNN({ inputSize: 2, hiddenSize: 1e9 }), '4000000016000000000', 'the parameters of RNN(2, 1000000000)');
  });

  it('refuses hidden_size 46341, whose weight_hh alone is 8.6 GB', () => {
    expectMemoryError(() => new RNN({ inputSize: 2, hiddenSize: 46341 }), '8590694580', 'the parameters of RNN(2, 46341)');
  });

  it('counts float64 parameters at 8 bytes', () => {
    expectMemoryError(() => new RNN({ inputSize: 2, hiddenSize: 20000, dtype: 'float64' }), '3200640000', 'the parameters of RNN(2, 20000)');
  });

  it('accepts the same module once the cap is raised, and a small cap refuses small modules', () => {
    setMemoryLimit(80);
    expectMemoryError(() => new RNN({ inputSize: 2, hiddenSize: 3 }), '84', 'the parameters of RNN(2, 3)');
    setMemoryLimit(84);
    expect(new RNN({ inputSize: 2, hiddenSize: 3 }).parameters()).toHaveLength(4);
  });

  it('refuses a BigInt size past 2**53 as the cap, not a precision error', () => {
    const { error } = thrown(() => new RNN({ inputSize: 2, hiddenSize: 10n ** 30n } as unknown as RNNOptions));
    expect((error as TorchError).name).toBe('RuntimeError');
    expect((error as TorchError).message).toMatch(/^rnn-parity memory limit: the parameters of RNN\(2, 1e\+30\) needs/);
  });

  it('rejects a limit that is not a positive number', () => {
    expect(() => setMemoryLimit(0)).toThrow(TypeError);
    expect(() => setMemoryLimit(Number.NaN)).toThrow('setMemoryLimit: the limit must be a positive number of bytes, got NaN');
  });
});

describe('the memory cap on forward passes', () => {
  it('refuses a long input whose outputs would pass the cap, after torch checks', () => {
    setMemoryLimit(1e6);
    const rnn = new RNN({ inputSize: 1, hiddenSize: 100 });
    const input = Tensor.zeros([2000, 1, 1]);
    // elements: 2·1·1·1·100 + 2000·(1 + 600) = 1202200, 4 bytes each
    expectMemoryError(() => rnn.forward(input), '4808800', 'a forward pass of RNN(1, 100) over 2000 rows of batch 1');
    expect(() => rnn.forward(Tensor.zeros([2000, 1, 2]))).toThrow('input.size(-1) must be equal to input_size. Expected 1, got 2');
  });

  it('counts what a recorded forward keeps for backward', () => {
    setMemoryLimit(1e6);
    const rnn = new RNN({ inputSize: 1, hiddenSize: 100 });
    const input = Tensor.zeros([400, 1, 1]);
    expect(() => rnn.forward(input)).not.toThrow();
    // 200 + 400·601 + 3·400·100 + 4·400·100 + 10300 parameters = 530,900 elements
    expectMemoryError(() => rnn.forwardWithGrad(input), '2123600', 'a recorded forward pass of RNN(1, 100) over 400 rows of batch 1');
  });

  it('refuses a packed input by its rows', () => {
    setMemoryLimit(1e6);
    const rnn = new RNN({ inputSize: 1, hiddenSize: 100 });
    const packed = packPaddedSequence(Tensor.zeros([1000, 2, 1]), [1000, 1000]);
    expectMemoryError(() => rnn.forward(packed), '4809600', 'a forward pass of RNN(1, 100) over 2000 rows of batch 2');
  });
});

describe('the memory cap on tensors', () => {
  it('refuses Tensor.zeros past the cap, never a RangeError', () => {
    expectMemoryError(() => Tensor.zeros([1e9, 1e9]), '4000000000000000000', 'a float32 tensor of shape [1000000000, 1000000000]');
  });

  it('refuses a padded output whose total_length passes the cap', () => {
    const packed = packPaddedSequence(Tensor.zeros([2, 1, 1]), [2]);
    expectMemoryError(() => padPackedSequence(packed, { totalLength: 1e12 }), '4000000000000', 'a float32 buffer of 1000000000000 elements');
  });

  it('turns the JS engine refusing an allocation into the same RuntimeError when the cap is lifted', () => {
    setMemoryLimit(Infinity);
    const { error } = thrown(() => Tensor.zeros([2 ** 53]));
    expect(error).toBeInstanceOf(TorchError);
    expect((error as TorchError).message).toMatch(
      /^rnn-parity memory limit: a float32 buffer of 9007199254740992 elements needs 36028797018963970 bytes/,
    );
  });
});
