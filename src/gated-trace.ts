// What a recorded LSTM / GRU forward hands to backpropagation, and the shape of one direction's backward.
import type { DType, FloatArray } from './tensor.js';

/**
 * Everything backpropagation through an LSTM or GRU needs from one forward pass, in sequence-first
 * row layout (row = offset of step t + batch position, as in packed data). The gates are recomputed
 * from these, bit for bit, when backward runs, so a forward keeps no per-step values.
 */
export interface GatedTrace {
  readonly batchSizes: readonly number[];
  /** N: the batch (the first batch size). */
  readonly batch: number;
  /** Per layer: its input rows (after the previous layer's dropout), (rows, H_in or D·H_out). */
  readonly layerInputs: readonly FloatArray[];
  /** Per layer: the dropout noise applied to its output, or null. */
  readonly dropoutNoises: readonly (FloatArray | null)[];
  /** Per state (h, then c for LSTM): (D·num_layers, N, size) in packed (sorted) batch order, or null for zeros. */
  readonly initial: readonly (FloatArray | null)[];
}

/** The parameters of one layer and direction, copied when the forward was recorded. */
export interface GatedWeights {
  readonly weightIh: FloatArray;
  readonly weightHh: FloatArray;
  readonly biasIh: FloatArray | null;
  readonly biasHh: FloatArray | null;
  /** LSTM with projections only: W_hr (P, H). */
  readonly weightHr: FloatArray | null;
}

/** One layer and direction to differentiate. */
export interface DirectionInput {
  readonly hiddenSize: number;
  /** H_out: proj_size or hidden_size. */
  readonly outputSize: number;
  readonly numDirections: number;
  readonly dtype: DType;
  readonly dir: number;
  readonly weights: GatedWeights;
  /** The layer input rows, (rows, inputWidth). */
  readonly input: FloatArray;
  readonly inputWidth: number;
  readonly batchSizes: readonly number[];
  /** Initial states of this direction, each (N, size); zeros if the caller gave none. */
  readonly initial: readonly FloatArray[];
  /** ∂L/∂(layer output rows), (rows, D·H_out), or null when nothing above reads the output. */
  readonly gradOutput: Readonly<FloatArray> | null;
  /** ∂L/∂(final states), each (N, size), or null for zeros. */
  readonly gradFinal: readonly (Readonly<FloatArray> | null)[];
}

/** One direction's gradients: the layer input rows, the initial states, and its parameters by kind. */
export interface DirectionGradients {
  readonly gradInput: FloatArray;
  readonly gradInitial: FloatArray[];
  readonly weightIh: FloatArray;
  readonly weightHh: FloatArray;
  readonly biasIh: FloatArray | null;
  readonly biasHh: FloatArray | null;
  readonly weightHr: FloatArray | null;
}

/** Backpropagation through one layer and direction of an LSTM or GRU. */
export type DirectionBackward = (direction: DirectionInput) => DirectionGradients;
