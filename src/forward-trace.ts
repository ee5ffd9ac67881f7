// What a recorded forward hands to backpropagation: the trace, the network's shape, and the row layout both share.
import type { Tensor } from './tensor.js';
import type { DType, FloatArray } from './tensor.js';

/**
 * Everything backpropagation through time needs from one forward pass, in sequence-first row layout
 * (row = offset of step t + batch position, as in packed data). Kept only when asked for.
 */
export interface ForwardTrace {
  readonly batchSizes: readonly number[];
  /** Per layer: its input rows (after the previous layer's dropout), (rows, H_in or D*H). */
  readonly layerInputs: readonly FloatArray[];
  /** Per layer: its output rows before dropout, (rows, D*H); direction d occupies columns d*H…. */
  readonly layerOutputs: readonly FloatArray[];
  /** Per layer: the dropout noise applied to its output, or null. */
  readonly dropoutNoises: readonly (FloatArray | null)[];
  /** Initial hidden state in packed (sorted) batch order, (D*NL, N, H). */
  readonly hx: FloatArray;
}

/** The parameters of one layer and direction. */
export interface LayerWeights {
  readonly weightIh: FloatArray;
  readonly weightHh: FloatArray;
  readonly biasIh: FloatArray | null;
  readonly biasHh: FloatArray | null;
}

/** The shape of a recurrent network that backpropagation reads; an `RNN` is one. */
export interface RecurrentNetwork {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numDirections: number;
  readonly nonlinearity: 'tanh' | 'relu';
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dtype: DType;
  namedParameters(): [string, Tensor][];
}

/** Row offset of each step's first row: the prefix sums of the batch sizes. */
export function stepOffsets(batchSizes: readonly number[]): number[] {
  const offsets = new Array<number>(batchSizes.length);
  let offset = 0;
  for (let t = 0; t < batchSizes.length; t++) {
    offsets[t] = offset;
    offset += batchSizes[t]!;
  }
  return offsets;
}
