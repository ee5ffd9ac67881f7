// Classic RNN bugs and skipped float32 rounding points, each planted in one protected seam of the library's RNN: the harness's teeth (planted-bugs.test.ts, pool.test.ts).
import { PackedSequence, RNN, type FloatArray, type RNNGradResult, type RNNOptions } from '../../../src/index.js';
import { indexSelect } from '../../../src/index-select.js';
import { reluInPlace, type ActivationKernel } from '../../../src/kernels.js';
import type { LayerWeights } from '../../../src/forward-trace.js';
import type { Tensor } from '../../../src/tensor.js';
import type { RNNFactory } from '../../../harness/parity/parity-case.js';

// Each subclass overrides exactly one protected seam of RNN's forward pass with a classic mistake.
export const plantedBugs: Record<string, new (options: RNNOptions) => RNN> = {
  'bias_hh used in place of bias_ih': class extends RNN {
    protected override layerWeights(layer: number, dir: number): LayerWeights {
      const w = super.layerWeights(layer, dir);
      return { ...w, biasIh: w.biasHh };
    }
  },
  'reverse direction concatenated first': class extends RNN {
    protected override directionColumn(dir: number): number {
      return (this.numDirections - 1 - dir) * this.hiddenSize;
    }
  },
  'h_n ordered direction-major': class extends RNN {
    protected override hNIndex(layer: number, dir: number): number {
      return dir * this.numLayers + layer;
    }
  },
  'reverse loop stops before t = 0': class extends RNN {
    protected override stepOrder(dir: number, steps: number): number[] {
      const order = super.stepOrder(dir, steps);
      return dir === 1 ? order.slice(0, -1) : order;
    }
  },
  'batch_first reshaped instead of transposed': class extends RNN {
    protected override toSequenceFirst(input: Tensor): Tensor {
      return this.batchFirst ? input.reshape([input.shape[1]!, input.shape[0]!, input.shape[2]!]) : input;
    }
  },
  'relu applied for tanh': class extends RNN {
    protected override activation(): ActivationKernel {
      return reluInPlace;
    }
  },
  'float64 sums rounded through float32': class extends RNN {
    protected override scratch(length: number): FloatArray {
      return new Float32Array(length);
    }
  },
  'dropout active in eval mode': class extends RNN {
    protected override dropoutActive(layer: number): boolean {
      return this.dropout !== 0 && layer < this.numLayers - 1;
    }
  },
  'hx ignored': class extends RNN {
    protected override initialHidden(_hx: FloatArray, _layer: number, _dir: number, batch: number): FloatArray {
      return this.scratch(batch * this.hiddenSize);
    }
  },
  // Rounding points (Note [rounding-point tier]): each keeps a value torch materialises as float32 in
  // float64, so TS is closer to the exact answer than torch and every tolerance passes it.
  'sum of the projections not rounded to float32 before the activation': class extends RNN {
    protected override activateStep(recurrent: FloatArray, projected: FloatArray, offset: number, length: number, activate: ActivationKernel): void {
      const sums = new Float64Array(length);
      for (let j = 0; j < length; j++) sums[j] = recurrent[j]! + projected[offset + j]!;
      activate(sums, 0, length);
      recurrent.set(sums);
    }
  },
  'input projection kept in float64': class extends RNN {
    protected override projectionBuffer(length: number): FloatArray {
      return new Float64Array(length);
    }
  },
  'recurrent projection and sum kept in float64': class extends RNN {
    protected override scratch(length: number): FloatArray {
      return new Float64Array(length);
    }
  },
  // Gradients of packed input with unsorted lengths: the batch permutation forgotten on the way back.
  'grad of h_n not permuted into sorted order (unsorted packed input)': class extends RNN {
    override forwardWithGrad<I extends Tensor | PackedSequence>(input: I, hx?: Tensor | null): RNNGradResult<I> {
      const run = super.forwardWithGrad(input, hx);
      const unsorted = input instanceof PackedSequence ? input.unsortedIndices : null;
      if (unsorted === null) return run;
      // backward permutes grad h_n by sorted_indices; handing it the inverse first cancels that.
      return { ...run, backward: (gradOutput, gradHN) => run.backward(gradOutput, gradHN == null ? gradHN : indexSelect(gradHN, 1, unsorted)) };
    }
  },
  'grad of hx left in sorted order (unsorted packed input)': class extends RNN {
    override forwardWithGrad<I extends Tensor | PackedSequence>(input: I, hx?: Tensor | null): RNNGradResult<I> {
      const run = super.forwardWithGrad(input, hx);
      const sorted = input instanceof PackedSequence ? input.sortedIndices : null;
      if (sorted === null) return run;
      return {
        ...run,
        backward: (gradOutput, gradHN) => {
          const grads = run.backward(gradOutput, gradHN);
          return { ...grads, gradHx: indexSelect(grads.gradHx, 1, sorted) };
        },
      };
    }
  },
};

/**
 * The factory of one planted bug, by name: what a TS worker thread imports (a class cannot cross to a
 * thread, so the pool names this module and export; harness/parity/thread-factory.ts).
 * @throws Error for a name that is not a planted bug.
 */
export function plantedBugFactory(name: string): RNNFactory {
  const Buggy = plantedBugs[name];
  if (Buggy === undefined) throw new Error(`no planted bug named ${JSON.stringify(name)}`);
  return (options) => new Buggy(options);
}
