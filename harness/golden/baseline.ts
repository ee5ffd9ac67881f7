// The baseline corpus: every boolean dimension × dtype × layout × depth at small sizes, plus the edge cases, as deterministic cases.
import { Tensor, toTorchKwargs, type DType } from '../../src/index.js';
import { gatedParameterShapes, rnnParameterShapes } from '../../src/parameter-names.js';
import type { ParityCase, ParityInit } from '../parity/parity-case.js';
import type { ModuleKind } from '../worker/protocol.js';
import { describeCase } from './fixture.js';

/** The small sizes of the grid, in torch's letters: H_in, H_out, sequence length L, batch N. */
export const BASELINE_SIZES = { inputSize: 3, hiddenSize: 2, seqLen: 3, batch: 2 } as const;

/** One baseline case and its one-line summary. */
export interface BaselineCase {
  readonly summary: string;
  readonly case: ParityCase;
}

/** What the live side can run, decided by the caller from the worker handshake and runTs. */
export interface BaselineSupport {
  /** The handshake's `dropout_model`; train-mode dropout cases need `'mt19937-bernoulli'`. */
  readonly dropoutModel: string;
  /** runTs runs packed cases (harness/parity/parity-case.ts packForCase is implemented). */
  readonly packed: boolean;
  /** runTs computes gradients for cases with `grad`. */
  readonly grad: boolean;
}

/** The corpus, and the groups left out with the reason. */
export interface BaselinePlan {
  readonly cases: readonly BaselineCase[];
  readonly skipped: readonly string[];
}

/**
 * A deterministic stream of uniform values per case label (FNV-1a of the label seeds mulberry32),
 * so a case's bits depend on its own label only and adding a case never renumbers another.
 */
class ValueStream {
  private state: number;

  constructor(label: string) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
    this.state = hash;
  }

  /** Uniform in [-scale, scale). */
  next(scale: number): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return (2 * unit - 1) * scale;
  }

  tensor(shape: readonly number[], dtype: DType, scale = 1): Tensor {
    const count = shape.reduce((n, size) => n * size, 1);
    return Tensor.fromFlat(
      Array.from({ length: count }, () => this.next(scale)),
      shape,
      dtype,
    );
  }
}

/** The configuration of one valid module, in torch's kwargs. */
interface Config {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly nonlinearity: 'tanh' | 'relu';
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly dropout?: number;
}

const base: Config = {
  inputSize: BASELINE_SIZES.inputSize,
  hiddenSize: BASELINE_SIZES.hiddenSize,
  numLayers: 1,
  nonlinearity: 'tanh',
  bias: true,
  batchFirst: false,
  bidirectional: false,
};

/** torch kwargs with only the non-default arguments, as a user would write them. */
function kwargsOf(config: Config): Record<string, unknown> {
  // Defaults are left out, so torch's own defaults are exercised too (toTorchKwargs drops undefined).
  return toTorchKwargs({
    inputSize: config.inputSize,
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers !== 1 ? config.numLayers : undefined,
    nonlinearity: config.nonlinearity !== 'tanh' ? config.nonlinearity : undefined,
    bias: config.bias ? undefined : false,
    batchFirst: config.batchFirst ? true : undefined,
    dropout: config.dropout,
    bidirectional: config.bidirectional ? true : undefined,
  });
}

/** Explicit parameters in torch's names and shapes, drawn from uniform(−1/√H, 1/√H) as torch's init does. */
function stateDictFor(config: Config, dtype: DType, values: ValueStream): Record<string, Tensor> {
  const scale = 1 / Math.sqrt(config.hiddenSize);
  return Object.fromEntries(rnnParameterShapes(config).map(([name, shape]) => [name, values.tensor(shape, dtype, scale)]));
}

type Layout = 'batched' | 'batch_first' | 'unbatched';

function inputShape(layout: Layout, seqLen: number, batch: number, features: number): number[] {
  if (layout === 'unbatched') return [seqLen, features];
  return layout === 'batch_first' ? [batch, seqLen, features] : [seqLen, batch, features];
}

function hxShape(config: Config, layout: Layout, batch: number): number[] {
  const layers = config.numLayers * (config.bidirectional ? 2 : 1);
  return layout === 'unbatched' ? [layers, config.hiddenSize] : [layers, batch, config.hiddenSize];
}

/** Options of one valid case built by {@link validCase}. */
interface CaseSpec {
  /** Seeds the case's values; unique per case. */
  readonly label: string;
  /** The summary's prefix; the label when absent. */
  readonly title?: string;
  readonly config: Config;
  readonly dtype: DType;
  readonly layout: Layout;
  readonly seqLen?: number;
  readonly batch?: number;
  readonly withHx?: boolean;
  readonly training?: boolean;
  readonly forwardSeed?: string | null;
  readonly init?: 'state_dict' | { readonly seed: string };
  readonly wantWeights?: boolean;
  /** Rewrites input values after they are drawn (non-finite values, magnitudes). */
  readonly input?: (values: ValueStream, shape: number[], dtype: DType) => Tensor;
}

function validCase(spec: CaseSpec): BaselineCase {
  const values = new ValueStream(spec.label);
  const seqLen = spec.seqLen ?? BASELINE_SIZES.seqLen;
  const batch = spec.batch ?? BASELINE_SIZES.batch;
  const init: ParityInit =
    spec.init === undefined || spec.init === 'state_dict' ? { stateDict: stateDictFor(spec.config, spec.dtype, values) } : { seed: spec.init.seed };
  const shape = inputShape(spec.layout, seqLen, batch, spec.config.inputSize);
  const input = spec.input ? spec.input(values, shape, spec.dtype) : values.tensor(shape, spec.dtype);
  const c: ParityCase = {
    kwargs: { ...kwargsOf({ ...spec.config, batchFirst: spec.layout === 'batch_first' }) },
    dtype: spec.dtype,
    init,
    training: spec.training ?? false,
    forwardSeed: spec.forwardSeed ?? null,
    input,
    hx: spec.withHx ? values.tensor(hxShape(spec.config, spec.layout, batch), spec.dtype) : null,
    packed: null,
    grad: null,
    wantWeights: spec.wantWeights ?? false,
  };
  return { summary: `${spec.title ?? spec.label}: ${describeCase(c)}`, case: c };
}

/** A case expected to raise: kwargs as given, a seeded init, and the given input and hx. */
function errorCase(label: string, kwargs: Record<string, unknown>, input: Tensor, hx: Tensor | null = null, dtype: DType = 'float32'): BaselineCase {
  const c: ParityCase = {
    kwargs,
    dtype,
    init: { seed: '0' },
    training: false,
    forwardSeed: null,
    input,
    hx,
    packed: null,
    grad: null,
    wantWeights: false,
  };
  return { summary: `${label}: ${describeCase(c)}`, case: c };
}

const DTYPES: readonly DType[] = ['float32', 'float64'];
const LAYOUTS: readonly Layout[] = ['batched', 'batch_first', 'unbatched'];

/** bias × bidirectional × nonlinearity × dtype × layout × layers {1, 2}: 96 cases. */
function gridCases(): BaselineCase[] {
  const cases: BaselineCase[] = [];
  for (const dtype of DTYPES)
    for (const layout of LAYOUTS)
      for (const numLayers of [1, 2])
        for (const nonlinearity of ['tanh', 'relu'] as const)
          for (const bias of [true, false])
            for (const bidirectional of [false, true]) {
              const config = { ...base, numLayers, nonlinearity, bias, bidirectional };
              cases.push(
                validCase({
                  label: `grid ${dtype} ${layout} ${nonlinearity} layers=${numLayers} bias=${bias} bidirectional=${bidirectional}`,
                  title: 'grid',
                  config,
                  dtype,
                  layout,
                }),
              );
            }
  return cases;
}

/** Replaces a few drawn values by NaN, ±Infinity and −0 at fixed positions. */
function withSpecials(specials: readonly number[]): NonNullable<CaseSpec['input']> {
  return (values, shape, dtype) => {
    const t = values.tensor(shape, dtype);
    specials.forEach((value, i) => {
      t.data[(i * 5) % t.size] = value;
    });
    return t;
  };
}

function scaled(scale: number): NonNullable<CaseSpec['input']> {
  return (values, shape, dtype) => values.tensor(shape, dtype, scale);
}

function edgeCases(): BaselineCase[] {
  const stacked = { ...base, numLayers: 2, bidirectional: true };
  return [
    // An initial hidden state in each layout.
    validCase({ label: 'hx batched', config: stacked, dtype: 'float32', layout: 'batched', withHx: true }),
    validCase({ label: 'hx batch_first', config: { ...base, nonlinearity: 'relu' }, dtype: 'float32', layout: 'batch_first', withHx: true }),
    validCase({ label: 'hx unbatched', config: stacked, dtype: 'float64', layout: 'unbatched', withHx: true }),
    validCase({ label: 'hx float64 batched', config: { ...base, numLayers: 2 }, dtype: 'float64', layout: 'batched', withHx: true }),
    // Empty batch: torch returns empty outputs (and an h_n of zero rows).
    validCase({ label: 'batch size 0', config: stacked, dtype: 'float32', layout: 'batched', batch: 0 }),
    validCase({ label: 'batch size 0 with hx', config: base, dtype: 'float64', layout: 'batch_first', batch: 0, withHx: true }),
    // One step.
    validCase({ label: 'sequence length 1', config: stacked, dtype: 'float32', layout: 'batched', seqLen: 1 }),
    validCase({ label: 'sequence length 1 unbatched', config: { ...base, nonlinearity: 'relu' }, dtype: 'float64', layout: 'unbatched', seqLen: 1 }),
    validCase({ label: 'batch size 1', config: base, dtype: 'float32', layout: 'batch_first', batch: 1 }),
    // Values torch must propagate position by position.
    validCase({
      label: 'NaN, ±Inf, -0 in the input (tanh)',
      config: stacked,
      dtype: 'float32',
      layout: 'batched',
      input: withSpecials([Number.NaN, Infinity, -Infinity, -0]),
    }),
    validCase({
      label: 'NaN, ±Inf, -0 in the input (relu)',
      config: { ...base, nonlinearity: 'relu' },
      dtype: 'float64',
      layout: 'batched',
      input: withSpecials([-0, Infinity, Number.NaN, -Infinity]),
    }),
    validCase({
      label: '±Inf only, unbatched (tanh saturates)',
      config: base,
      dtype: 'float32',
      layout: 'unbatched',
      seqLen: 2,
      input: withSpecials([Infinity, -Infinity]),
    }),
    validCase({
      label: 'all -0 input, no bias',
      config: { ...base, bias: false },
      dtype: 'float32',
      layout: 'batched',
      input: (_, shape, dtype) => Tensor.fromFlat(new Array(shape.reduce((n, s) => n * s, 1)).fill(-0), shape, dtype),
    }),
    // Magnitudes: saturation, float32 overflow to Inf under relu, subnormals.
    validCase({ label: 'large magnitudes (tanh saturates)', config: stacked, dtype: 'float32', layout: 'batched', input: scaled(1e30) }),
    validCase({
      label: 'float32 overflow under relu',
      config: { ...base, nonlinearity: 'relu', numLayers: 2 },
      dtype: 'float32',
      layout: 'batched',
      input: scaled(3e38),
    }),
    validCase({
      label: 'large magnitudes float64 relu',
      config: { ...base, nonlinearity: 'relu', numLayers: 2 },
      dtype: 'float64',
      layout: 'unbatched',
      input: scaled(1e300),
    }),
    validCase({ label: 'subnormal input', config: base, dtype: 'float32', layout: 'batched', input: scaled(1e-40) }),
    // A deeper computation: more steps and stacked layers for rounding to accumulate through.
    validCase({
      label: 'deeper float32',
      config: { ...base, inputSize: 5, hiddenSize: 4, numLayers: 3, bidirectional: true },
      dtype: 'float32',
      layout: 'batched',
      seqLen: 6,
      batch: 3,
      withHx: true,
    }),
    validCase({
      label: 'deeper float64',
      config: { ...base, inputSize: 5, hiddenSize: 4, numLayers: 3, nonlinearity: 'relu' },
      dtype: 'float64',
      layout: 'batch_first',
      seqLen: 6,
      batch: 3,
    }),
    // Train mode without dropout changes nothing.
    validCase({ label: 'train mode, no dropout', config: stacked, dtype: 'float32', layout: 'batched', training: true }),
    // Dropout in eval mode is inactive; on one layer it warns.
    validCase({ label: 'dropout in eval mode', config: { ...base, numLayers: 2, dropout: 0.5 }, dtype: 'float32', layout: 'batched' }),
    validCase({ label: 'dropout warning on one layer', config: { ...base, dropout: 0.5 }, dtype: 'float32', layout: 'batched' }),
    validCase({ label: 'dropout=1 warning prints as Python', config: { ...base, dropout: 1 }, dtype: 'float64', layout: 'unbatched' }),
  ];
}

/** Seeded init, compared weight by weight (torch's uniform_ kernel bit for bit). */
function initCases(): BaselineCase[] {
  return [
    validCase({
      label: 'seeded init float32',
      title: 'seeded init',
      config: { ...base, numLayers: 2, bidirectional: true },
      dtype: 'float32',
      layout: 'batched',
      init: { seed: '0' },
      wantWeights: true,
    }),
    validCase({
      label: 'seeded init float64',
      title: 'seeded init',
      config: { ...base, numLayers: 2, bidirectional: true },
      dtype: 'float64',
      layout: 'batched',
      init: { seed: '0' },
      wantWeights: true,
    }),
    validCase({
      label: 'seeded init relu',
      title: 'seeded init',
      config: { ...base, bias: false, nonlinearity: 'relu' },
      dtype: 'float32',
      layout: 'unbatched',
      init: { seed: '42' },
      wantWeights: true,
    }),
    validCase({
      label: 'seeded init, largest seed',
      config: base,
      dtype: 'float32',
      layout: 'batch_first',
      init: { seed: '18446744073709551615' },
      wantWeights: true,
    }),
    validCase({
      label: 'seeded init, wide layer',
      config: { ...base, inputSize: 7, hiddenSize: 16 },
      dtype: 'float64',
      layout: 'batched',
      seqLen: 2,
      batch: 1,
      init: { seed: '2024' },
      wantWeights: true,
    }),
  ];
}

/** Dropout between layers in train mode, masks from `manual_seed(forward_seed)`. */
function dropoutCases(): BaselineCase[] {
  const stacked = { ...base, numLayers: 3, dropout: 0.5 };
  return [
    validCase({
      label: 'train-mode dropout float32',
      title: 'train-mode dropout',
      config: stacked,
      dtype: 'float32',
      layout: 'batched',
      training: true,
      forwardSeed: '7',
    }),
    validCase({
      label: 'train-mode dropout float64',
      title: 'train-mode dropout',
      config: { ...stacked, bidirectional: true, dropout: 0.3 },
      dtype: 'float64',
      layout: 'batch_first',
      training: true,
      forwardSeed: '11',
    }),
    validCase({
      label: 'train-mode dropout p=1',
      config: { ...stacked, numLayers: 2, dropout: 1 },
      dtype: 'float32',
      layout: 'unbatched',
      training: true,
      forwardSeed: '3',
    }),
  ];
}

/** Every constructor error of torch 2.13 that the wire can carry (test/unit/rnn-options.test.ts). */
function constructorErrorCases(): BaselineCase[] {
  const input = Tensor.zeros([3, 2, 2]);
  const sized = { input_size: 2, hidden_size: 3 };
  const cases: [string, Record<string, unknown>][] = [
    ['proj_size is refused', { ...sized, proj_size: 1 }],
    ['unknown nonlinearity', { ...sized, nonlinearity: 'sigmoid' }],
    ['None nonlinearity', { ...sized, nonlinearity: null }],
    ['no sizes', {}],
    ['no hidden_size', { input_size: 2 }],
    ['unknown keyword', { ...sized, foo_bar: 1 }],
    ['non-numeric dropout string', { ...sized, dropout: 'abc' }],
    ['numeric dropout string', { ...sized, dropout: '0.5' }],
    ['None dropout', { ...sized, dropout: null }],
    ['bool dropout', { ...sized, dropout: true }],
    ['dropout above 1', { ...sized, dropout: 2 }],
    ['negative dropout', { ...sized, dropout: -0.1 }],
    ['NaN dropout', { ...sized, dropout: Number.NaN }],
    ['infinite dropout', { ...sized, dropout: Infinity }],
    ['int bias', { ...sized, bias: 0 }],
    ['None bias', { ...sized, bias: null }],
    ['int batch_first', { ...sized, batch_first: 1 }],
    ['float input_size', { input_size: 1.5, hidden_size: 3 }],
    ['str input_size', { input_size: 'a', hidden_size: 3 }],
    ['None input_size', { input_size: null, hidden_size: 3 }],
    ['input_size 0', { input_size: 0, hidden_size: 3 }],
    ['negative input_size', { input_size: -1, hidden_size: 3 }],
    ['input_size checked before hidden_size', { input_size: 0, hidden_size: 0 }],
    ['float hidden_size', { input_size: 2, hidden_size: 3.5 }],
    ['hidden_size 0', { input_size: 2, hidden_size: 0 }],
    ['negative hidden_size', { input_size: 2, hidden_size: -1 }],
    ['hidden_size checked before num_layers', { input_size: 2, hidden_size: 0, num_layers: 0 }],
    ['bool hidden_size fails in torch.empty', { input_size: 2, hidden_size: true }],
    ['num_layers 0', { ...sized, num_layers: 0 }],
    ['negative num_layers', { ...sized, num_layers: -1 }],
    ['str num_layers', { ...sized, num_layers: 'a' }],
    ['None num_layers', { ...sized, num_layers: null }],
    ['float num_layers', { ...sized, num_layers: 1.5 }],
  ];
  return cases.map(([label, kwargs]) => errorCase(`constructor error, ${label}`, kwargs, input));
}

/** Every forward error of torch 2.13 that the wire can carry (test/unit/rnn.test.ts), on nn.RNN(2, 3). */
function forwardErrorCases(): BaselineCase[] {
  const sized = { input_size: 2, hidden_size: 3 };
  const z = (shape: number[], dtype: DType = 'float32'): Tensor => Tensor.zeros(shape, dtype);
  return [
    errorCase('forward error, 4-D input', sized, z([1, 1, 1, 2])),
    errorCase('forward error, 1-D input', sized, z([2])),
    errorCase('forward error, 0-D input', sized, z([])),
    errorCase('forward error, float64 input on a float32 module', sized, z([1, 1, 2], 'float64')),
    errorCase('forward error, wrong feature count', sized, z([1, 1, 7])),
    errorCase('forward error, 2-D hx with batched input', sized, z([1, 1, 2]), z([1, 3])),
    errorCase('forward error, 3-D hx with unbatched input', sized, z([1, 2]), z([1, 1, 3])),
    errorCase('forward error, hx of the wrong batch', sized, z([1, 4, 2]), z([1, 3, 3])),
    errorCase('forward error, unbatched hx of the wrong layers', sized, z([1, 2]), z([2, 3])),
    errorCase('forward error, float64 hx', sized, z([1, 1, 2]), z([1, 1, 3], 'float64')),
    errorCase('forward error, float64 hx without bias', { ...sized, bias: false }, z([1, 1, 2]), z([1, 1, 3], 'float64')),
    errorCase('forward error, float32 hx on a float64 module', sized, z([1, 1, 2], 'float64'), z([1, 1, 3]), 'float64'),
    errorCase('forward error, empty sequence', sized, z([0, 1, 2])),
    errorCase('forward error, empty unbatched sequence', sized, z([0, 2])),
    errorCase('forward error, empty sequence with a float64 hx', sized, z([0, 1, 2]), z([1, 1, 3], 'float64')),
  ];
}

/** load_state_dict's strict check: a missing key, an unexpected key and a size mismatch in one message. */
function stateDictErrorCases(): BaselineCase[] {
  const values = new ValueStream('state_dict error');
  const c: ParityCase = {
    kwargs: { input_size: 2, hidden_size: 3 },
    dtype: 'float32',
    init: {
      stateDict: {
        weight_ih_l0: values.tensor([3, 5], 'float32'),
        weight_hh_l0: values.tensor([3, 3], 'float32'),
        bias_ih_l0: values.tensor([3], 'float32'),
        foo: values.tensor([1], 'float32'),
      },
    },
    training: false,
    forwardSeed: null,
    input: Tensor.zeros([1, 1, 2]),
    hx: null,
    packed: null,
    grad: null,
    wantWeights: false,
  };
  return [{ summary: `load_state_dict error, missing + unexpected + size mismatch: ${describeCase(c)}`, case: c }];
}

/** Packed input: sorted and unsorted lengths, both layouts. */
function packedCases(): BaselineCase[] {
  const stacked = { ...base, numLayers: 2, bidirectional: true };
  const packed = (
    label: string,
    config: Config,
    dtype: DType,
    layout: Layout,
    lengths: number[],
    enforceSorted: boolean,
    withHx = false,
  ): BaselineCase => {
    const one = validCase({ label, config, dtype, layout, batch: lengths.length, seqLen: Math.max(...lengths), withHx });
    const c: ParityCase = { ...one.case, packed: { lengths, enforceSorted } };
    return { summary: `${label}: ${describeCase(c)}`, case: c };
  };
  return [
    packed('packed, sorted lengths', stacked, 'float32', 'batched', [3, 2], true),
    packed('packed, unsorted lengths', { ...base, nonlinearity: 'relu' }, 'float64', 'batch_first', [1, 3, 2], false),
    packed('packed, equal lengths, hx', stacked, 'float32', 'batch_first', [2, 2], true, true),
  ];
}

/** Gradients of output and h_n with respect to input, hx and every parameter. */
function gradCases(): BaselineCase[] {
  const grad = (label: string, config: Config, dtype: DType, layout: Layout, parts: 'output' | 'h_n' | 'both'): BaselineCase => {
    const one = validCase({ label, config, dtype, layout, withHx: true });
    const values = new ValueStream(`${label} upstream`);
    const output =
      parts === 'h_n'
        ? null
        : values.tensor(inputShape(layout, BASELINE_SIZES.seqLen, BASELINE_SIZES.batch, config.hiddenSize * (config.bidirectional ? 2 : 1)), dtype);
    const hN = parts === 'output' ? null : values.tensor(hxShape(config, layout, BASELINE_SIZES.batch), dtype);
    const c: ParityCase = { ...one.case, grad: { output, hN } };
    return { summary: `${label}: ${describeCase(c)}`, case: c };
  };
  return [
    grad('gradients of output and h_n', { ...base, numLayers: 2, bidirectional: true }, 'float32', 'batched', 'both'),
    grad('gradients of output', { ...base, nonlinearity: 'relu', numLayers: 2 }, 'float64', 'batch_first', 'output'),
    grad('gradients of h_n only', base, 'float32', 'unbatched', 'h_n'),
  ];
}

/** Gradients through packed input: the packed rows' upstream gradient, and the padded input's gradient. */
function packedGradCases(): BaselineCase[] {
  const config: Config = { ...base, numLayers: 2, bidirectional: true, batchFirst: true };
  const lengths = [1, 3, 2];
  const one = validCase({
    label: 'packed gradients',
    config,
    dtype: 'float64',
    layout: 'batch_first',
    batch: lengths.length,
    seqLen: 3,
    withHx: true,
  });
  const values = new ValueStream('packed gradients upstream');
  const rows = lengths.reduce((a, b) => a + b, 0);
  const c: ParityCase = {
    ...one.case,
    packed: { lengths, enforceSorted: false },
    grad: {
      output: values.tensor([rows, 2 * config.hiddenSize], 'float64'),
      hN: values.tensor(hxShape(config, 'batch_first', lengths.length), 'float64'),
    },
  };
  return [{ summary: `packed gradients: ${describeCase(c)}`, case: c }];
}

/** One family case (issue 17): a module other than nn.RNN, its torch kwargs, and what the case runs. */
interface FamilySpec {
  readonly label: string;
  readonly module: Exclude<ModuleKind, 'rnn'>;
  readonly dtype: DType;
  readonly layers?: number;
  readonly bidirectional?: boolean;
  readonly bias?: boolean;
  readonly batchFirst?: boolean;
  readonly projSize?: number;
  readonly nonlinearity?: 'tanh' | 'relu';
  /** Unbatched input: (L, H_in) for a sequence module, (H_in) for a cell. */
  readonly unbatched?: boolean;
  readonly withHx?: boolean;
  readonly lengths?: readonly number[];
  readonly grad?: boolean;
  /** Seeded init, and the parameters compared bit for bit; explicit weights otherwise. */
  readonly seed?: string;
}

const GATES: Readonly<Record<Exclude<ModuleKind, 'rnn'>, number>> = { lstm: 4, gru: 3, rnn_cell: 1, lstm_cell: 4, gru_cell: 3 };

/** A family case of the baseline grid's small sizes (H_in 3, H 2, L 3, N 2), values from its label. */
function familyCase(spec: FamilySpec): BaselineCase {
  const values = new ValueStream(spec.label);
  const { inputSize, hiddenSize } = BASELINE_SIZES;
  const cell = spec.module.endsWith('_cell');
  const lstm = spec.module === 'lstm' || spec.module === 'lstm_cell';
  const layers = spec.layers ?? 1;
  const D = spec.bidirectional === true ? 2 : 1;
  const projSize = spec.projSize ?? 0;
  const out = projSize > 0 ? projSize : hiddenSize;
  const bias = spec.bias ?? true;
  const batch = spec.lengths?.length ?? BASELINE_SIZES.batch;
  const steps = spec.lengths === undefined ? BASELINE_SIZES.seqLen : Math.max(...spec.lengths);
  const gates = GATES[spec.module];
  const shapes: [string, number[]][] = cell
    ? [
        ['weight_ih', [gates * hiddenSize, inputSize]],
        ['weight_hh', [gates * hiddenSize, hiddenSize]],
        ...(bias
          ? ([
              ['bias_ih', [gates * hiddenSize]],
              ['bias_hh', [gates * hiddenSize]],
            ] as [string, number[]][])
          : []),
      ]
    : gatedParameterShapes({ gates, inputSize, hiddenSize, projSize, numLayers: layers, bidirectional: spec.bidirectional === true, bias });
  const scale = 1 / Math.sqrt(hiddenSize);
  const init: ParityInit =
    spec.seed === undefined
      ? { stateDict: Object.fromEntries(shapes.map(([name, shape]) => [name, values.tensor(shape, spec.dtype, scale)])) }
      : { seed: spec.seed };
  const rows = (width: number): number[] => (spec.unbatched === true ? [width] : [batch, width]);
  const stateShape = (width: number): number[] => (cell ? rows(width) : [layers * D, ...rows(width)]);
  const inputShape = cell
    ? rows(inputSize)
    : spec.unbatched === true
      ? [steps, inputSize]
      : spec.batchFirst === true
        ? [batch, steps, inputSize]
        : [steps, batch, inputSize];
  const input = values.tensor(inputShape, spec.dtype);
  const hx = spec.withHx === true ? values.tensor(stateShape(out), spec.dtype) : null;
  const cx = spec.withHx === true && lstm ? values.tensor(stateShape(hiddenSize), spec.dtype) : null;
  const packedRows = spec.lengths?.reduce((a, b) => a + b, 0);
  const grad =
    spec.grad === true
      ? {
          output: cell ? null : values.tensor(packedRows === undefined ? [...inputShape.slice(0, -1), D * out] : [packedRows, D * out], spec.dtype),
          hN: values.tensor(stateShape(out), spec.dtype),
          ...(lstm ? { cN: values.tensor(stateShape(hiddenSize), spec.dtype) } : {}),
        }
      : null;
  const kwargs: Record<string, unknown> = {
    input_size: inputSize,
    hidden_size: hiddenSize,
    ...(layers === 1 ? {} : { num_layers: layers }),
    ...(bias ? {} : { bias: false }),
    ...(spec.batchFirst === true ? { batch_first: true } : {}),
    ...(spec.bidirectional === true ? { bidirectional: true } : {}),
    ...(projSize > 0 ? { proj_size: projSize } : {}),
    ...(spec.nonlinearity === undefined ? {} : { nonlinearity: spec.nonlinearity }),
  };
  const c: ParityCase = {
    module: spec.module,
    kwargs,
    dtype: spec.dtype,
    init,
    training: false,
    forwardSeed: null,
    input,
    hx,
    ...(cx === null ? {} : { cx }),
    packed: spec.lengths === undefined ? null : { lengths: spec.lengths, enforceSorted: false },
    grad,
    wantWeights: spec.seed !== undefined,
  };
  return { summary: `${spec.label}: ${describeCase(c)}`, case: c };
}

/**
 * LSTM (with projections), GRU and the three cells: each one's layouts, states, packing, gradients,
 * seeded init and a torch error, so the corpus replays every module without Python.
 */
function familyCases(support: BaselineSupport): BaselineCase[] {
  const specs: FamilySpec[] = [];
  for (const module of ['lstm', 'gru'] as const) {
    specs.push(
      { label: `${module} with its state`, module, dtype: 'float32', withHx: true },
      {
        label: `${module} batch_first, 2 layers, bidirectional`,
        module,
        dtype: 'float64',
        batchFirst: true,
        layers: 2,
        bidirectional: true,
        withHx: true,
      },
      { label: `${module} unbatched, no bias`, module, dtype: 'float32', unbatched: true, bias: false },
      { label: `${module} seeded init`, module, dtype: 'float32', layers: 2, bidirectional: true, seed: '0' },
    );
    if (support.grad)
      specs.push({
        label: `${module} gradients, 2 layers, bidirectional`,
        module,
        dtype: 'float32',
        layers: 2,
        bidirectional: true,
        withHx: true,
        grad: true,
      });
    if (support.packed)
      specs.push({ label: `${module} packed, unsorted lengths`, module, dtype: 'float64', lengths: [1, 3, 2], withHx: true, grad: support.grad });
  }
  specs.push(
    {
      label: 'lstm proj_size=1, bidirectional',
      module: 'lstm',
      dtype: 'float32',
      projSize: 1,
      bidirectional: true,
      withHx: true,
      grad: support.grad,
    },
    { label: 'lstm proj_size=1 seeded init', module: 'lstm', dtype: 'float64', projSize: 1, layers: 2, seed: '3' },
  );
  for (const module of ['rnn_cell', 'lstm_cell', 'gru_cell'] as const) {
    specs.push(
      { label: `${module} with its state`, module, dtype: 'float32', withHx: true, grad: support.grad },
      { label: `${module} unbatched, no bias, no state`, module, dtype: 'float64', unbatched: true, bias: false },
      { label: `${module} seeded init`, module, dtype: 'float32', seed: '0' },
    );
  }
  specs.push({ label: 'rnn_cell relu', module: 'rnn_cell', dtype: 'float32', nonlinearity: 'relu', withHx: true });
  const cases = specs.map(familyCase);
  // torch's errors of the family: proj_size must be below hidden_size; nn.GRU takes no nonlinearity.
  const lstm = familyCase({ label: 'lstm error', module: 'lstm', dtype: 'float32' }).case;
  const gru = familyCase({ label: 'gru error', module: 'gru', dtype: 'float32' }).case;
  const errors: ParityCase[] = [
    { ...lstm, kwargs: { ...lstm.kwargs, proj_size: BASELINE_SIZES.hiddenSize }, init: { seed: '0' } },
    { ...gru, kwargs: { ...gru.kwargs, nonlinearity: 'relu' }, init: { seed: '0' } },
  ];
  return [...cases, ...errors.map((c) => ({ summary: `family error: ${describeCase(c)}`, case: c }))];
}

/**
 * The whole baseline corpus, in a fixed order. Groups the live side cannot run yet are left out
 * and named in `skipped`.
 */
export function baselinePlan(support: BaselineSupport): BaselinePlan {
  const cases = [...gridCases(), ...edgeCases(), ...initCases(), ...constructorErrorCases(), ...forwardErrorCases(), ...stateDictErrorCases()];
  const skipped: string[] = [];
  if (support.dropoutModel === 'mt19937-bernoulli') cases.push(...dropoutCases());
  else
    skipped.push(
      `train-mode dropout: the worker's dropout_model is '${support.dropoutModel}', not 'mt19937-bernoulli', so masks are not reproducible`,
    );
  if (support.packed) cases.push(...packedCases());
  else skipped.push('packed input: runTs cannot run packed cases yet (harness/parity/parity-case.ts packForCase)');
  if (support.grad) cases.push(...gradCases(), ...(support.packed ? packedGradCases() : []));
  else skipped.push('gradients: runTs does not compute gradients for cases with `grad` yet');
  cases.push(...familyCases(support));
  return { cases, skipped };
}

/** The probe cases {@link baselinePlan} uses to decide `packed` and `grad` support. */
export function supportProbes(): { readonly packed: ParityCase; readonly grad: ParityCase } {
  return { packed: packedCases()[0]!.case, grad: gradCases()[0]!.case };
}
