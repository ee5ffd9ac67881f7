// Classic LSTM and GRU bugs, each planted in one protected seam of the library's LSTM or GRU: the harness's teeth for the family (planted-bugs.test.ts).
import { GRU, LSTM, type LSTMGradResult, type LSTMResult, type PackedSequence, type Tensor } from '../../../src/index.js';
import type { LayerWeights } from '../../../src/forward-trace.js';
import { linear, tanhInPlace } from '../../../src/kernels.js';
import type { LSTMWeights } from '../../../src/lstm-step.js';
import type { GRUOptions, LSTMOptions } from '../../../src/recurrent-base.js';
import { sigmoidInPlace } from '../../../src/sigmoid.js';
import { type FloatArray, allocate } from '../../../src/tensor.js';
import { type FamilyFactory, defaultFamilyFactory } from '../../../harness/parity/family-run.js';
import { type RNNFactory, defaultFactory } from '../../../harness/parity/parity-case.js';

/** The gate blocks (each `hidden` rows of a G·H-row weight or bias) reordered: block i of the result is block `order[i]`. */
function permuteGates(data: FloatArray | null, order: readonly number[]): FloatArray | null {
  if (data === null) return null;
  const block = data.length / order.length;
  const out = new (data.constructor as new (n: number) => FloatArray)(data.length);
  order.forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

function permuted(w: LSTMWeights, order: readonly number[]): LSTMWeights {
  return {
    ...w,
    weightIh: permuteGates(w.weightIh, order)!,
    weightHh: permuteGates(w.weightHh, order)!,
    biasIh: permuteGates(w.biasIh, order),
    biasHh: permuteGates(w.biasHh, order),
  };
}

/** torch's GRU step with the reset gate applied to h before W_hn (Keras' reset_after=False), not to W_hn·h + b_hn after. */
function gruStepResetBefore(inputGates: Readonly<FloatArray>, inputOffset: number, h: FloatArray, rows: number, H: number, w: LayerWeights): void {
  const round = h instanceof Float32Array ? Math.fround : (x: number): number => x;
  const dtype = h instanceof Float32Array ? 'float32' : 'float64';
  const scratch = allocate(dtype, rows * 2 * H);
  const resetH = allocate(dtype, rows * H);
  const hiddenNew = allocate(dtype, rows * H);
  linear(scratch, 0, h, 0, rows, w.weightHh.subarray(0, 2 * H * H), w.biasHh?.subarray(0, 2 * H) ?? null, 2 * H, H);
  for (let n = 0; n < rows; n++) {
    for (let j = 0; j < 2 * H; j++) scratch[n * 2 * H + j] = scratch[n * 2 * H + j]! + inputGates[inputOffset + n * 3 * H + j]!;
    sigmoidInPlace(scratch, n * 2 * H, 2 * H);
    for (let j = 0; j < H; j++) resetH[n * H + j] = round(scratch[n * 2 * H + j]! * h[n * H + j]!);
  }
  linear(hiddenNew, 0, resetH, 0, rows, w.weightHh.subarray(2 * H * H), w.biasHh?.subarray(2 * H) ?? null, H, H);
  for (let n = 0; n < rows; n++) {
    for (let j = 0; j < H; j++) hiddenNew[n * H + j] = hiddenNew[n * H + j]! + inputGates[inputOffset + n * 3 * H + 2 * H + j]!;
    tanhInPlace(hiddenNew, n * H, H);
    for (let j = 0; j < H; j++) {
      const update = scratch[n * 2 * H + H + j]!;
      const candidate = hiddenNew[n * H + j]!;
      h[n * H + j] = round(round(h[n * H + j]! - candidate) * update) + candidate;
    }
  }
}

// Each class overrides exactly one protected seam (or the public result) of LSTM or GRU with a classic mistake.
const lstmBugs: Record<string, new (options: LSTMOptions) => LSTM> = {
  'LSTM gates read as i, f, o, g (g and o swapped)': class extends LSTM {
    protected override layerWeights(layer: number, dir: number): LSTMWeights {
      return permuted(super.layerWeights(layer, dir), [0, 1, 3, 2]);
    }
  },
  "LSTM forget-gate bias + 1 (Keras' unit_forget_bias on top of torch's)": class extends LSTM {
    protected override layerWeights(layer: number, dir: number): LSTMWeights {
      const w = super.layerWeights(layer, dir);
      if (w.biasIh === null) return w;
      const biasIh = w.biasIh.slice();
      for (let j = this.hiddenSize; j < 2 * this.hiddenSize; j++) biasIh[j] = biasIh[j]! + 1;
      return { ...w, biasIh };
    }
  },
  'LSTM c_n returned for h_n': class extends LSTM {
    override forward<I extends Tensor | PackedSequence>(input: I, hx?: readonly [Tensor, Tensor] | null): LSTMResult<I> {
      const [output, [, cN]] = super.forward(input, hx);
      return [output, [cN, cN]];
    }
    override forwardWithGrad<I extends Tensor | PackedSequence>(input: I, hx?: readonly [Tensor, Tensor] | null): LSTMGradResult<I> {
      const run = super.forwardWithGrad(input, hx);
      return { ...run, hN: run.cN, backward: run.backward };
    }
  },
  'LSTM weight_hr read column-major (the projection transposed)': class extends LSTM {
    protected override layerWeights(layer: number, dir: number): LSTMWeights {
      const w = super.layerWeights(layer, dir);
      if (w.weightHr === null) return w;
      const P = this.projSize;
      const H = this.hiddenSize;
      const weightHr = w.weightHr.slice();
      for (let p = 0; p < P; p++) for (let j = 0; j < H; j++) weightHr[p * H + j] = w.weightHr[j * P + p]!;
      return { ...w, weightHr };
    }
  },
};

const gruBugs: Record<string, new (options: GRUOptions) => GRU> = {
  'GRU gates read as z, r, n (r and z swapped)': class extends GRU {
    protected override layerWeights(layer: number, dir: number): LSTMWeights {
      return permuted(super.layerWeights(layer, dir), [1, 0, 2]);
    }
  },
  'GRU reset gate applied to h before W_hn (not to W_hn·h + b_hn after)': class extends GRU {
    protected override step(inputGates: Readonly<FloatArray>, inputOffset: number, h: FloatArray, rows: number, weights: LayerWeights): void {
      gruStepResetBefore(inputGates, inputOffset, h, rows, this.hiddenSize, weights);
    }
  },
};

/** Every planted family bug by name, with the module kind it lives in. */
export const plantedFamilyBugs: Record<string, { readonly kind: 'lstm' | 'gru'; readonly Buggy: new (options: LSTMOptions) => LSTM | GRU }> = {
  ...Object.fromEntries(Object.entries(lstmBugs).map(([name, Buggy]) => [name, { kind: 'lstm' as const, Buggy }])),
  ...Object.fromEntries(Object.entries(gruBugs).map(([name, Buggy]) => [name, { kind: 'gru' as const, Buggy }])),
};

/**
 * The factory of one planted family bug, by name: the library's RNN and other modules, the buggy
 * class for its own kind (as a TS worker thread would import it: harness/parity/thread-factory.ts).
 * @throws Error for a name that is not a planted family bug.
 */
export function plantedFamilyBugFactory(name: string): RNNFactory {
  const bug = plantedFamilyBugs[name];
  if (bug === undefined) throw new Error(`no planted family bug named ${JSON.stringify(name)}`);
  const family: FamilyFactory = (kind, options) =>
    kind === bug.kind ? new bug.Buggy(options as unknown as LSTMOptions) : defaultFamilyFactory(kind, options);
  return Object.assign((options: Parameters<RNNFactory>[0]) => defaultFactory(options), { family });
}
