// Target reset_parameters: after construction from a seed, the re-drawn parameters bit for bit (the order of draws included).
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { namedTensors } from './named-tensors.js';
import { type RNNConfig, parameterShapes, rnnConfig, rnnOf, torchKwargsOf } from './rnn-config.js';

export type ResetParametersArgs = {
  readonly config: RNNConfig;
  readonly seed: bigint;
  /** Seed again between construction and reset_parameters(), or continue the stream (null). */
  readonly reseed: bigint | null;
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type ResetParametersLibrary = Pick<typeof library, 'manualSeed' | 'RNN'>;

/** `manual_seed(seed); m = nn.RNN(…); [manual_seed(reseed);] m.reset_parameters(); m.state_dict()`. */
export function resetParametersTarget(initRounding: InitRounding = 'fused', lib: ResetParametersLibrary = library): ApiTarget<ResetParametersArgs> {
  return {
    name: 'reset_parameters',
    exports: ['RNN', 'manualSeed', 'Tensor'],
    weight: 2,
    arbitrary: fc.record({
      config: rnnConfig(),
      seed: fc.bigInt({ min: 0n, max: 2n ** 32n }),
      reseed: fc.option(fc.bigInt({ min: 0n, max: 2n ** 32n }), { nil: null }),
    }),
    runTs: (a) =>
      apiResultOf(() => {
        lib.manualSeed(a.seed);
        const rnn = rnnOf(lib, a.config, initRounding);
        if (a.reseed !== null) lib.manualSeed(a.reseed);
        rnn.resetParameters();
        return namedTensors(rnn.namedParameters());
      }),
    size: (a) => parameterShapes(a.config).reduce((n, [, shape]) => n + shape.reduce((m, d) => m * d, 1), 0),
    wireArgs: (a) => encodeArgs({ seed: a.seed, reseed: a.reseed, kwargs: torchKwargsOf(a.config), dtype: a.config.dtype }),
  };
}
