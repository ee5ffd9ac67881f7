// Localisation: which layer of a failing case first leaves torch, by comparing every layer's output.
import { fromTorchKwargs, type RNN, type RNNOptions, Tensor } from '../../src/index.js';
import { parameterSuffix } from '../../src/parameter-names.js';
import type { TorchBridge } from '../worker/bridge.js';
import type { CaseFailure } from './failures.js';
import { compareOutcomes } from '../parity/compare.js';
import { formatDifference } from '../parity/difference.js';
import { type RNNFactory, layoutOf, toWireCase, weightsOf } from '../parity/parity-case.js';
import { decodeTensor } from '../worker/wire-tensor.js';

/**
 * Compares the output of every layer of a failing case, TS ({@link layerOutputs}) against torch (the
 * worker's `want.layers`: each layer run alone on torch's layer below), and names the first layer
 * outside the budget. Null where layers cannot be separated: errors, packed input, train-mode dropout.
 */
export async function localiseFailure(bridge: TorchBridge, failure: CaseFailure, factory: RNNFactory): Promise<string | null> {
  const c = failure.case;
  // The worker separates layers of nn.RNN only (want.layers, python/PROTOCOL.md); family cases are not localised.
  if ((c.module ?? 'rnn') !== 'rnn') return null;
  if (failure.torch.error !== null || c.packed !== null || (c.training && Number(c.kwargs.dropout ?? 0) > 0)) return null;
  const [result] = await bridge.run([{ ...toWireCase(c, 'localise'), want: { layers: true } }]);
  if (result?.layers === undefined) return null;
  const options = { ...fromTorchKwargs(c.kwargs), dtype: c.dtype } as RNNOptions;
  const rnn = factory(options).eval();
  rnn.loadStateDict(weightsOf(c));
  const ours = layerOutputs(rnn, c.input, c.hx, factory);
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

/**
 * The output of every layer of `rnn` in eval mode, each layer run as its own single-layer module (built
 * by `factory`, so a planted bug stays in force) on the previous layer's output, with its rows of hx —
 * what the worker's `layer_by_layer` does in torch. The last entry equals `rnn.forward`'s output.
 * Not for packed input. @throws as `forward`.
 */
export function layerOutputs(rnn: RNN, input: Tensor, hx: Tensor | null, factory: RNNFactory): Tensor[] {
  const D = rnn.numDirections;
  const parameters = new Map(rnn.namedParameters());
  const outputs: Tensor[] = [];
  let x = input;
  for (let layer = 0; layer < rnn.numLayers; layer++) {
    const sub = factory({
      inputSize: layer === 0 ? rnn.inputSize : rnn.hiddenSize * D,
      hiddenSize: rnn.hiddenSize,
      nonlinearity: rnn.nonlinearity,
      bias: rnn.bias,
      batchFirst: rnn.batchFirst,
      bidirectional: rnn.bidirectional,
      dtype: rnn.dtype,
    }).eval();
    const stateDict: Record<string, Tensor> = {};
    for (const [name] of sub.namedParameters()) {
      const source = name.replace(/_l0(_reverse)?$/, (_, reverse: string | undefined) => `_${parameterSuffix(layer, reverse === undefined ? 0 : 1)}`);
      stateDict[name] = parameters.get(source)!;
    }
    sub.loadStateDict(stateDict);
    let layerHx: Tensor | null = null;
    if (hx !== null) {
      const rows = hx.size / hx.shape[0]!;
      layerHx = new Tensor(hx.data.slice(layer * D * rows, (layer + 1) * D * rows), [D, ...hx.shape.slice(1)]);
    }
    x = sub.forward(x, layerHx)[0];
    outputs.push(x);
  }
  return outputs;
}
