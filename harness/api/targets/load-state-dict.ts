// Target load_state_dict: strict and non-strict, with missing, unexpected and mis-shaped keys (torch's text and key lists).
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { type TensorArg, elementsOf, tensorArg, tensorOf, valuePool } from '../tensor-args.js';
import { namedTensors } from './named-tensors.js';
import { type RNNConfig, parameterShapes, rnnConfig, rnnOf, torchKwargsOf } from './rnn-config.js';

export type LoadStateDictArgs = {
  readonly config: RNNConfig;
  readonly seed: bigint;
  readonly strict: boolean;
  /** The state dict as ordered pairs (a Python dict keeps insertion order, and torch reports keys in it). */
  readonly stateDict: readonly (readonly [string, TensorArg])[];
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type LoadStateDictLibrary = Pick<typeof library, 'manualSeed' | 'RNN'>;

/** Names torch's RNN never has, or has only in some configurations. */
const EXTRA_NAMES = ['extra', 'weight_ih_l5', 'bias_ih_l0_reverse', 'weight_hr_l0', 'rnn.weight_ih_l0'] as const;

/**
 * The module's own parameters with some dropped (missing keys), one mis-shaped, some extra names
 * (unexpected keys), values from a pool. Shrinks towards the exact state dict, strict.
 */
function stateDictArgs(): fc.Arbitrary<LoadStateDictArgs> {
  return fc
    .record({
      config: rnnConfig(),
      seed: fc.bigInt({ min: 0n, max: 2n ** 31n - 1n }),
      strict: fc.boolean(),
      // Each edit in about one case of three, so exact loads (and strict=False's key lists) stay common.
      drop: fc.oneof(
        { weight: 2, arbitrary: fc.constant<number[]>([]) },
        { weight: 1, arbitrary: fc.array(fc.nat(15), { minLength: 1, maxLength: 2 }) },
      ),
      misshape: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(15) }),
      extra: fc.oneof(
        { weight: 2, arbitrary: fc.constant<string[]>([]) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom(...EXTRA_NAMES), { minLength: 1, maxLength: 2 }) },
      ),
      pool: valuePool(),
    })
    .map(({ config, seed, strict, drop, misshape, extra, pool }) => {
      const params = parameterShapes(config);
      const kept = params.filter((_, i) => !drop.some((d) => d % params.length === i));
      const entries: [string, TensorArg][] = kept.map(([name, shape], i) => {
        const bad = misshape !== null && misshape % kept.length === i;
        return [name, tensorArg(bad ? [...shape.slice(0, -1), shape.at(-1)! + 1] : shape, config.dtype, pool)];
      });
      for (const name of extra) entries.push([name, tensorArg([1], config.dtype, pool)]);
      return { config, seed, strict, stateDict: entries };
    });
}

/** `m.load_state_dict(state_dict, strict)` on a seeded nn.RNN: the key lists and the parameters after, or torch's error. */
export function loadStateDictTarget(initRounding: InitRounding = 'fused', lib: LoadStateDictLibrary = library): ApiTarget<LoadStateDictArgs> {
  return {
    name: 'load_state_dict',
    exports: ['RNN', 'manualSeed', 'Tensor', 'TorchError'],
    weight: 2,
    arbitrary: stateDictArgs(),
    runTs: (a) =>
      apiResultOf(() => {
        lib.manualSeed(a.seed);
        const rnn = rnnOf(lib, a.config, initRounding);
        const { missingKeys, unexpectedKeys } = rnn.loadStateDict(Object.fromEntries(a.stateDict.map(([name, t]) => [name, tensorOf(t)])), {
          strict: a.strict,
        });
        return { missing_keys: missingKeys, unexpected_keys: unexpectedKeys, state_dict: namedTensors(rnn.namedParameters()) };
      }),
    wireArgs: (a) =>
      encodeArgs({
        seed: a.seed,
        kwargs: torchKwargsOf(a.config),
        dtype: a.config.dtype,
        strict: a.strict,
        state_dict: a.stateDict.map(([name, t]) => [name, t]),
      }),
    size: (a) => elementsOf(...a.stateDict.map(([, t]) => t)),
  };
}
