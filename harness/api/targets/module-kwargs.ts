// The six modules' constructor arguments as torch spells them, drawn valid and broad (every argument, the less common values too), and the module each builds.
import fc from 'fast-check';
import type * as library from '../../../src/index.js';
import type { DType, Generator, InitRounding } from '../../../src/index.js';

/** torch's class names of the modules the library mirrors. */
export const MODULE_KINDS = ['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell'] as const;
export type ModuleKind = (typeof MODULE_KINDS)[number];
export type ModuleLibrary = Pick<typeof library, ModuleKind>;
/** A module the library builds. */
export type LibraryModule = library.RNN | library.LSTM | library.GRU | library.RNNCell | library.LSTMCell | library.GRUCell;

/** kwargs as `nn.<Module>(**kwargs)` takes them: snake_case keys, JSON values (ints, floats, bools, strings). */
export type TorchKwargs = { readonly [key: string]: number | boolean | string };

/**
 * torch's keyword → the library's option, written out from torch's signatures (not taken from the
 * library's own fromTorchKwargs, which has its own target: rnn-kwargs.ts).
 */
const OPTION_OF: Readonly<Record<string, string>> = {
  input_size: 'inputSize',
  hidden_size: 'hiddenSize',
  num_layers: 'numLayers',
  nonlinearity: 'nonlinearity',
  bias: 'bias',
  batch_first: 'batchFirst',
  dropout: 'dropout',
  bidirectional: 'bidirectional',
  proj_size: 'projSize',
};

/**
 * Dropout probabilities: round ones, ints 0 and 1 (Python ints on the wire), 1e-4 (where Python's float
 * repr switches to exponent notation just below), and any double in [0, 1].
 */
export function dropoutValue(): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    fc.constantFrom(0, 0.5, 1, 0.25, 0.1, 1e-7, 0.3, 1e-4, 9.999999999999999e-5),
    fc.double({ min: 0, max: 1, noNaN: true }),
  );
}

/** Some of `entries`, each present or absent (absent: torch's default), shrinking towards none. */
function someOf(entries: Record<string, fc.Arbitrary<number | boolean | string>>): fc.Arbitrary<TorchKwargs> {
  return fc.record(entries, { requiredKeys: [] }) as fc.Arbitrary<TorchKwargs>;
}

/** Valid kwargs of `kind`: sizes 1..4 and every optional argument present or not, with its less common values. */
export function moduleKwargs(kind: ModuleKind): fc.Arbitrary<TorchKwargs> {
  const sizes = fc.record({ input_size: fc.integer({ min: 1, max: 4 }), hidden_size: fc.integer({ min: 1, max: 4 }) });
  const optional: Record<string, fc.Arbitrary<number | boolean | string>> = { bias: fc.boolean() };
  if (kind === 'RNN' || kind === 'RNNCell') optional.nonlinearity = fc.constantFrom('tanh', 'relu');
  if (kind === 'RNN' || kind === 'LSTM' || kind === 'GRU') {
    Object.assign(optional, {
      num_layers: fc.integer({ min: 1, max: 3 }),
      batch_first: fc.boolean(),
      dropout: dropoutValue(),
      bidirectional: fc.boolean(),
    });
  }
  if (kind === 'LSTM') optional.proj_size = fc.integer({ min: 0, max: 3 });
  return fc.tuple(sizes, someOf(optional)).map(([s, rest]) => {
    const kwargs: Record<string, number | boolean | string> = { ...s, ...rest };
    // torch: proj_size has to be smaller than hidden_size (valid kwargs only here); widening the hidden
    // size keeps the projection drawn, so non-zero proj_size (shown in the repr) stays common.
    if (typeof kwargs.proj_size === 'number' && kwargs.proj_size >= s.hidden_size) kwargs.hidden_size = kwargs.proj_size + 1;
    return kwargs;
  });
}

/** A module kind and valid kwargs for it. */
export function anyModuleKwargs(kinds: readonly ModuleKind[] = MODULE_KINDS): fc.Arbitrary<{ module: ModuleKind; kwargs: TorchKwargs }> {
  return fc.oneof(...kinds.map((k) => moduleKwargs(k).map((kwargs) => ({ module: k, kwargs }))));
}

/** The library's options of torch kwargs (unknown keys pass through unchanged, to be refused as torch refuses them). */
export function optionsOf(kwargs: TorchKwargs): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) options[OPTION_OF[key] ?? key] = value;
  return options;
}

/** Builds `kind` with the library, as `nn.<kind>(**kwargs, dtype=dtype)` in the worker. */
export function buildModule(
  lib: ModuleLibrary,
  kind: ModuleKind,
  kwargs: TorchKwargs,
  extra: { dtype?: DType; initRounding?: InitRounding; generator?: Generator } = {},
): LibraryModule {
  const options = { ...optionsOf(kwargs), ...extra } as never;
  switch (kind) {
    case 'RNN':
      return new lib.RNN(options);
    case 'LSTM':
      return new lib.LSTM(options);
    case 'GRU':
      return new lib.GRU(options);
    case 'RNNCell':
      return new lib.RNNCell(options);
    case 'LSTMCell':
      return new lib.LSTMCell(options);
    case 'GRUCell':
      return new lib.GRUCell(options);
  }
}

/** float32 or float64, shrinking to float32. */
export function dtypeArg(): fc.Arbitrary<DType> {
  return fc.constantFrom('float32' as const, 'float64' as const);
}
