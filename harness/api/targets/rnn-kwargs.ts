// Target rnn_kwargs: fromTorchKwargs / toTorchKwargs round-trip torch's kwargs unchanged, and the options they give build what nn.RNN(**kwargs) builds (or fail as it fails).
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { type CanonicalValue, canonicalFloat } from '../canonical-value.js';
import { type TorchKwargs, dtypeArg, moduleKwargs } from './module-kwargs.js';

export type RnnKwargsArgs = {
  readonly kwargs: TorchKwargs;
  readonly dtype: DType;
  /** An option set to undefined before toTorchKwargs (only when the kwargs lack it): it must not appear. */
  readonly undefinedOption: (typeof UNDEFINED_OPTIONS)[number] | null;
};
export type RnnKwargsLibrary = Pick<typeof library, 'RNN' | 'fromTorchKwargs' | 'toTorchKwargs'>;

/**
 * Keywords nn.RNN does not take: misspellings, LSTM's proj_size, RNNBase's positional mode, and names
 * of Object.prototype's members (a mapping that looks names up through the prototype, or assigns them
 * with `=`, loses or mistranslates them).
 */
const STRAY_KEYWORDS = ['proj_size', 'mode', 'hidden', 'inputsize', 'batchfirst', 'num_layer', 'bias_'] as const;
const PROTOTYPE_KEYWORDS = ['constructor', 'to_string', '__proto__'] as const;

/** Options a TS caller may leave undefined (torch's default then), set so only when the kwargs lack them. */
const UNDEFINED_OPTIONS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'nonlinearity'] as const;

/** null four times in five (shrinking to null), else a value. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

/** Valid kwargs, sometimes with a required size dropped or a stray keyword added. */
function kwargs(): fc.Arbitrary<TorchKwargs> {
  return fc
    .tuple(
      moduleKwargs('RNN'),
      rarely(fc.constantFrom('input_size', 'hidden_size')),
      rarely(fc.tuple(fc.oneof(fc.constantFrom(...STRAY_KEYWORDS), fc.constantFrom(...PROTOTYPE_KEYWORDS)), fc.integer({ min: 0, max: 2 }))),
    )
    .map(([k, dropped, stray]) => {
      const out: Record<string, number | boolean | string> = { ...k };
      if (dropped !== null) delete out[dropped];
      // defineProperty: `out['__proto__'] = v` would set the prototype, not a keyword.
      if (stray !== null) Object.defineProperty(out, stray[0], { value: stray[1], enumerable: true, writable: true, configurable: true });
      return out;
    });
}

/** A JSON value as Python's canonical form has it: ints as ints, other numbers as float bits. */
function canonicalKwargs(kw: Readonly<Record<string, unknown>>): CanonicalValue {
  const out: Record<string, CanonicalValue> = {};
  for (const [key, value] of Object.entries(kw))
    out[key] = typeof value === 'number' && !Number.isInteger(value) ? canonicalFloat(value) : (value as CanonicalValue);
  return out;
}

/** `{kwargs: toTorchKwargs(fromTorchKwargs(kw)), repr}` against `{kwargs: kw, repr: repr(nn.RNN(**kw))}`. */
export function rnnKwargsTarget(initRounding: InitRounding = 'fused', lib: RnnKwargsLibrary = library): ApiTarget<RnnKwargsArgs> {
  return {
    name: 'rnn_kwargs',
    exports: ['fromTorchKwargs', 'toTorchKwargs', 'RNN', 'TorchError'],
    // Cheap, with rare corners (prototype-member keywords, options left undefined): weight 2.
    weight: 2,
    arbitrary: fc.record({ kwargs: kwargs(), dtype: dtypeArg(), undefinedOption: fc.option(fc.constantFrom(...UNDEFINED_OPTIONS), { nil: null }) }),
    runTs: (a) =>
      apiResultOf(() => {
        const options = lib.fromTorchKwargs(a.kwargs);
        const given: Record<string, unknown> = { ...options };
        if (a.undefinedOption !== null && !Object.hasOwn(given, a.undefinedOption)) given[a.undefinedOption] = undefined;
        const back = lib.toTorchKwargs(given);
        const rnn = new lib.RNN({ ...options, dtype: a.dtype, initRounding });
        return { kwargs: canonicalKwargs(back), repr: rnn.toString() };
      }),
    // The undefined option is the library's side alone: torch sees the kwargs without it.
    wireArgs: (a) => encodeArgs({ kwargs: a.kwargs, dtype: a.dtype }),
    size: (a) => Object.keys(a.kwargs).length,
  };
}
