// The harness has teeth: each bug planted in one seam of the RNN is found by a short campaign and shrunk small.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RNN, type FloatArray, type RNNOptions } from '../../../src/index.js';
import { reluInPlace, type ActivationKernel } from '../../../src/kernels.js';
import type { LayerWeights } from '../../../src/forward-trace.js';
import type { Tensor } from '../../../src/tensor.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { runCampaign } from '../../../harness/explore/campaign.js';
import { isApiFailure } from '../../../harness/explore/failures.js';
import type { ParityCase } from '../../../harness/parity/parity-case.js';

// Each subclass overrides exactly one protected seam of RNN's forward pass with a classic mistake.
const plantedBugs: Record<string, new (options: RNNOptions) => RNN> = {
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
};

/** The size of a shrunk case: what the issue promises (≤ 2 layers, hidden ≤ 3, seq ≤ 3, batch ≤ 2). */
function sizeOf(c: ParityCase): { layers: number; hidden: number; seqLen: number; batch: number } {
  const batchFirst = c.kwargs.batch_first === true;
  const batched = c.input.ndim === 3;
  return {
    layers: Number(c.kwargs.num_layers ?? 1),
    hidden: Number(c.kwargs.hidden_size),
    seqLen: batched && batchFirst ? c.input.shape[1]! : c.input.shape[0]!,
    batch: batched ? c.input.shape[batchFirst ? 0 : 1]! : 1,
  };
}

describe('planted bugs', () => {
  let bridge: TorchBridge;
  beforeAll(async () => {
    bridge = await TorchBridge.start();
  });
  afterAll(async () => {
    await bridge.stop();
  });

  it.each(Object.entries(plantedBugs))('finds and shrinks: %s', async (_, Buggy) => {
    const report = await runCampaign({ bridge, seed: 20261128, budgetMs: 30_000, shrinkBudgetMs: 60_000, minCases: 1, factory: (o) => new Buggy(o) });
    expect(report.passed).toBe(false);
    expect(report.failures.length).toBeGreaterThan(0);
    const failure = report.failures[0]!;
    if (isApiFailure(failure)) throw new Error(`an RNN bug was reported on an API case: ${failure.report[0]}`);
    const shrunk = sizeOf(failure.case);
    console.log(
      `${_}: ${report.casesExplored} cases to find, ${report.fastCheck?.shrinks} shrinks →`,
      JSON.stringify(shrunk),
      report.failures[0]!.report[0],
    );
    expect(shrunk.layers).toBeLessThanOrEqual(2);
    expect(shrunk.hidden).toBeLessThanOrEqual(3);
    expect(shrunk.seqLen).toBeLessThanOrEqual(3);
    expect(shrunk.batch).toBeLessThanOrEqual(2);
  });

  it('the unmodified RNN passes the same campaign', async () => {
    const report = await runCampaign({ bridge, seed: 20261128, budgetMs: 15_000, minCases: 100 });
    expect(report.failures.map((f) => f.report)).toEqual([]);
    expect(report.passed).toBe(true);
  });
});
