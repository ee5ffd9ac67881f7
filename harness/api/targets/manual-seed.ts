// Target manual_seed: seeds over torch's whole accepted range (negative, ≥ 2³¹, up to 2⁶⁴ − 1), the out-of-range errors, and the draws that follow.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalInt } from '../canonical-value.js';
import { namedTensors } from './named-tensors.js';
import { type RNNConfig, parameterShapes, rnnConfig, rnnOf, torchKwargsOf } from './rnn-config.js';

export type ManualSeedArgs = {
  /** A Python int (bigint), or a float torch truncates (or rejects: NaN, ±Inf). */
  readonly seed: bigint | number;
  readonly config: RNNConfig;
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type ManualSeedLibrary = Pick<typeof library, 'manualSeed' | 'RNN'>;

/**
 * Seeds by region of torch's accepted range [−2⁶³, 2⁶⁴ − 1] and just outside it; integral seeds are
 * bigints (Python ints on the wire), fractional and non-finite ones floats. Shrinks towards 0.
 */
export function seed(): fc.Arbitrary<bigint | number> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 31n - 1n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: -1n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: 2n ** 31n, max: 2n ** 64n - 1n }) },
    { weight: 2, arbitrary: fc.constantFrom(2n ** 64n - 1n, 2n ** 63n, -(2n ** 63n), 2n ** 32n, 2n ** 32n + 1n, 2n ** 31n, -1n) },
    { weight: 1, arbitrary: fc.oneof(fc.bigInt({ min: 2n ** 64n, max: 2n ** 70n }), fc.bigInt({ min: -(2n ** 70n), max: -(2n ** 63n) - 1n })) },
    { weight: 1, arbitrary: fc.constantFrom(1.5, -0.5, 2.75, Number.NaN, Infinity, -Infinity) },
  );
}

/**
 * `g = torch.manual_seed(seed)`, then `g.initial_seed()` and the parameters of a freshly built
 * nn.RNN (the first draws after seeding), or torch's error for the seed.
 */
export function manualSeedTarget(initRounding: InitRounding = 'fused', lib: ManualSeedLibrary = library): ApiTarget<ManualSeedArgs> {
  return {
    name: 'manual_seed',
    exports: ['manualSeed', 'Generator', 'defaultGenerator', 'RNN', 'Tensor'],
    weight: 2,
    arbitrary: fc.record({ seed: seed(), config: rnnConfig() }),
    runTs: (a) =>
      apiResultOf(() => {
        const generator = lib.manualSeed(a.seed);
        const rnn = rnnOf(lib, a.config, initRounding);
        return { initial_seed: canonicalInt(generator.initialSeed()), weights: namedTensors(rnn.namedParameters()) };
      }),
    size: (a) => parameterShapes(a.config).reduce((n, [, shape]) => n + shape.reduce((m, d) => m * d, 1), 0),
    wireArgs: (a) => encodeArgs({ seed: a.seed, kwargs: torchKwargsOf(a.config), dtype: a.config.dtype }),
  };
}
