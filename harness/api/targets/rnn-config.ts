// A small nn.RNN configuration for targets that build a module (seeding, reset_parameters, load_state_dict).
import fc from 'fast-check';
import type * as library from '../../../src/index.js';
import type { InitRounding } from '../../../src/index.js';

/** Constructor arguments of a small RNN, in the library's spelling. */
export type RNNConfig = {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly bidirectional: boolean;
  readonly dtype: 'float32' | 'float64';
};

/** Shrinks towards RNN(1, 1) in float32. */
export function rnnConfig(): fc.Arbitrary<RNNConfig> {
  return fc.record({
    inputSize: fc.integer({ min: 1, max: 3 }),
    hiddenSize: fc.integer({ min: 1, max: 3 }),
    numLayers: fc.integer({ min: 1, max: 2 }),
    bias: fc.boolean(),
    bidirectional: fc.boolean(),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
  });
}

/** torch's kwargs of a config, as `nn.RNN(**kwargs)` takes them in the worker. */
export function torchKwargsOf(c: RNNConfig): Record<string, number | boolean> {
  return { input_size: c.inputSize, hidden_size: c.hiddenSize, num_layers: c.numLayers, bias: c.bias, bidirectional: c.bidirectional };
}

/** The module of a config, drawing its init from the global generator with the reference torch's rounding. */
export function rnnOf(lib: Pick<typeof library, 'RNN'>, c: RNNConfig, initRounding: InitRounding): library.RNN {
  const { inputSize, hiddenSize, numLayers, bias, bidirectional, dtype } = c;
  return new lib.RNN({ inputSize, hiddenSize, numLayers, bias, bidirectional, dtype, initRounding });
}

/**
 * torch's parameter names and shapes of a config, in `named_parameters()` order, written out from
 * RNNBase.__init__ (not taken from the library under test, so an arbitrary built on it stays honest).
 */
export function parameterShapes(c: RNNConfig): [string, number[]][] {
  const directions = c.bidirectional ? 2 : 1;
  const out: [string, number[]][] = [];
  for (let layer = 0; layer < c.numLayers; layer++) {
    for (let dir = 0; dir < directions; dir++) {
      const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
      const inputWidth = layer === 0 ? c.inputSize : directions * c.hiddenSize;
      out.push([`weight_ih${suffix}`, [c.hiddenSize, inputWidth]], [`weight_hh${suffix}`, [c.hiddenSize, c.hiddenSize]]);
      if (c.bias) out.push([`bias_ih${suffix}`, [c.hiddenSize]], [`bias_hh${suffix}`, [c.hiddenSize]]);
    }
  }
  return out;
}
