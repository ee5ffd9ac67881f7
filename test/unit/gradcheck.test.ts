// Finite-difference gradient check in float64, as torch.autograd.gradcheck does it, over random RNNs; no Python.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, PackedSequence, RNN, Tensor, type RNNGrads, type RNNOptions } from '../../src/index.js';
import type { ActivationKernel } from '../../src/kernels.js';

// torch.autograd.gradcheck's defaults: central differences with eps 1e-6, |analytic − numeric| ≤ atol + rtol·|numeric|.
const EPS = 1e-6;
const ATOL = 1e-5;
const RTOL = 1e-3;
const NUM_RUNS = Number(process.env['RNN_PARITY_GRADCHECK_RUNS'] ?? 100);

/** An RNN that records the pre-activation closest to zero, so relu cases can stay off the kink. */
class ProbedRNN extends RNN {
  smallestPreActivation = Infinity;

  protected override activation(): ActivationKernel {
    const activate = super.activation();
    return (values, offset, length) => {
      for (let j = offset; j < offset + length; j++) this.smallestPreActivation = Math.min(this.smallestPreActivation, Math.abs(values[j]!));
      activate(values, offset, length);
    };
  }
}

type Layout = 'batched' | 'batchFirst' | 'unbatched' | 'packed';

interface GradcheckCase {
  readonly options: RNNOptions & { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean };
  readonly training: boolean;
  readonly layout: Layout;
  readonly lengths: readonly number[];
  readonly seed: number;
}

const gradcheckCase: fc.Arbitrary<GradcheckCase> = fc.record({
  options: fc.record({
    inputSize: fc.integer({ min: 1, max: 3 }),
    hiddenSize: fc.integer({ min: 1, max: 3 }),
    numLayers: fc.integer({ min: 1, max: 3 }),
    bidirectional: fc.boolean(),
    bias: fc.boolean(),
    nonlinearity: fc.constantFrom('tanh' as const, 'relu' as const),
    dropout: fc.constantFrom(0, 0.4),
  }),
  training: fc.boolean(),
  layout: fc.constantFrom<Layout>('batched', 'batchFirst', 'unbatched', 'packed'),
  // One length per batch entry; padded layouts use the longest as L and the count as N.
  lengths: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** Uniform(−1, 1) values from a seeded generator. */
function uniform(generator: Generator, shape: number[]): Tensor {
  const tensor = Tensor.zeros(shape, 'float64');
  generator.uniform_(tensor.data, -1, 1);
  return tensor;
}

interface Problem {
  readonly rnn: ProbedRNN;
  readonly input: Tensor | PackedSequence;
  readonly hx: Tensor;
  readonly gradOutput: Tensor;
  readonly gradHN: Tensor;
  readonly maskSeed: number;
}

function problemFor(c: GradcheckCase): Problem {
  const { inputSize: I, hiddenSize: H, numLayers: NL } = c.options;
  const D = c.options.bidirectional ? 2 : 1;
  const rnn = new ProbedRNN({ ...c.options, batchFirst: c.layout === 'batchFirst', dtype: 'float64', generator: new Generator(c.seed) });
  rnn.train(c.training);
  const values = new Generator(c.seed + 1);
  const N = c.lengths.length;
  const L = Math.max(...c.lengths);
  let input: Tensor | PackedSequence;
  let outputShape: number[];
  if (c.layout === 'packed') {
    // A stable descending sort, as pack_padded_sequence(enforce_sorted=False).
    const sortedIndices = [...c.lengths.keys()].sort((a, b) => c.lengths[b]! - c.lengths[a]!);
    const batchSizes = Array.from({ length: L }, (_, t) => c.lengths.filter((len) => len > t).length);
    const rows = c.lengths.reduce((sum, len) => sum + len, 0);
    input = new PackedSequence(uniform(values, [rows, I]), batchSizes, sortedIndices);
    outputShape = [rows, D * H];
  } else if (c.layout === 'unbatched') {
    input = uniform(values, [L, I]);
    outputShape = [L, D * H];
  } else {
    const [A, B] = c.layout === 'batchFirst' ? [N, L] : [L, N];
    input = uniform(values, [A, B, I]);
    outputShape = [A, B, D * H];
  }
  const stateShape = c.layout === 'unbatched' ? [D * NL, H] : [D * NL, N, H];
  return {
    rnn,
    input,
    hx: uniform(values, stateShape),
    gradOutput: uniform(values, outputShape),
    gradHN: uniform(values, stateShape),
    maskSeed: c.seed + 2,
  };
}

/** L = Σ gradOutput ⊙ output + Σ gradHN ⊙ h_n, with the same dropout masks every time. */
function loss(p: Problem): number {
  p.rnn.generator.manualSeed(p.maskSeed);
  const [output, hN] = p.rnn.forward(p.input, p.hx);
  const outputData = output instanceof PackedSequence ? output.data.data : output.data;
  let sum = 0;
  outputData.forEach((v, j) => (sum += v * p.gradOutput.data[j]!));
  hN.data.forEach((v, j) => (sum += v * p.gradHN.data[j]!));
  return sum;
}

function analyticGradients(p: Problem): RNNGrads {
  p.rnn.generator.manualSeed(p.maskSeed);
  return p.rnn.forwardWithGrad(p.input, p.hx).backward(p.gradOutput, p.gradHN);
}

/**
 * Perturbs every element of every parameter, the input and hx by ±EPS and compares the central
 * difference of the loss with the analytic gradient; returns the elements that disagree.
 */
function gradcheck(p: Problem, grads: RNNGrads): string[] {
  const inputData = p.input instanceof PackedSequence ? p.input.data.data : p.input.data;
  const targets: [string, Float32Array | Float64Array, Float32Array | Float64Array][] = [
    ['input', inputData, grads.gradInput.data],
    ['hx', p.hx.data, grads.gradHx.data],
    ...p.rnn
      .namedParameters()
      .map(([name, param]): [string, Float32Array | Float64Array, Float32Array | Float64Array] => [name, param.data, grads.grads[name]!.data]),
  ];
  const failures: string[] = [];
  for (const [name, values, analytic] of targets) {
    for (let j = 0; j < values.length; j++) {
      const original = values[j]!;
      values[j] = original + EPS;
      const plus = loss(p);
      values[j] = original - EPS;
      const minus = loss(p);
      values[j] = original;
      const numeric = (plus - minus) / (2 * EPS);
      if (!(Math.abs(analytic[j]! - numeric) <= ATOL + RTOL * Math.abs(numeric))) {
        failures.push(`${name}[${j}]: analytic ${analytic[j]} vs numeric ${numeric}`);
      }
    }
  }
  return failures;
}

describe('finite-difference gradient check (float64, central differences, gradcheck tolerances)', () => {
  it(
    'every gradient of every configuration, layout and dropout mask matches the central difference of the loss',
    () => {
      fc.assert(
        fc.property(gradcheckCase, (c) => {
          const problem = problemFor(c);
          const grads = analyticGradients(problem);
          // relu's derivative jumps at 0: keep every pre-activation 100·EPS away from the kink.
          if (c.options.nonlinearity === 'relu') fc.pre(problem.rnn.smallestPreActivation > 100 * EPS);
          expect(gradcheck(problem, grads)).toEqual([]);
        }),
        { numRuns: NUM_RUNS },
      );
    },
    5_000 + 20 * NUM_RUNS,
  );

  it('the check catches a gradient that is wrong by 1%', () => {
    const problem = problemFor({
      options: { inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, bias: true, nonlinearity: 'tanh', dropout: 0 },
      training: false,
      layout: 'batched',
      lengths: [3, 2],
      seed: 7,
    });
    const grads = analyticGradients(problem);
    grads.grads['weight_hh_l1_reverse']!.data[4] *= 1.01;

    expect(gradcheck(problem, grads)).toEqual([expect.stringMatching(/^weight_hh_l1_reverse\[4\]: /)]);
  });
});
