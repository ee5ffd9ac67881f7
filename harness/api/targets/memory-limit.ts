// Target memory_limit: under a lowered setMemoryLimit, an RNN whose parameters fit is built as torch builds it, and one that does not gets the library's documented RuntimeError.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import type { CanonicalValue } from '../canonical-value.js';
import { namedTensors } from './named-tensors.js';
import { type ModuleLibrary, type TorchKwargs, buildModule, dtypeArg, moduleKwargs } from './module-kwargs.js';

/**
 * Note [memory limit target]: torch has no memory cap (src/memory.ts setMemoryLimit documents the
 * divergence), so torch cannot raise the library's error itself. What torch does judge is the byte
 * count: the worker sums `numel() * element_size()` over torch's own parameters, and the case is over
 * the limit exactly when that sum exceeds it; then the answer is src/memory.ts memoryError's
 * documented text (python/api_targets_modules.py target_memory_limit), else torch's module (seeded
 * parameters bit for bit). Limits are drawn within a few bytes of the need, so the boundary (need ==
 * limit fits) is reached often. The limit is restored after every case. Some cases instead give
 * setMemoryLimit a value it documents refusing (0, −0, negative, NaN): its TypeError's text, and the
 * limit left in force, are judged against the documented answer the worker writes.
 */
export type MemoryLimitArgs = {
  readonly kwargs: TorchKwargs;
  readonly dtype: DType;
  readonly seed: number;
  readonly slack: number;
  /** A limit setMemoryLimit must refuse (not a number > 0), tried instead of the module; null for none. */
  readonly invalidLimit: number | null;
};
export type MemoryLimitLibrary = ModuleLibrary & Pick<typeof library, 'setMemoryLimit' | 'getMemoryLimit' | 'DEFAULT_MEMORY_LIMIT' | 'manualSeed'>;

/** torch's parameter bytes of an nn.RNN, written out from RNNBase.__init__ (see rnn-config.ts parameterShapes). */
function parameterBytes(k: TorchKwargs, dtype: DType): number {
  const H = Number(k.hidden_size);
  const D = k.bidirectional === true ? 2 : 1;
  const layers = Number(k.num_layers ?? 1);
  let elements = 0;
  for (let layer = 0; layer < layers; layer++) {
    const inputWidth = layer === 0 ? Number(k.input_size) : D * H;
    elements += D * (H * inputWidth + H * H + (k.bias === false ? 0 : 2 * H));
  }
  return elements * (dtype === 'float32' ? 4 : 8);
}

export function memoryLimitTarget(initRounding: InitRounding = 'fused', lib: MemoryLimitLibrary = library): ApiTarget<MemoryLimitArgs> {
  const limitOf = (a: MemoryLimitArgs): number => Math.max(1, parameterBytes(a.kwargs, a.dtype) + a.slack);
  return {
    name: 'memory_limit',
    exports: ['setMemoryLimit', 'getMemoryLimit', 'DEFAULT_MEMORY_LIMIT', 'RNN', 'TorchError'],
    weight: 1,
    arbitrary: fc.record({
      kwargs: moduleKwargs('RNN'),
      dtype: dtypeArg(),
      seed: fc.nat(1000),
      // 0 (need == limit, which fits) most: the boundary a strict comparison gets wrong.
      slack: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, fc.integer({ min: -8, max: 8 }), fc.integer({ min: -200, max: 200 })),
      invalidLimit: fc.option(fc.constantFrom(0, -0, -1, Number.NaN, -0.5, Number.NEGATIVE_INFINITY, -(2 ** 31)), { freq: 5, nil: null }),
    }),
    runTs: (a) =>
      apiResultOf((): CanonicalValue => {
        const previous = lib.getMemoryLimit();
        if (a.invalidLimit !== null) {
          try {
            lib.setMemoryLimit(a.invalidLimit);
          } catch (error) {
            // The documented refusal is a plain TypeError (not torch's): judged by its text.
            if (!(error instanceof TypeError)) throw error;
            return { rejected: error.message, limit: lib.getMemoryLimit() };
          } finally {
            lib.setMemoryLimit(previous);
          }
          return { accepted: a.invalidLimit };
        }
        lib.setMemoryLimit(limitOf(a));
        try {
          lib.manualSeed(a.seed);
          const rnn = buildModule(lib, 'RNN', a.kwargs, { dtype: a.dtype, initRounding });
          return { limit: lib.getMemoryLimit(), default: lib.DEFAULT_MEMORY_LIMIT, parameters: namedTensors(rnn.namedParameters()) };
        } finally {
          lib.setMemoryLimit(previous);
        }
      }),
    wireArgs: (a) => encodeArgs({ module: 'RNN', kwargs: a.kwargs, dtype: a.dtype, seed: a.seed, limit: limitOf(a), invalid_limit: a.invalidLimit }),
    size: (a) => Math.abs(a.slack) + Object.keys(a.kwargs).length,
  };
}
