// Random valid cases of the recurrent family (every constructor argument, every input layout), shared by the family's live properties.
import fc from 'fast-check';
import { Tensor, type DType } from '../../src/index.js';
import type { FamilyCase, FamilyKind } from './family-case.js';

/** Deterministic values in [−2, 2] from a seed (mulberry32), so a shrunk case is reproducible. */
export function values(seed: number, shape: readonly number[], dtype: DType): Tensor {
  let state = seed >>> 0;
  const count = shape.reduce((p, s) => p * s, 1);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 4 - 2);
  }
  return Tensor.fromFlat(out, shape, dtype);
}

/** Every argument of the module's constructor, valid. */
export interface Config {
  readonly module: FamilyKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly projPick: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly nonlinearity: 'tanh' | 'relu';
  readonly dtype: DType;
}

export function config(module: FamilyKind): fc.Arbitrary<Config> {
  return fc.record({
    module: fc.constant(module),
    inputSize: fc.integer({ min: 1, max: 6 }),
    hiddenSize: fc.integer({ min: 1, max: 7 }),
    projPick: fc.nat(),
    numLayers: fc.integer({ min: 1, max: 3 }),
    bias: fc.boolean(),
    batchFirst: fc.boolean(),
    bidirectional: fc.boolean(),
    dropout: fc.constantFrom(0, 0, 0.25, 0.5),
    nonlinearity: fc.constantFrom<'tanh' | 'relu'>('tanh', 'relu'),
    dtype: fc.constantFrom<DType>('float32', 'float64'),
  });
}

export function optionsOf(c: Config): Record<string, unknown> {
  const base = { inputSize: c.inputSize, hiddenSize: c.hiddenSize, bias: c.bias };
  if (c.module === 'rnn_cell') return { ...base, nonlinearity: c.nonlinearity };
  if (c.module.endsWith('_cell')) return base;
  const seq = { ...base, numLayers: c.numLayers, batchFirst: c.batchFirst, bidirectional: c.bidirectional, dropout: c.dropout };
  // proj_size from 0 to hidden_size − 1, 0 half of the time
  return c.module === 'lstm' ? { ...seq, projSize: c.projPick % 2 === 0 ? 0 : c.projPick % c.hiddenSize } : seq;
}

/** How the input is laid out and what state comes with it. */
export interface Shape {
  readonly layout: 'batched' | 'unbatched' | 'packed';
  readonly steps: number;
  readonly batch: number;
  readonly withState: boolean;
  readonly training: boolean;
  readonly enforceSorted: boolean;
  readonly lengthSeed: number;
  readonly dataSeed: number;
  readonly seed: bigint;
}

export const shape: fc.Arbitrary<Shape> = fc.record({
  layout: fc.constantFrom<Shape['layout']>('batched', 'batched', 'unbatched', 'packed'),
  steps: fc.integer({ min: 1, max: 5 }),
  batch: fc.integer({ min: 1, max: 4 }),
  withState: fc.boolean(),
  training: fc.boolean(),
  enforceSorted: fc.boolean(),
  lengthSeed: fc.nat(),
  dataSeed: fc.nat(),
  seed: fc.oneof(fc.integer({ min: 0, max: 1000 }).map(BigInt), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
});

/** A valid case of `config` laid out as `s`. */
export function caseOf(c: Config, s: Shape): FamilyCase {
  const options = optionsOf(c);
  const isCell = c.module.endsWith('_cell');
  const H = c.hiddenSize;
  const P = typeof options.projSize === 'number' && options.projSize > 0 ? options.projSize : H;
  const layers = isCell ? 1 : c.numLayers * (c.bidirectional ? 2 : 1);
  const unbatched = s.layout === 'unbatched';
  let inputShape: number[];
  if (isCell) inputShape = unbatched ? [c.inputSize] : [s.batch, c.inputSize];
  else if (unbatched) inputShape = [s.steps, c.inputSize];
  else inputShape = c.batchFirst ? [s.batch, s.steps, c.inputSize] : [s.steps, s.batch, c.inputSize];
  const stateShape = (width: number): number[] =>
    isCell ? (unbatched ? [width] : [s.batch, width]) : unbatched ? [layers, width] : [layers, s.batch, width];
  const twoStates = c.module === 'lstm' || c.module === 'lstm_cell';
  let packed: FamilyCase['packed'] = null;
  if (s.layout === 'packed' && !isCell) {
    let lengths = Array.from({ length: s.batch }, (_, i) => 1 + ((s.lengthSeed >>> (i * 3)) % s.steps));
    if (s.enforceSorted) lengths = lengths.sort((a, b) => b - a);
    packed = { lengths, enforceSorted: s.enforceSorted };
  }
  return {
    module: c.module,
    options,
    dtype: c.dtype,
    seed: s.seed.toString(),
    training: s.training,
    forwardSeed: s.training ? String(s.dataSeed % 1000) : null,
    input: values(s.dataSeed, inputShape, c.dtype),
    hx: s.withState ? values(s.dataSeed + 1, stateShape(twoStates ? (c.module === 'lstm' ? P : H) : H), c.dtype) : null,
    cx: s.withState && twoStates ? values(s.dataSeed + 2, stateShape(H), c.dtype) : null,
    packed,
  };
}
