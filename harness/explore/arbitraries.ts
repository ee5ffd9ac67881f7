// fast-check arbitraries for the whole torch.nn.RNN space: configurations, inputs, and invalid cases.
import fc from 'fast-check';
import { RNN, Tensor, toTorchKwargs, type DType, type TorchRNNKwargs } from '../../src/index.js';
import { manualSeed } from '../../src/generator.js';
import { numel } from '../../src/tensor.js';
import type { ParityCase } from '../parity/parity-case.js';
import { type ApiCase, apiCase } from '../api/api-case.js';
import type { ApiTarget } from '../api/api-target.js';

/** The categorical and size choices of one valid case, before any values are drawn. */
export interface CaseSpec {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly nonlinearity: 'tanh' | 'relu';
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly dtype: DType;
  readonly dropout: number;
  readonly training: boolean;
  readonly seqLen: number;
  /** null: unbatched input (L, H_in). */
  readonly batch: number | null;
  readonly hasHx: boolean;
  /** 'seed': torch's own init after manual_seed on both sides; 'explicit': weights sent as a state_dict. */
  readonly init: 'seed' | 'explicit';
  readonly weightSeed: number;
  /** Explicit weights are torch-like init × this scale. */
  readonly weightScale: number;
  /** Packed input (batched only): sequence i has length L − lengthDrops[i mod pool], at least 1. */
  readonly packed: boolean;
  readonly lengthDrops: readonly number[];
  readonly enforceSorted: boolean;
  /** Which upstream gradients backward starts from; 'none' runs forward only. */
  readonly grad: 'none' | 'both' | 'output' | 'h_n';
}

/** How input values are drawn: ordinary, large magnitudes, or with NaN / ±Inf / −0 mixed in. */
export type ValueKind = 'normal' | 'large' | 'special';

/** Constraints of {@link caseSpec}; every field has a documented default. */
export interface CaseSpecConstraints {
  /** Largest num_layers (default 4). */
  readonly maxLayers?: number;
  /** Largest sequence length (default 30; lengths above 5 are drawn rarely). */
  readonly maxSeqLen?: number;
  /** Allow sizes of 64 and more (default true). */
  readonly largeSizes?: boolean;
  /** Every case runs backward from upstream gradients (default false: one in four does). */
  readonly withGrad?: boolean;
  /**
   * Every case is packed, batched (2 to 4 sequences), with enforce_sorted off and lengths in
   * ascending order, so torch must reorder the batch (default false).
   */
  readonly packedUnsorted?: boolean;
}

/**
 * A size biased to the values that find bugs: 1, 2 and small primes most often, any small size
 * sometimes, and rarely 64 or more. Shrinks towards 1.
 */
export function size(largeSizes = true): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 6, arbitrary: fc.constantFrom(1, 2, 3, 5, 7) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 16 }) },
    ...(largeSizes ? [{ weight: 1, arbitrary: fc.constantFrom(64, 67, 96) }] : []),
  );
}

/** The choices of one valid case. Shrinks towards one layer, one direction, size 1, L = 1, batch 1. */
export function caseSpec(constraints: CaseSpecConstraints = {}): fc.Arbitrary<CaseSpec> {
  const maxLayers = constraints.maxLayers ?? 4;
  const maxSeqLen = constraints.maxSeqLen ?? 30;
  return fc.record({
    inputSize: size(constraints.largeSizes ?? true),
    hiddenSize: size(constraints.largeSizes ?? true),
    numLayers: fc.integer({ min: 1, max: maxLayers }),
    nonlinearity: fc.constantFrom('tanh' as const, 'relu' as const),
    bias: fc.constantFrom(true, false),
    batchFirst: fc.boolean(),
    bidirectional: fc.boolean(),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
    dropout: fc.oneof(
      { withCrossShrink: true },
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constantFrom(0.5, 0.25, 1, 0.1) },
    ),
    training: fc.boolean(),
    seqLen:
      constraints.packedUnsorted === true
        ? fc.integer({ min: 2, max: Math.max(2, Math.min(5, maxSeqLen)) })
        : fc.oneof(
            { withCrossShrink: true },
            { weight: 8, arbitrary: fc.integer({ min: 1, max: Math.min(5, maxSeqLen) }) },
            { weight: 1, arbitrary: fc.integer({ min: 1, max: maxSeqLen }) },
          ),
    batch: constraints.packedUnsorted === true ? fc.integer({ min: 2, max: 4 }) : fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 5 }),
    hasHx: fc.boolean(),
    init: fc.constantFrom('seed' as const, 'explicit' as const),
    weightSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    weightScale: fc.constantFrom(1, 0.1, 3, 10),
    packed:
      constraints.packedUnsorted === true
        ? fc.constant(true)
        : fc.oneof({ withCrossShrink: true }, { weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    // Distinct descending drops give ascending lengths (each at least 1, so a drop below L matters).
    lengthDrops:
      constraints.packedUnsorted === true
        ? fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 4 }).map((drops) => drops.sort((a, b) => b - a))
        : fc.array(fc.integer({ min: 0, max: maxSeqLen }), { minLength: 1, maxLength: 4 }),
    enforceSorted: constraints.packedUnsorted === true ? fc.constant(false) : fc.boolean(),
    grad:
      constraints.withGrad === true
        ? fc.constantFrom('both' as const, 'output' as const, 'h_n' as const)
        : fc.oneof(
            { withCrossShrink: true },
            { weight: 3, arbitrary: fc.constant('none' as const) },
            { weight: 1, arbitrary: fc.constantFrom('both' as const, 'output' as const, 'h_n' as const) },
          ),
  });
}

/** One input value of the given kind. Shrinks towards 0. */
export function value(kind: ValueKind): fc.Arbitrary<number> {
  const ordinary = fc.double({ min: -3, max: 3, noNaN: true });
  switch (kind) {
    case 'normal':
      return fc.oneof({ withCrossShrink: true }, { weight: 1, arbitrary: fc.constantFrom(0, 1, -1) }, { weight: 10, arbitrary: ordinary });
    case 'large':
      return fc.oneof(ordinary, fc.double({ min: -1e6, max: 1e6, noNaN: true }));
    case 'special':
      return fc.oneof({ weight: 6, arbitrary: ordinary }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0) });
  }
}

/** torch kwargs of a spec, as `nn.RNN(**kwargs)` receives them. */
export function kwargsOf(spec: CaseSpec): TorchRNNKwargs {
  const { inputSize, hiddenSize, numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional } = spec;
  return toTorchKwargs({ inputSize, hiddenSize, numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional });
}

/** Whether the spec packs its input: only batched input with at least one sequence can be packed. */
export function isPacked(spec: CaseSpec): boolean {
  return spec.packed && spec.batch !== null && spec.batch > 0;
}

/** The packed lengths of a spec: sorted descending when enforce_sorted asks for it. */
export function lengthsOf(spec: CaseSpec): number[] {
  const lengths = Array.from({ length: spec.batch ?? 0 }, (_, i) => Math.max(1, spec.seqLen - spec.lengthDrops[i % spec.lengthDrops.length]!));
  return spec.enforceSorted ? lengths.sort((a, b) => b - a) : lengths;
}

/** Shape of the output backward receives a gradient for: packed data (Σ lengths, D·H) or the output. */
export function outputShapeOf(spec: CaseSpec): number[] {
  const width = (spec.bidirectional ? 2 : 1) * spec.hiddenSize;
  if (isPacked(spec)) return [lengthsOf(spec).reduce((a, b) => a + b, 0), width];
  if (spec.batch === null) return [spec.seqLen, width];
  return spec.batchFirst ? [spec.batch, spec.seqLen, width] : [spec.seqLen, spec.batch, width];
}

/** Input shape of a spec: (L, N, H_in), (N, L, H_in) batch-first, or (L, H_in) unbatched. */
export function inputShapeOf(spec: CaseSpec): number[] {
  if (spec.batch === null) return [spec.seqLen, spec.inputSize];
  return spec.batchFirst ? [spec.batch, spec.seqLen, spec.inputSize] : [spec.seqLen, spec.batch, spec.inputSize];
}

/** hx shape of a spec: (D·num_layers, N, H), or (D·num_layers, H) unbatched. */
export function hxShapeOf(spec: CaseSpec): number[] {
  const layers = (spec.bidirectional ? 2 : 1) * spec.numLayers;
  return spec.batch === null ? [layers, spec.hiddenSize] : [layers, spec.batch, spec.hiddenSize];
}

/**
 * Explicit weights for a spec: torch-like init from `weightSeed`, times `weightScale`. Computed with
 * our own generator, which is bit-identical to torch's (test/property/init), so a seed is all a
 * shrunk case needs to carry.
 */
export function explicitWeights(spec: CaseSpec): Record<string, Tensor> {
  manualSeed(spec.weightSeed);
  const rnn = new RNN({
    inputSize: spec.inputSize,
    hiddenSize: spec.hiddenSize,
    numLayers: spec.numLayers,
    bias: spec.bias,
    bidirectional: spec.bidirectional,
    dtype: spec.dtype,
  });
  const weights: Record<string, Tensor> = {};
  for (const [name, param] of rnn.namedParameters()) {
    weights[name] =
      spec.weightScale === 1
        ? param
        : Tensor.fromFlat(
            Array.from(param.data, (v) => v * spec.weightScale),
            param.shape,
            spec.dtype,
          );
  }
  return weights;
}

/** A valid case of a spec, with its input and hx values, and values for upstream gradients. */
export function caseOf(spec: CaseSpec, input: Tensor, hx: Tensor | null, gradPool: readonly number[] = [1]): ParityCase {
  const gradOutput = spec.grad === 'both' || spec.grad === 'output' ? fromPool(gradPool, outputShapeOf(spec), spec.dtype) : null;
  const gradHN = spec.grad === 'both' || spec.grad === 'h_n' ? fromPool(gradPool.slice().reverse(), hxShapeOf(spec), spec.dtype) : null;
  return {
    kwargs: kwargsOf(spec),
    dtype: spec.dtype,
    init: spec.init === 'seed' ? { seed: String(spec.weightSeed) } : { stateDict: explicitWeights(spec) },
    training: spec.training,
    forwardSeed: spec.training && spec.dropout > 0 ? String(spec.weightSeed + 1) : null,
    input,
    hx,
    packed: isPacked(spec) ? { lengths: lengthsOf(spec), enforceSorted: spec.enforceSorted } : null,
    grad: spec.grad === 'none' ? null : { output: gradOutput, hN: gradHN },
    wantWeights: spec.init === 'seed',
  };
}

/**
 * A pool of values that an input or hx takes cyclically (value i of a tensor is pool[i % length]).
 * Values are drawn independently of the shape, so when fast-check shrinks the shape (fewer layers,
 * a shorter sequence) the values stay put instead of being redrawn, and the failure survives the
 * shrink; the pool itself shrinks towards one value, 0.
 */
export function valuePool(): fc.Arbitrary<readonly number[]> {
  const pool = (kind: ValueKind) => fc.array(value(kind), { minLength: 1, maxLength: 48 });
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 8, arbitrary: pool('normal') },
    { weight: 1, arbitrary: pool('large') },
    { weight: 1, arbitrary: pool('special') },
  );
}

/** A tensor of `shape` filled cyclically from a pool. */
export function fromPool(pool: readonly number[], shape: readonly number[], dtype: DType): Tensor {
  return Tensor.fromFlat(
    Array.from({ length: numel(shape) }, (_, i) => pool[i % pool.length]!),
    shape,
    dtype,
  );
}

/** A valid case: a spec, and value pools for its input and hx. */
export function validCase(constraints: CaseSpecConstraints = {}): fc.Arbitrary<ParityCase> {
  return fc
    .record({
      spec: caseSpec(constraints),
      inputPool: valuePool(),
      hxPool: fc.array(value('normal'), { minLength: 1, maxLength: 16 }),
      gradPool: fc.array(value('normal'), { minLength: 1, maxLength: 16 }),
    })
    .map(({ spec, inputPool, hxPool, gradPool }) =>
      caseOf(spec, fromPool(inputPool, inputShapeOf(spec), spec.dtype), spec.hasHx ? fromPool(hxPool, hxShapeOf(spec), spec.dtype) : null, gradPool),
    );
}

/**
 * One way to make a valid case invalid: a bad constructor argument (every check of torch 2.13's
 * RNNBase.__init__) or a bad forward argument (every check of RNN.forward / check_forward_args).
 */
export type Mutation = (c: ParityCase) => ParityCase;

const withKwarg =
  (key: string, bad: unknown): Mutation =>
  (c) => ({ ...c, kwargs: { ...c.kwargs, [key]: bad } });
const withoutKwarg =
  (key: string): Mutation =>
  (c) => {
    const kwargs = { ...c.kwargs };
    delete kwargs[key];
    return { ...c, kwargs };
  };

function otherDtype(dtype: DType): DType {
  return dtype === 'float32' ? 'float64' : 'float32';
}

/** Constructor mutations: each value is one torch 2.13 rejects (or warns about). */
export const constructorMutations: readonly [string, Mutation][] = [
  ...[0, -1, 1.5, 'a', null, true].map((bad): [string, Mutation] => [`hidden_size=${String(bad)}`, withKwarg('hidden_size', bad)]),
  ...[0, -1, 2.5, 'x', null].map((bad): [string, Mutation] => [`input_size=${String(bad)}`, withKwarg('input_size', bad)]),
  ...[0, -2, 1.5, 'a', null].map((bad): [string, Mutation] => [`num_layers=${String(bad)}`, withKwarg('num_layers', bad)]),
  ...['sigmoid', 'TANH', null, 3].map((bad): [string, Mutation] => [`nonlinearity=${String(bad)}`, withKwarg('nonlinearity', bad)]),
  ...[-0.1, 1.5, Number.NaN, Infinity, 'abc', '0.5', null, true].map((bad): [string, Mutation] => [
    `dropout=${String(bad)}`,
    withKwarg('dropout', bad),
  ]),
  ...[0, 1, 'yes', null].map((bad): [string, Mutation] => [`bias=${String(bad)}`, withKwarg('bias', bad)]),
  ...[1, 'no', null].map((bad): [string, Mutation] => [`batch_first=${String(bad)}`, withKwarg('batch_first', bad)]),
  ['proj_size=1', withKwarg('proj_size', 1)],
  ['unknown keyword', withKwarg('foo', 1)],
  ['no hidden_size', withoutKwarg('hidden_size')],
  ['no sizes', (c) => withoutKwarg('input_size')(withoutKwarg('hidden_size')(c))],
];

function reshaped(t: Tensor, shape: number[]): Tensor {
  return Tensor.fromFlat(
    Array.from({ length: numel(shape) }, (_, i) => t.data[i % Math.max(1, t.size)] ?? 0),
    shape,
    t.dtype,
  );
}

/** Forward mutations: each input or hx torch 2.13 rejects. */
export const forwardMutations: readonly [string, Mutation][] = [
  ['1-D input', (c) => ({ ...c, input: reshaped(c.input, [c.input.shape.at(-1) ?? 1]) })],
  ['4-D input', (c) => ({ ...c, input: reshaped(c.input, [...new Array<number>(Math.max(1, 4 - c.input.ndim)).fill(1), ...c.input.shape]) })],
  ['input dtype', (c) => ({ ...c, input: c.input.to(otherDtype(c.dtype)) })],
  ['input features', (c) => ({ ...c, input: reshaped(c.input, [...c.input.shape.slice(0, -1), (c.input.shape.at(-1) ?? 1) + 1]) })],
  [
    'empty sequence',
    (c) => ({
      ...c,
      input: reshaped(
        c.input,
        c.input.shape.map((s, i) => (i === (c.kwargs.batch_first === true && c.input.ndim === 3 ? 1 : 0) ? 0 : s)),
      ),
    }),
  ],
  ['hx rank', (c) => ({ ...c, hx: Tensor.zeros(c.input.ndim === 3 ? [1, 1] : [1, 1, 1], c.dtype) })],
  ['hx layers', (c) => ({ ...c, hx: hxWith(c, 0, 1) })],
  ['hx hidden', (c) => ({ ...c, hx: hxWith(c, -1, 1) })],
  // Unbatched input has no batch axis in hx: there the extra axis breaks hx's rank instead.
  ['hx batch', (c) => ({ ...c, hx: c.input.ndim === 3 ? hxWith(c, 1, 1) : Tensor.zeros([1, 2, 1], c.dtype) })],
  ['hx dtype', (c) => ({ ...c, hx: (c.hx ?? hxWith(c, 0, 0)).to(otherDtype(c.dtype)) })],
];

/** An hx of the case's expected shape with `delta` added to dimension `dim`. */
function hxWith(c: ParityCase, dim: number, delta: number): Tensor {
  const positive = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 1);
  const layers = (c.kwargs.bidirectional === true ? 2 : 1) * positive(c.kwargs.num_layers);
  const hidden = positive(c.kwargs.hidden_size);
  const batchFirst = c.kwargs.batch_first === true;
  const shape = c.input.ndim === 3 ? [layers, c.input.shape[batchFirst ? 0 : 1]!, hidden] : [layers, hidden];
  const index = dim < 0 ? shape.length + dim : dim;
  shape[index] = Math.max(0, shape[index]! + delta);
  return Tensor.zeros(shape, c.dtype);
}

/**
 * An invalid case: a small valid case with one or two mutations, so error parity also checks which
 * check torch runs first. Shrinks towards one mutation.
 */
export function invalidCase(): fc.Arbitrary<ParityCase> {
  const all = [...constructorMutations, ...forwardMutations];
  return (
    fc
      .tuple(
        validCase({ maxLayers: 2, maxSeqLen: 3, largeSizes: false }),
        fc.array(fc.integer({ min: 0, max: all.length - 1 }), { minLength: 1, maxLength: 2 }),
      )
      // Reshaping a packed case's input breaks its lengths first, which is the one deliberate
      // divergence (a length beyond the padded input: src/pack.ts); packed errors have their own
      // property (test/property/packed.test.ts), so mutations start from unpacked cases.
      .map(([c, picks]) => picks.reduce((acc: ParityCase, pick) => all[pick]![1](acc), { ...c, packed: null, grad: null }))
  );
}

/** Any case: mostly valid, one in eight invalid. */
export function parityCase(constraints: CaseSpecConstraints = {}): fc.Arbitrary<ParityCase> {
  return fc.oneof({ weight: 7, arbitrary: validCase(constraints) }, { weight: 1, arbitrary: invalidCase() });
}

/**
 * Cases a campaign draws beside its RNN batch (see Note [campaign supplement] in campaign.ts): API
 * cases of `targets` (harness/api/targets.ts), and packed RNN cases with unsorted lengths and
 * gradients, a corner issue 13 found out of random reach (about 1 RNN case in 800 before).
 */
export function supplementCase(targets: readonly ApiTarget[]): fc.Arbitrary<ApiCase | ParityCase> {
  const unsortedWithGrad = validCase({ packedUnsorted: true, withGrad: true, maxLayers: 2, maxSeqLen: 5, largeSizes: false });
  if (targets.length === 0) return unsortedWithGrad;
  return fc.oneof({ weight: 4, arbitrary: apiCase(targets) }, { weight: 1, arbitrary: unsortedWithGrad });
}
