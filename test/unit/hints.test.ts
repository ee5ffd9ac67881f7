// "Did you mean" lines for torch's option spelling and plain arrays: torch's error type and first line, then the hint.
import { describe, expect, it } from 'vitest';
import { RNN, Tensor, TorchError } from '../../src/index.js';

function thrown(call: () => unknown): TorchError {
  try {
    call();
  } catch (error) {
    if (error instanceof TorchError) return error;
    throw error;
  }
  throw new Error('expected a TorchError');
}

describe('hints for callers who write PyTorch', () => {
  it("adds a camelCase suggestion to torch's TypeError for a snake_case option", () => {
    // Arrange: the options exactly as a torch user writes them.
    const options = { input_size: 2, hidden_size: 3 } as unknown as ConstructorParameters<typeof RNN>[0];
    // Act
    const error = thrown(() => new RNN(options));
    // Assert
    expect(error.name).toBe('TypeError');
    expect(error.message.split('\n')).toEqual([
      "RNNBase.__init__() got an unexpected keyword argument 'input_size'",
      "Did you mean 'inputSize'? Options are camelCase here; fromTorchKwargs({ input_size: … }) converts torch's spelling.",
    ]);
  });

  it('suggests batchFirst for batch_first alongside valid options', () => {
    const error = thrown(() => new RNN({ inputSize: 2, hiddenSize: 3, batch_first: true } as unknown as ConstructorParameters<typeof RNN>[0]));
    expect(error.message).toMatch(/^RNNBase.__init__\(\) got an unexpected keyword argument 'batch_first'\nDid you mean 'batchFirst'\?/);
  });

  it('leaves an unknown option that is no snake_case spelling of one exactly as torch says it', () => {
    const error = thrown(() => new RNN({ inputSize: 2, hiddenSize: 3, fooBar: 1 } as unknown as ConstructorParameters<typeof RNN>[0]));
    expect(error.message).toBe("RNNBase.__init__() got an unexpected keyword argument 'foo_bar'");
  });

  it("adds Tensor.fromNested to torch's AttributeError for a nested array input", () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const error = thrown(() => rnn.forward([[[0.5, -1]]] as unknown as Tensor));
    expect(error.name).toBe('AttributeError');
    expect(error.message.split('\n')[0]).toBe("'list' object has no attribute 'dim'");
    expect(error.message.split('\n')[1]).toMatch(/^Did you mean Tensor\.fromNested\(array\)\?/);
  });

  it('adds Tensor.fromFlat for a typed array input', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const error = thrown(() => rnn.forward(new Float32Array(2) as unknown as Tensor));
    expect(error.message.split('\n')[1]).toMatch(/^Did you mean Tensor\.fromFlat\(values, shape\)/);
  });

  it('the suggested spelling works', () => {
    expect(new RNN({ inputSize: 2, hiddenSize: 3 }).forward(Tensor.fromNested([[[0.5, -1]]]))[0].shape).toEqual([1, 1, 3]);
  });
});
