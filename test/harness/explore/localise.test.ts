// localise's layerOutputs: each layer run alone on the layer below, as the worker's layer_by_layer does in torch.
import { describe, expect, it } from 'vitest';
import { RNN, Tensor } from '../../../src/index.js';
import { layerOutputs } from '../../../harness/explore/localise.js';
import { wave } from '../../helpers.js';

const factory = (options: ConstructorParameters<typeof RNN>[0]) => new RNN(options);

describe('layerOutputs', () => {
  it('ends with forward’s output, and its first entry is what layer 0 alone computes', () => {
    const rnn = new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 3, bidirectional: true, batchFirst: true, dtype: 'float64' }).eval();
    const x = wave([2, 5, 3], 'float64');
    const layers = layerOutputs(rnn, x, null, factory);
    expect(layers).toHaveLength(3);
    expect([...layers[2]!.data]).toEqual([...rnn.forward(x)[0].data]);
    const first = new RNN({ inputSize: 3, hiddenSize: 4, bidirectional: true, batchFirst: true, dtype: 'float64' }).eval();
    first.loadStateDict(Object.fromEntries(rnn.namedParameters().filter(([name]) => /_l0(_reverse)?$/.test(name))));
    expect(layers[0]!.shape).toEqual([2, 5, 8]);
    expect([...layers[0]!.data]).toEqual([...first.forward(x)[0].data]);
  });

  it('hands each layer its own rows of hx, unbatched input included', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, dtype: 'float64' }).eval();
    const x = wave([4, 2], 'float64');
    const hx = Tensor.fromFlat([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3], 'float64');
    const layers = layerOutputs(rnn, x, hx, factory);
    expect([...layers[1]!.data]).toEqual([...rnn.forward(x, hx)[0].data]);
  });
});
