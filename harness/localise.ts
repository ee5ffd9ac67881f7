// Localisation: which layer of a failing case first leaves torch, by comparing every layer's output.
import { fromTorchKwargs, type RNNOptions } from '../src/index.js';
import type { TorchBridge } from './bridge.js';
import type { CaseFailure } from './campaign.js';
import { compareOutcomes, formatDifference } from './compare.js';
import { type RNNFactory, layoutOf, toWireCase, weightsOf } from './parity-case.js';
import { decodeTensor } from './wire-tensor.js';

/**
 * Compares the output of every layer of a failing case, TS (`RNN.layerOutputs`) against torch (the
 * worker's `want.layers`: each layer run alone on torch's layer below), and names the first layer
 * outside the budget. Null where layers cannot be separated: errors, packed input, train-mode dropout.
 */
export async function localiseFailure(bridge: TorchBridge, failure: CaseFailure, factory: RNNFactory): Promise<string | null> {
  const c = failure.case;
  if (failure.torch.error !== null || c.packed !== null || (c.training && Number(c.kwargs.dropout ?? 0) > 0)) return null;
  const [result] = await bridge.run([{ ...toWireCase(c, 'localise'), want: { layers: true } }]);
  if (result?.layers === undefined) return null;
  const rnn = factory({ ...fromTorchKwargs(c.kwargs), dtype: c.dtype } as RNNOptions).eval();
  rnn.loadStateDict(weightsOf(c));
  const ours = rnn.layerOutputs(c.input, c.hx);
  for (let layer = 0; layer < result.layers.length; layer++) {
    const comparison = compareOutcomes(
      { tensors: { output: ours[layer]! }, error: null, warnings: [] },
      { tensors: { output: decodeTensor(result.layers[layer]!.output) }, error: null, warnings: [] },
      { ...layoutOf(c), numLayers: layer + 1 },
    );
    if (!comparison.equal) return `first layer to leave torch: ${layer}; ${formatDifference(comparison.differences[0]!)}`;
  }
  return 'no single layer output leaves the budget: the difference shows only in what the case compares beyond layer outputs';
}
