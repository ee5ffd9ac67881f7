// Outcome: what running one parity case produced, on either side (TS or torch), in one comparable form.
import type { Tensor } from '../../src/index.js';

/** An error as Python reports it: `type(e).__name__` and `str(e)`. */
export interface ErrorOutcome {
  readonly type: string;
  readonly message: string;
}

/**
 * The result of one case. Tensor names are fixed across both sides: `output`, `h_n`,
 * `packed.data`, `packed.batch_sizes`, `packed.sorted_indices`, `packed.unsorted_indices`,
 * `padded`, `padded.lengths`, `weights.<param>`, `grad.input`, `grad.hx`, `grad.<param>`.
 */
export interface Outcome {
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly error: ErrorOutcome | null;
  readonly warnings: readonly string[];
}

/** How the case's tensors are laid out, so a mismatch can be decoded to (layer, direction, t, batch, unit). */
export interface CaseLayout {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly directions: number;
  readonly batchFirst: boolean;
  readonly batched: boolean;
  /** Packed input: torch's batch_sizes. */
  readonly batchSizes: readonly number[] | null;
  /** Sequence length (steps) of padded input. */
  readonly seqLen: number;
}

/** The float64 shadow of a float32 case: torch run on the same bits in float64. See Note [float64 shadow] in compare.ts. */
export type Shadow = Readonly<Record<string, Tensor>>;
