// Finite-difference gradient check in float64 for LSTM, GRU and the cells, as torch.autograd.gradcheck does it; no Python.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GRU, GRUCell, Generator, LSTM, LSTMCell, PackedSequence, RNNCell, Tensor } from '../../src/index.js';

// torch.autograd.gradcheck's defaults: central differences with eps 1e-6, |analytic − numeric| ≤ atol + rtol·|numeric|.
const EPS = 1e-6;
const ATOL = 1e-5;
const RTOL = 1e-3;
// Each case perturbs every element of every leaf twice: a few seconds per test on a loaded machine.
const NUM_RUNS = Number(process.env.RNN_PARITY_GRADCHECK_RUNS ?? 40);

type Layout = 'batched' | 'batchFirst' | 'unbatched' | 'packed';

/** Uniform(−1, 1) values from a seeded generator. */
function uniform(generator: Generator, shape: number[]): Tensor {
  const tensor = Tensor.zeros(shape, 'float64');
  generator.uniform_(tensor.data, -1, 1);
  return tensor;
}

/** What gradcheck perturbs: the named leaves, and the loss and its analytic gradients over them. */
interface Problem {
  readonly leaves: Record<string, Tensor>;
  /** L = Σ upstream ⊙ outputs, with the same dropout masks every time. */
  loss(): number;
  analytic(): Record<string, Tensor>;
}

function dot(a: Tensor, b: Tensor): number {
  let sum = 0;
  a.data.forEach((v, j) => (sum += v * b.data[j]!));
  return sum;
}

function sequenceProblem(
  kind: 'lstm' | 'gru',
  options: { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; bias: boolean; dropout: number; projPick: number },
  layout: Layout,
  lengths: readonly number[],
  seed: number,
): Problem {
  const { inputSize: I, hiddenSize: H, numLayers: NL } = options;
  const projSize = kind === 'lstm' && options.projPick % 2 === 1 ? options.projPick % H : 0;
  const P = projSize > 0 ? projSize : H;
  const D = options.bidirectional ? 2 : 1;
  const base = { ...options, batchFirst: layout === 'batchFirst', dtype: 'float64' as const, generator: new Generator(seed) };
  const { projPick: _, ...moduleOptions } = base;
  const network = kind === 'lstm' ? new LSTM({ ...moduleOptions, projSize }) : new GRU(moduleOptions);
  network.train(options.dropout > 0);
  const values = new Generator(seed + 1);
  const N = lengths.length;
  const L = Math.max(...lengths);
  const sortedIndices = [...lengths.keys()].sort((a, b) => lengths[b]! - lengths[a]!);
  const batchSizes = Array.from({ length: L }, (_, t) => lengths.filter((len) => len > t).length);
  const rows = lengths.reduce((sum, len) => sum + len, 0);
  let inputShape: number[];
  let outputShape: number[];
  if (layout === 'packed')
    [inputShape, outputShape] = [
      [rows, I],
      [rows, D * P],
    ];
  else if (layout === 'unbatched')
    [inputShape, outputShape] = [
      [L, I],
      [L, D * P],
    ];
  else {
    const [A, B] = layout === 'batchFirst' ? [N, L] : [L, N];
    [inputShape, outputShape] = [
      [A, B, I],
      [A, B, D * P],
    ];
  }
  const stateShape = (width: number): number[] => (layout === 'unbatched' ? [D * NL, width] : [D * NL, N, width]);
  const leaves: Record<string, Tensor> = { input: uniform(values, inputShape), h0: uniform(values, stateShape(P)) };
  if (kind === 'lstm') leaves.c0 = uniform(values, stateShape(H));
  for (const [name, p] of network.namedParameters()) leaves[name] = p;
  const upstream = { output: uniform(values, outputShape), hN: uniform(values, stateShape(P)), cN: uniform(values, stateShape(H)) };
  const input = (): Tensor | PackedSequence => (layout === 'packed' ? new PackedSequence(leaves.input!, batchSizes, sortedIndices) : leaves.input!);
  const maskSeed = seed + 2;
  const run = () => {
    network.generator.manualSeed(maskSeed);
    return network instanceof LSTM ? network.forwardWithGrad(input(), [leaves.h0!, leaves.c0!]) : network.forwardWithGrad(input(), leaves.h0!);
  };
  return {
    leaves,
    loss() {
      const r = run();
      const output = r.output instanceof PackedSequence ? r.output.data : r.output;
      return dot(output, upstream.output) + dot(r.hN, upstream.hN) + ('cN' in r ? dot(r.cN as Tensor, upstream.cN) : 0);
    },
    analytic() {
      const r = run();
      const grads = 'cN' in r ? r.backward(upstream.output, upstream.hN, upstream.cN) : r.backward(upstream.output, upstream.hN);
      const out: Record<string, Tensor> = { input: grads.gradInput, h0: grads.gradHx, ...grads.grads };
      if ('gradCx' in grads) out.c0 = grads.gradCx as Tensor;
      return out;
    },
  };
}

function cellProblem(
  kind: 'rnn_cell' | 'lstm_cell' | 'gru_cell',
  inputSize: number,
  hiddenSize: number,
  bias: boolean,
  batch: number | null,
  seed: number,
): Problem {
  const options = { inputSize, hiddenSize, bias, dtype: 'float64' as const, generator: new Generator(seed) };
  const cell = kind === 'rnn_cell' ? new RNNCell(options) : kind === 'lstm_cell' ? new LSTMCell(options) : new GRUCell(options);
  const values = new Generator(seed + 1);
  const shape = (width: number): number[] => (batch === null ? [width] : [batch, width]);
  const leaves: Record<string, Tensor> = { input: uniform(values, shape(inputSize)), h0: uniform(values, shape(hiddenSize)) };
  if (cell instanceof LSTMCell) leaves.c0 = uniform(values, shape(hiddenSize));
  for (const [name, p] of cell.namedParameters()) leaves[name] = p;
  const gradH = uniform(values, shape(hiddenSize));
  const gradC = uniform(values, shape(hiddenSize));
  return {
    leaves,
    loss() {
      if (cell instanceof LSTMCell) {
        const [h, c] = cell.forward(leaves.input!, [leaves.h0!, leaves.c0!]);
        return dot(h, gradH) + dot(c, gradC);
      }
      return dot(cell.forward(leaves.input!, leaves.h0!), gradH);
    },
    analytic() {
      if (cell instanceof LSTMCell) {
        const grads = cell.forwardWithGrad(leaves.input!, [leaves.h0!, leaves.c0!]).backward(gradH, gradC);
        return { input: grads.gradInput, h0: grads.gradHx, c0: grads.gradCx, ...grads.grads };
      }
      const grads = cell.forwardWithGrad(leaves.input!, leaves.h0!).backward(gradH);
      return { input: grads.gradInput, h0: grads.gradHx, ...grads.grads };
    },
  };
}

/** Every element of every leaf: central difference against the analytic gradient; returns the failures. */
function gradcheck(p: Problem): string[] {
  const analytic = p.analytic();
  const bad: string[] = [];
  for (const [name, leaf] of Object.entries(p.leaves)) {
    const grad = analytic[name];
    if (grad === undefined || grad.size !== leaf.size) {
      bad.push(`${name}: no gradient of the leaf's size`);
      continue;
    }
    for (let j = 0; j < leaf.size; j++) {
      const saved = leaf.data[j]!;
      leaf.data[j] = saved + EPS;
      const plus = p.loss();
      leaf.data[j] = saved - EPS;
      const minus = p.loss();
      leaf.data[j] = saved;
      const numeric = (plus - minus) / (2 * EPS);
      if (!(Math.abs(grad.data[j]! - numeric) <= ATOL + RTOL * Math.abs(numeric)))
        bad.push(`${name}[${j}]: analytic ${grad.data[j]} numeric ${numeric}`);
    }
  }
  return bad;
}

describe('float64 gradients of the recurrent family match central differences (gradcheck)', () => {
  it.each(['lstm', 'gru'] as const)(
    '%s: layers, directions, bias, projections, dropout masks, every layout',
    (kind) => {
      fc.assert(
        fc.property(
          fc.record({
            inputSize: fc.integer({ min: 1, max: 3 }),
            hiddenSize: fc.integer({ min: 1, max: 3 }),
            numLayers: fc.integer({ min: 1, max: 2 }),
            bidirectional: fc.boolean(),
            bias: fc.boolean(),
            dropout: fc.constantFrom(0, 0.4),
            projPick: fc.nat(),
          }),
          fc.constantFrom<Layout>('batched', 'batchFirst', 'unbatched', 'packed'),
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          (options, layout, lengths, seed) => {
            const used = layout === 'unbatched' ? lengths.slice(0, 1) : layout === 'packed' ? lengths : lengths.map(() => Math.max(...lengths));
            expect(gradcheck(sequenceProblem(kind, options, layout, used, seed))).toEqual([]);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    },
    120_000,
  );

  it.each(['rnn_cell', 'lstm_cell', 'gru_cell'] as const)(
    '%s: batched and unbatched, with and without bias',
    (kind) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
          fc.option(fc.integer({ min: 1, max: 3 })),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          (inputSize, hiddenSize, bias, batch, seed) => {
            expect(gradcheck(cellProblem(kind, inputSize, hiddenSize, bias, batch, seed))).toEqual([]);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    },
    120_000,
  );
});
