// RNN options: the camelCase TS options, torch's snake_case kwargs, the one mapping between them, and torch's checks.
import { TorchError, pyFloatRepr, pyRepr, pyStr, pyTypeName } from './errors.js';
import { snakeCaseOptionHint, withHint } from './hints.js';
import type { DType } from './tensor.js';
import { warn } from './warnings.js';

/** The activation between steps. Mirrors `nn.RNN(nonlinearity=…)`. */
export type Nonlinearity = 'tanh' | 'relu';

/** Constructor options of {@link RNN}; defaults are torch's. Mirrors the arguments of `torch.nn.RNN`. */
export interface RNNOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  nonlinearity?: Nonlinearity;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  dtype?: DType;
}

/** {@link RNNOptions} after validation, with every default filled in. */
export interface ResolvedRNNOptions {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly nonlinearity: Nonlinearity;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly dtype: DType;
}

/** torch's kwargs as they cross to Python or sit in a fixture (`input_size`, `batch_first`, …). */
export type TorchRNNKwargs = Record<string, unknown>;

const snakeByCamel: Readonly<Record<string, string>> = {
  inputSize: 'input_size',
  hiddenSize: 'hidden_size',
  numLayers: 'num_layers',
  nonlinearity: 'nonlinearity',
  bias: 'bias',
  batchFirst: 'batch_first',
  dropout: 'dropout',
  bidirectional: 'bidirectional',
  dtype: 'dtype',
  projSize: 'proj_size',
};

// Own properties only: an inherited name (`constructor`, `toString`, `__proto__`) is an option name like any other.
function camelToSnake(key: string): string {
  return Object.hasOwn(snakeByCamel, key) ? snakeByCamel[key]! : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Options → torch kwargs (`{ inputSize: 2 }` → `{ input_size: 2 }`), keeping every key, valid or not,
 * so invalid options reach torch unchanged for error parity.
 */
export function toTorchKwargs(options: Readonly<Record<string, unknown>>): TorchRNNKwargs {
  const kwargs: TorchRNNKwargs = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) setOwn(kwargs, camelToSnake(key), value);
  }
  return kwargs;
}

/** torch kwargs → options; the inverse of {@link toTorchKwargs}. */
export function fromTorchKwargs(kwargs: Readonly<TorchRNNKwargs>): RNNOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) setOwn(options, snakeToCamel(key), value);
  return options as unknown as RNNOptions;
}

/** `target[key] = value` as an own data property, so a key `__proto__` is a key, not the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const knownOptions = new Set(['inputSize', 'hiddenSize', 'numLayers', 'nonlinearity', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype']);

/** torch's `RNNBase.mode` family: which module's checks {@link resolveRNNOptions} runs. */
export type RecurrentKind = 'RNN' | 'LSTM' | 'GRU';

/** The options only LSTM has (`proj_size`), and RNN's own (`nonlinearity`), by module kind. */
function knownOptionsOf(kind: RecurrentKind): ReadonlySet<string> {
  if (kind === 'RNN') return knownOptions;
  const known = new Set(knownOptions);
  known.delete('nonlinearity');
  if (kind === 'LSTM') known.add('projSize');
  return known;
}

/** Python's `float(value)` for the values a JS caller can pass. */
function pyFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') {
    const converted = Number(value);
    if (!Number.isFinite(converted)) throw new TorchError('OverflowError', 'int too large to convert to float');
    return converted;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
    if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(text)) return NaN;
    throw new TorchError('ValueError', `could not convert string to float: ${pyRepr(value)}`);
  }
  throw new TorchError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(value)}'`);
}

/** Python's `isinstance(value, int)`, where bool is an int and a BigInt is the JS spelling of a Python int. */
function isPyInt(value: unknown): value is number | boolean | bigint {
  return typeof value === 'boolean' || typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

/** Python's `isinstance(value, numbers.Number)` for the values a JS caller can pass (bool included, as in Python). */
function isPyNumber(value: unknown): value is number | bigint | boolean {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
}

/** A Python int or float as a JS number, for comparisons (a BigInt past 2**53 rounds, which no comparison here notices). */
function asNumber(value: number | bigint | boolean): number {
  return Number(value);
}

/**
 * Validates options in torch 2.13's order with torch's exception types and messages, and records
 * torch's dropout warning. The first failing check decides the error, so order is behaviour.
 * @throws ValueError, TypeError or RuntimeError exactly where `torch.nn.RNN(...)` raises them.
 */
export function resolveRNNOptions(options: Readonly<RNNOptions>, kind: RecurrentKind = 'RNN'): ResolvedRNNOptions & { readonly projSize: number } {
  const given = options as unknown as Readonly<Record<string, unknown>>;
  // An absent option (undefined) takes torch's default; null stands for Python's None and is checked.
  const option = (key: string, fallback: unknown): unknown => (given[key] === undefined ? fallback : given[key]);
  // mirrors torch/nn/modules/rnn.py RNN.__init__ and GRU.__init__ (LSTM passes proj_size on)
  if (kind !== 'LSTM' && Object.hasOwn(given, 'projSize') && given.projSize !== undefined) {
    throw new TorchError('ValueError', 'proj_size argument is only supported for LSTM, not RNN or GRU');
  }
  // LSTM and GRU have no nonlinearity; for them it is an unknown keyword of RNNBase.__init__ below.
  const nonlinearity = kind === 'RNN' ? option('nonlinearity', 'tanh') : 'tanh';
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    // torch formats the value with str() inside quotes: a list prints as a list, a str without quotes.
    throw new TorchError('ValueError', `Unknown nonlinearity '${pyStr(nonlinearity)}'. Select from 'tanh' or 'relu'.`);
  }
  // Python's argument binding of RNNBase.__init__ comes next: unknown keywords, then missing sizes.
  const known = knownOptionsOf(kind);
  for (const key of Object.keys(given)) {
    // RNN.__init__ passes its mode positionally to RNNBase.__init__(mode, …), so a `mode` keyword collides.
    if (key === 'mode' && given[key] !== undefined) {
      throw new TorchError('TypeError', "RNNBase.__init__() got multiple values for argument 'mode'");
    }
    if (!known.has(key) && given[key] !== undefined) {
      throw withHint(
        new TorchError('TypeError', `RNNBase.__init__() got an unexpected keyword argument '${camelToSnake(key)}'`),
        snakeCaseOptionHint(key, known),
      );
    }
  }
  const missing = ['inputSize', 'hiddenSize'].filter((key) => given[key] === undefined).map(camelToSnake);
  if (missing.length === 2) {
    throw new TorchError('TypeError', `RNNBase.__init__() missing 2 required positional arguments: 'input_size' and 'hidden_size'`);
  }
  if (missing.length === 1) {
    throw new TorchError('TypeError', `RNNBase.__init__() missing 1 required positional argument: '${missing[0]}'`);
  }

  // mirrors torch/nn/modules/rnn.py RNNBase.__init__
  const { inputSize, hiddenSize } = given;
  const numLayers = option('numLayers', 1);
  const bias = option('bias', true);
  const batchFirst = option('batchFirst', false);
  const dropoutGiven = option('dropout', 0);
  const dropout = pyFloat(dropoutGiven);
  // `not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool)`
  if (!isPyNumber(dropoutGiven) || typeof dropoutGiven === 'boolean' || !(dropout >= 0 && dropout <= 1)) {
    throw new TorchError('ValueError', 'dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
  }
  // Python's `num_layers == 1` is true for 1, 1.0, True and a BigInt 1.
  if (dropout > 0 && isPyNumber(numLayers) && asNumber(numLayers) === 1) {
    warn(
      'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects ' +
        `num_layers greater than 1, but got dropout=${pyRepr(dropoutGiven)} and num_layers=${pyRepr(numLayers)}`,
    );
  }
  if (typeof bias !== 'boolean') {
    throw new TorchError('TypeError', `bias should be of type bool, got: ${pyTypeName(bias)}`);
  }
  if (typeof batchFirst !== 'boolean') {
    throw new TorchError('TypeError', `batch_first should be of type bool, got: ${pyTypeName(batchFirst)}`);
  }
  if (!isPyInt(inputSize)) {
    throw new TorchError('TypeError', `input_size should be of type int, got: ${pyTypeName(inputSize)}`);
  }
  if (asNumber(inputSize) <= 0) throw new TorchError('ValueError', 'input_size must be greater than zero');
  if (!isPyInt(hiddenSize)) {
    throw new TorchError('TypeError', `hidden_size should be of type int, got: ${pyTypeName(hiddenSize)}`);
  }
  if (asNumber(hiddenSize) <= 0) throw new TorchError('ValueError', 'hidden_size must be greater than zero');
  if (!isPyNumber(numLayers)) {
    throw new TorchError('TypeError', `'<=' not supported between instances of '${pyTypeName(numLayers)}' and 'int'`);
  }
  if (asNumber(numLayers) <= 0) throw new TorchError('ValueError', 'num_layers must be greater than zero');
  const projSize = option('projSize', 0);
  if (typeof projSize !== 'number' && typeof projSize !== 'boolean') {
    throw new TorchError('TypeError', `'<' not supported between instances of '${pyTypeName(projSize)}' and 'int'`);
  }
  if (Number(projSize) < 0) {
    throw new TorchError('ValueError', 'proj_size should be a positive integer or zero to disable projections');
  }
  if (Number(projSize) >= Number(hiddenSize)) throw new TorchError('ValueError', 'proj_size has to be smaller than hidden_size');
  // Parameter creation: `range(num_layers)` rejects a float; `torch.empty` rejects a bool size.
  if (typeof numLayers === 'number' && !Number.isInteger(numLayers)) {
    throw new TorchError('TypeError', "'float' object cannot be interpreted as an integer");
  }
  if (typeof numLayers === 'boolean') {
    // torch builds one layer from `range(True)` and fails inside the rnn_tanh/rnn_relu binding at
    // forward time; as with bidirectional, we refuse it up front.
    throw new TorchError('TypeError', 'num_layers should be of type int, got: bool');
  }
  // nn.RNN's gate_size is hidden_size itself, and torch.empty((True, input_size)) refuses a bool at
  // pos 0; LSTM's and GRU's are 4 * hidden_size and 3 * hidden_size, ints, and the arg parser checks
  // only a size list's first element, so torch builds them with hidden_size 1 (found by the campaign).
  if (typeof hiddenSize === 'boolean' && kind === 'RNN') {
    throw new TorchError('TypeError', "empty(): argument 'size' (position 1) must be tuple of ints, but found element of type bool at pos 0");
  }
  // LSTM's parameter loop: weight_hh (4H, proj_size) rejects a fractional size, weight_hr (proj_size, H) a bool.
  if (typeof projSize === 'number' && !Number.isInteger(projSize)) {
    throw new TorchError(
      'TypeError',
      `empty(): argument 'size' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"`,
    );
  }
  if (typeof projSize === 'boolean') {
    throw new TorchError('TypeError', "empty(): argument 'size' (position 1) must be tuple of ints, but found element of type bool at pos 0");
  }
  const bidirectional = option('bidirectional', false);
  if (typeof bidirectional !== 'boolean') {
    // torch accepts a truthy value here and fails later inside the C++ binding at forward time;
    // we refuse it up front rather than carry a module that cannot run.
    throw new TorchError('TypeError', `bidirectional should be of type bool, got: ${pyTypeName(bidirectional)}`);
  }
  const dtype = option('dtype', 'float32');
  if (dtype !== 'float32' && dtype !== 'float64') {
    if (typeof dtype === 'string' && /^u?int\d+$|^bool$/.test(dtype)) {
      throw new TorchError('RuntimeError', 'Only Tensors of floating point and complex dtype can require gradients');
    }
    throw new TorchError('TypeError', `rnn-parity computes in float32 or float64, got dtype=${pyRepr(dtype)}`);
  }
  return {
    inputSize: asNumber(inputSize),
    hiddenSize: asNumber(hiddenSize),
    numLayers: asNumber(numLayers),
    nonlinearity,
    bias,
    batchFirst,
    dropout,
    bidirectional,
    dtype,
    projSize: Number(projSize),
  };
}

/**
 * torch's `extra_repr` of an RNN: sizes, then only the non-default arguments, in torch's order.
 * nonlinearity is never shown, as in torch.
 */
export function rnnExtraRepr(options: Omit<ResolvedRNNOptions, 'nonlinearity'> & { readonly projSize?: number }): string {
  let text = `${options.inputSize}, ${options.hiddenSize}`;
  if ((options.projSize ?? 0) !== 0) text += `, proj_size=${options.projSize}`;
  if (options.numLayers !== 1) text += `, num_layers=${options.numLayers}`;
  if (options.bias !== true) text += `, bias=${pyRepr(options.bias)}`;
  if (options.batchFirst !== false) text += `, batch_first=${pyRepr(options.batchFirst)}`;
  // torch prints the stored float(dropout), so 1 shows as 1.0.
  if (options.dropout !== 0) text += `, dropout=${pyFloatRepr(options.dropout)}`;
  if (options.bidirectional !== false) text += `, bidirectional=${pyRepr(options.bidirectional)}`;
  return text;
}
