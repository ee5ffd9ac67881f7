// Small builders shared by the tests.
import { RNN, Tensor, type DType, type RNNOptions } from '../src/index.js';

/** An RNN whose parameters are all set from `values` (name → flat values), in eval mode. */
export function rnnWithWeights(options: RNNOptions, values: Record<string, number[]>): RNN {
  const rnn = new RNN(options).eval();
  const dict: Record<string, Tensor> = {};
  for (const [name, param] of rnn.namedParameters()) {
    const flat = values[name];
    if (flat === undefined) throw new Error(`test helper: no values for ${name}`);
    dict[name] = Tensor.fromFlat(flat, param.shape, param.dtype);
  }
  rnn.loadStateDict(dict);
  return rnn;
}

/** A tensor of `shape` filled with a deterministic, sign-varying sequence. */
export function wave(shape: number[], dtype: DType = 'float32', phase = 0): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromFlat(
    Array.from({ length: size }, (_, i) => Math.sin(1.3 * i + phase) * 1.5),
    shape,
    dtype,
  );
}

/** xorshift32 in [0, 1): the same stream for the same seed, so sampled inputs are the same on every run. */
export function uniforms(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}
