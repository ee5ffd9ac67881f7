// Target strip_state_dict_prefix: stripStateDictPrefix against torch's consume_prefix_in_state_dict_if_present.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { Tensor } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { type ApiResult, apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalTensor } from '../canonical-value.js';

export type StripPrefixArgs = { readonly names: readonly string[]; readonly prefix: string; readonly form: 'map' | 'pairs' | 'record' };

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type StripPrefixLibrary = Pick<typeof library, 'stripStateDictPrefix'>;

const PARAMETER = ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l1_reverse', 'weight', 'bias', 'running_mean'];
const MODULE = ['encoder', 'rnn', 'module', 'decoder', '0', '1', 'layers', 'enc', 'encoder.rnn'];

/** The message of the library's RangeError, up to what torch has no counterpart for (its list of RNN prefixes found). */
const NO_MATCH = 'no tensor name starts with';

/**
 * `stripStateDictPrefix(tensors, prefix)`: names are module paths ending in a parameter; tensor i holds
 * [i], so renaming and order are both visible (python/api_targets_files.py target_strip_state_dict_prefix).
 */
export function stripStateDictPrefixTarget(lib: StripPrefixLibrary = library): ApiTarget<StripPrefixArgs> {
  const names = fc.uniqueArray(
    fc.tuple(fc.array(fc.constantFrom(...MODULE), { maxLength: 3 }), fc.constantFrom(...PARAMETER)).map(([path, p]) => [...path, p].join('.')),
    { minLength: 1, maxLength: 6 },
  );
  return {
    name: 'strip_state_dict_prefix',
    exports: ['stripStateDictPrefix'],
    weight: 1,
    arbitrary: fc
      .record({
        names,
        // Mostly the module path of one of the names (cut after `cut` segments, with or without the dot).
        own: fc.option(fc.record({ which: fc.nat(), cut: fc.nat(), dot: fc.boolean() }), { freq: 4 }),
        prefix: fc.oneof(
          fc.constantFrom('', '.', 'encoder', 'encoder.', 'encoder.rnn', 'encoder.rnn.', 'module.', 'enc', 'rnn', 'layers.0', '0.'),
          fc.array(fc.constantFrom(...MODULE), { minLength: 1, maxLength: 2 }).map((p) => p.join('.')),
        ),
        form: fc.constantFrom('map' as const, 'pairs' as const, 'record' as const),
      })
      .map(({ names, own, prefix, form }) => {
        if (own === null) return { names, prefix, form };
        const segments = names[own.which % names.length]!.split('.');
        const path = segments.slice(0, own.cut % segments.length).join('.');
        return { names, prefix: own.dot && path !== '' ? `${path}.` : path, form };
      }),
    runTs: (a): ApiResult => {
      const pairs = a.names.map((name, i) => [name, Tensor.fromFlat([i], [1], 'float64')] as const);
      const input = a.form === 'map' ? new Map(pairs) : a.form === 'pairs' ? pairs : Object.fromEntries(pairs);
      const result = apiResultOf(() => Object.entries(lib.stripStateDictPrefix(input, a.prefix)).map(([name, t]) => [name, canonicalTensor(t)]));
      // torch's function has no error (it leaves the dict as it is); the worker names the library's documented RangeError.
      if ('error' in result && result.error.type === 'JS:RangeError' && result.error.message.startsWith(NO_MATCH)) {
        return { error: { type: 'RangeError', message: `${NO_MATCH} the prefix` }, warnings: result.warnings };
      }
      return result;
    },
    wireArgs: (a) => encodeArgs({ names: a.names, prefix: a.prefix }),
    size: (a) => a.names.length,
  };
}
