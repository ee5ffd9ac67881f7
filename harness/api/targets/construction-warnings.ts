// Target construction_warnings: when torch's dropout warning fires and its text (dropout and num_layers as the caller gave them), and the errors of invalid dropout values.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { type ModuleLibrary, type TorchKwargs, buildModule, dropoutValue } from './module-kwargs.js';

const KINDS = ['RNN', 'LSTM', 'GRU'] as const;

export type ConstructionWarningsArgs = { readonly module: (typeof KINDS)[number]; readonly kwargs: TorchKwargs };

/**
 * Dropout as the caller may give it: valid probabilities (ints 0 and 1 print as ints in the warning),
 * and invalid ones (out of range, a bool, a numeric string), which torch refuses after warning.
 */
function dropoutGiven(): fc.Arbitrary<number | boolean | string> {
  return fc.oneof(
    { weight: 4, arbitrary: dropoutValue() },
    { weight: 1, arbitrary: fc.constantFrom<number | boolean | string>(-0.5, 1.5, 2, -1, true, false, '0.5') },
  );
}

/** `nn.<module>(**kwargs)` with dropout and num_layers drawn around the warning's condition; the repr, or torch's error. */
export function constructionWarningsTarget(lib: ModuleLibrary = library): ApiTarget<ConstructionWarningsArgs> {
  return {
    name: 'construction_warnings',
    exports: ['RNN', 'LSTM', 'GRU', 'catchWarnings'],
    weight: 2,
    arbitrary: fc
      .record(
        {
          module: fc.constantFrom(...KINDS),
          // Sizes torch refuses after the warning (0) now and then: the warning fires before those checks.
          input_size: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
          hidden_size: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
          num_layers: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
          dropout: dropoutGiven(),
          bidirectional: fc.boolean(),
        },
        { requiredKeys: ['module', 'input_size', 'hidden_size'] },
      )
      .map(({ module, ...kwargs }) => ({ module, kwargs: kwargs as TorchKwargs })),
    runTs: (a) => apiResultOf(() => buildModule(lib, a.module, a.kwargs).toString()),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => Object.keys(a.kwargs).length,
  };
}
