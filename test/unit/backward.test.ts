// Backpropagation through time: hand-derived gradients, the gradient API, and oracle-free layout properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, PackedSequence, RNN, Tensor, TorchError, type DType, type RNNGrads, type RNNOptions } from '../../src/index.js';
import { oneMinusSquareF64 } from '../../src/backward.js';
import { fmaF32, fmaF64 } from '../../src/fma.js';
import { rnnWithWeights, wave } from '../helpers.js';

const directionsOf = (options: { bidirectional?: boolean }): number => (options.bidirectional ? 2 : 1);

function allGrads(grads: RNNGrads): Record<string, number[]> {
  const flat: Record<string, number[]> = { gradInput: [...grads.gradInput.data], gradHx: [...grads.gradHx.data] };
  for (const [name, grad] of Object.entries(grads.grads)) flat[name] = [...grad.data];
  return flat;
}

describe('backpropagation through time, derived by hand', () => {
  it('a one-unit tanh RNN over two steps gets the chain-rule gradients of every parameter, the input and hx', () => {
    // Arrange: h_t = tanh(w x_t + b_ih + u h_{t−1} + b_hh), L = 2, loss = g1 y1 + g2 y2 + gh y2.
    const [w, u, bIh, bHh, h0] = [0.7, -0.4, 0.1, -0.2, 0.3];
    const [x1, x2, g1, g2, gh] = [0.5, -1.5, 0.25, -2, 0.75];
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 1, dtype: 'float64' },
      {
        weight_ih_l0: [w],
        weight_hh_l0: [u],
        bias_ih_l0: [bIh],
        bias_hh_l0: [bHh],
      },
    );
    const x = Tensor.fromNested([[[x1]], [[x2]]], 'float64');
    const hx = Tensor.fromNested([[[h0]]], 'float64');

    // Act
    const result = rnn.forwardWithGrad(x, hx);
    const grads = result.backward(Tensor.fromNested([[[g1]], [[g2]]], 'float64'), Tensor.fromNested([[[gh]]], 'float64'));

    // Assert: dp2 = (g2 + gh)(1 − y2²), dy1 = g1 + u dp2, dp1 = dy1 (1 − y1²), then each linear's rule.
    const [y1, y2] = [result.output.get(0, 0, 0), result.output.get(1, 0, 0)];
    const dp2 = (g2 + gh) * (1 - y2 * y2);
    const dp1 = (g1 + u * dp2) * (1 - y1 * y1);
    const expected: Record<string, number[]> = {
      gradInput: [w * dp1, w * dp2],
      gradHx: [u * dp1],
      weight_ih_l0: [dp1 * x1 + dp2 * x2],
      weight_hh_l0: [dp1 * h0 + dp2 * y1],
      bias_ih_l0: [dp1 + dp2],
      bias_hh_l0: [dp1 + dp2],
    };
    const actual = allGrads(grads);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    for (const [name, values] of Object.entries(expected)) {
      values.forEach((value, i) => expect(actual[name]![i], name).toBeCloseTo(value, 14));
    }
  });

  it('relu passes the gradient where the output is positive and blocks it where the output is exactly zero', () => {
    // Arrange: h_t = relu(x_t) (w = 1, u = 0, no bias); x = 0 sits on the kink, where torch's
    // threshold_backward(grad, y, 0) gives 0.
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 1, bias: false, nonlinearity: 'relu', dtype: 'float64' },
      {
        weight_ih_l0: [1],
        weight_hh_l0: [0],
      },
    );
    const x = Tensor.fromNested([[[2]], [[0]], [[-1]]], 'float64');

    // Act
    const grads = rnn.forwardWithGrad(x).backward(Tensor.fromNested([[[1]], [[1]], [[1]]], 'float64'));

    // Assert: only step 0 (output 2) lets the gradient through; ∂w = Σ_{y_t > 0} x_t = 2.
    expect([...grads.gradInput.data]).toEqual([1, 0, 0]);
    expect([...grads.grads['weight_ih_l0']!.data]).toEqual([2]);
  });

  it('relu lets the gradient through a NaN output, since NaN <= 0 is false in threshold_backward', () => {
    // Arrange: h = relu(x + u h0) with x = NaN.
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 1, bias: false, nonlinearity: 'relu', dtype: 'float64' },
      {
        weight_ih_l0: [1],
        weight_hh_l0: [3],
      },
    );

    // Act
    const grads = rnn
      .forwardWithGrad(Tensor.fromNested([[[NaN]]], 'float64'), Tensor.fromNested([[[0.5]]], 'float64'))
      .backward(Tensor.fromNested([[[1]]], 'float64'));

    // Assert: ∂h0 = u · 1.
    expect([...grads.gradHx.data]).toEqual([3]);
  });

  it("float32 tanh backward rounds 1 − y² once, as torch 2.13's fused tanh_backward kernel does", () => {
    // Arrange: one unit, one step, ∂L/∂y = 1, so ∂b_hh = round32(1 − y²); find an input where the
    // fused and the twice-rounded forms differ.
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 1 },
      {
        weight_ih_l0: [1],
        weight_hh_l0: [0],
        bias_ih_l0: [0],
        bias_hh_l0: [0],
      },
    );
    const inputs = Array.from({ length: 200 }, (_, k) => Math.fround(0.013 * (k + 1)));
    const y = (v: number): number => Math.fround(Math.tanh(v));
    const x = inputs.find((v) => fmaF32(-y(v), y(v), 1) !== Math.fround(1 - Math.fround(y(v) * y(v))));
    expect(x).toBeDefined();

    // Act
    const result = rnn.forwardWithGrad(Tensor.fromNested([[[x!]]]));
    const grads = result.backward(Tensor.fromNested([[[1]]]));

    // Assert
    const output = result.output.get(0, 0, 0);
    expect(grads.grads['bias_hh_l0']!.get(0)).toBe(fmaF32(-output, output, 1));
  });

  it('the fast float64 1 − y² equals the exact fused multiply-add', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1e-6, max: 1e-6, noNaN: true })), (y) => {
        expect(oneMinusSquareF64(y)).toBe(fmaF64(-y, y, 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('with dropout p = 1 in training mode, the layers below receive no gradient from the output', () => {
    // Arrange: layer 1 reads layer 0's output times an all-zero noise.
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 1, dtype: 'float64' });
    const x = wave([4, 2, 2], 'float64');

    // Act: only ∂output is given, so layer 0 is reached through the dropout alone.
    const grads = rnn.forwardWithGrad(x).backward(wave([4, 2, 3], 'float64', 1));

    // Assert
    for (const name of ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']) {
      expect(
        [...grads.grads[name]!.data].every((v) => v === 0),
        name,
      ).toBe(true);
    }
    expect([...grads.gradInput.data].every((v) => v === 0)).toBe(true);
    expect([...grads.grads['weight_hh_l1']!.data].some((v) => v !== 0)).toBe(true);
  });
});

describe('the gradient API', () => {
  it("keys parameter gradients by torch's names, in torch's order, shaped like the parameters", () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true });

    const { grads } = rnn.forwardWithGrad(wave([3, 2, 2])).backward(wave([3, 2, 6]));

    expect(Object.entries(grads).map(([name, g]) => [name, g.shape])).toEqual(rnn.namedParameters().map(([name, p]) => [name, p.shape]));
  });

  it('shapes gradInput like the input and gradHx like hx, for batch-first, unbatched and packed input', () => {
    const batchFirst = new RNN({ inputSize: 2, hiddenSize: 3, batchFirst: true, bidirectional: true });
    const b = batchFirst.forwardWithGrad(wave([4, 5, 2]), wave([2, 4, 3])).backward(wave([4, 5, 6]));
    expect([b.gradInput.shape, b.gradHx.shape]).toEqual([
      [4, 5, 2],
      [2, 4, 3],
    ]);

    const unbatched = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2 });
    const u = unbatched.forwardWithGrad(wave([5, 2]), wave([2, 3])).backward(null, wave([2, 3]));
    expect([u.gradInput.shape, u.gradHx.shape]).toEqual([
      [5, 2],
      [2, 3],
    ]);

    const packedRnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const packed = new PackedSequence(wave([6, 2]), [3, 2, 1], [2, 0, 1]);
    const result = packedRnn.forwardWithGrad(packed);
    const p = result.backward(new PackedSequence(wave([6, 3]), [3, 2, 1], [2, 0, 1]));
    expect([p.gradInput.shape, p.gradHx.shape]).toEqual([
      [6, 2],
      [1, 3, 3],
    ]);
  });

  it('counts an omitted upstream gradient as zeros', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, dtype: 'float64' });
    const result = rnn.forwardWithGrad(wave([3, 2, 2], 'float64'), wave([4, 2, 3], 'float64'));
    const gradOutput = wave([3, 2, 6], 'float64', 2);

    expect(allGrads(result.backward(gradOutput))).toEqual(allGrads(result.backward(gradOutput, Tensor.zeros([4, 2, 3], 'float64'))));
    expect(
      Object.values(allGrads(result.backward()))
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('gives the same gradients on a second backward, and weight changes after the forward do not leak in', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const result = rnn.forwardWithGrad(wave([3, 2, 2]));
    const first = allGrads(result.backward(wave([3, 2, 3])));

    for (const param of rnn.parameters()) param.data.fill(0.5);

    expect(allGrads(result.backward(wave([3, 2, 3])))).toEqual(first);
  });

  it('returns the output and h_n that forward returns, bit for bit', () => {
    const options = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true } as const;
    const rnn = new RNN(options).eval();
    const x = wave([2, 5, 3]);

    const [output, hN] = rnn.forward(x);
    const result = rnn.forwardWithGrad(x);

    expect([...result.output.data]).toEqual([...output.data]);
    expect([...result.hN.data]).toEqual([...hN.data]);
  });

  it("rejects a wrongly shaped upstream gradient with torch's Mismatch in shape error, numbered among the gradients given", () => {
    const result = new RNN({ inputSize: 2, hiddenSize: 3 }).forwardWithGrad(wave([4, 2, 2]));

    expect(() => result.backward(Tensor.zeros([4, 2, 4]))).toThrow(
      new TorchError(
        'RuntimeError',
        'Mismatch in shape: grad_output[0] has a shape of torch.Size([4, 2, 4]) and output[0] has a shape of torch.Size([4, 2, 3]).',
      ),
    );
    expect(() => result.backward(null, Tensor.zeros([2, 3]))).toThrow(
      new TorchError(
        'RuntimeError',
        'Mismatch in shape: grad_output[0] has a shape of torch.Size([2, 3]) and output[0] has a shape of torch.Size([1, 2, 3]).',
      ),
    );
    expect(() => result.backward(Tensor.zeros([4, 2, 3]), Tensor.zeros([2, 3]))).toThrow(
      new TorchError(
        'RuntimeError',
        'Mismatch in shape: grad_output[1] has a shape of torch.Size([2, 3]) and output[1] has a shape of torch.Size([1, 2, 3]).',
      ),
    );
  });

  it("casts an upstream gradient of the other dtype to the output's dtype, as autograd does", () => {
    const result = new RNN({ inputSize: 2, hiddenSize: 3 }).forwardWithGrad(wave([4, 2, 2]));
    const gradOutput = wave([4, 2, 3], 'float64');

    expect(allGrads(result.backward(gradOutput))).toEqual(allGrads(result.backward(gradOutput.to('float32'))));
  });

  it('handles an empty batch: zero-size input gradients and all-zero parameter gradients', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, bidirectional: true });

    const grads = rnn.forwardWithGrad(Tensor.zeros([3, 0, 2])).backward(Tensor.zeros([3, 0, 6]));

    expect([grads.gradInput.shape, grads.gradHx.shape]).toEqual([
      [3, 0, 2],
      [2, 0, 3],
    ]);
    expect(Object.values(grads.grads).every((g) => g.data.every((v) => v === 0))).toBe(true);
  });
});

describe('layout properties that need no oracle', () => {
  const config = fc.record({
    inputSize: fc.integer({ min: 1, max: 3 }),
    hiddenSize: fc.integer({ min: 1, max: 3 }),
    numLayers: fc.integer({ min: 1, max: 3 }),
    bidirectional: fc.boolean(),
    bias: fc.boolean(),
    nonlinearity: fc.constantFrom('tanh' as const, 'relu' as const),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
    dropout: fc.constantFrom(0, 0.5),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  // Phases on a coarse grid keep the wave away from subnormal values, where doubling is not exact.
  const phases = fc.integer({ min: 0, max: 60 }).map((k) => k / 10);
  const sizes = fc.record({ L: fc.integer({ min: 1, max: 4 }), N: fc.integer({ min: 1, max: 3 }), phase: phases });

  type Config = RNNOptions & { dtype: DType; seed: number; numLayers: number; hiddenSize: number; inputSize: number };

  /** Two modules with the same weights and generator seed, differing in `extra` options. */
  function twin(options: Config, extra: Partial<RNNOptions> = {}): RNN {
    const { seed, ...rnnOptions } = options;
    return new RNN({ ...rnnOptions, ...extra, generator: new Generator(seed) });
  }

  it('batch-first gradients are the sequence-first gradients with batch and time swapped', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, N, phase }) => {
        const D = directionsOf(options);
        const x = wave([L, N, options.inputSize], options.dtype, phase);
        const g = wave([L, N, D * options.hiddenSize], options.dtype, phase + 1);
        const hx = wave([D * options.numLayers, N, options.hiddenSize], options.dtype, phase + 2);
        const swap = (t: Tensor): Tensor => {
          const [A, B, C] = t.shape as [number, number, number];
          const out = Tensor.zeros([B, A, C], t.dtype);
          for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) out.data[(b * A + a) * C + c] = t.get(a, b, c);
          return out;
        };

        const sequenceFirst = twin(options).forwardWithGrad(x, hx).backward(g, hx);
        const batchFirst = twin(options, { batchFirst: true }).forwardWithGrad(swap(x), hx).backward(swap(g), hx);

        expect([...batchFirst.gradInput.data]).toEqual([...swap(sequenceFirst.gradInput).data]);
        expect(allGrads({ ...batchFirst, gradInput: sequenceFirst.gradInput })).toEqual(allGrads(sequenceFirst));
      }),
    );
  });

  it('an unbatched sequence gets the gradients a batch of one gets', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, phase }) => {
        const D = directionsOf(options);
        const x = wave([L, options.inputSize], options.dtype, phase);
        const g = wave([L, D * options.hiddenSize], options.dtype, phase + 1);
        const gh = wave([D * options.numLayers, options.hiddenSize], options.dtype, phase + 2);

        const unbatched = twin(options).forwardWithGrad(x).backward(g, gh);
        const batched = twin(options)
          .forwardWithGrad(x.reshape([L, 1, options.inputSize]))
          .backward(g.reshape([L, 1, g.shape[1]!]), gh.reshape([gh.shape[0]!, 1, options.hiddenSize]));

        expect(allGrads(unbatched)).toEqual(allGrads(batched));
      }),
    );
  });

  it('a packed batch of equal lengths gets the gradients of the padded batch', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, N, phase }) => {
        const D = directionsOf(options);
        const x = wave([L, N, options.inputSize], options.dtype, phase);
        const g = wave([L, N, D * options.hiddenSize], options.dtype, phase + 1);
        const batchSizes = new Array<number>(L).fill(N);

        const padded = twin(options).forwardWithGrad(x).backward(g);
        const packed = twin(options)
          .forwardWithGrad(new PackedSequence(x.reshape([L * N, options.inputSize]), batchSizes))
          .backward(g.reshape([L * N, g.shape[2]!]));

        expect(allGrads(packed)).toEqual(allGrads(padded));
      }),
    );
  });

  it('each sequence of a packed batch gets the input and hx gradients it gets alone', () => {
    const lengths = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(config, lengths, phases, (options, unsortedLengths, phase) => {
        // Arrange: sequences given in caller order, packed longest first (a stable descending sort).
        const { hiddenSize: H, inputSize: I, numLayers: NL } = options;
        const D = directionsOf(options);
        const N = unsortedLengths.length;
        const sortedIndices = [...unsortedLengths.keys()].sort((a, b) => unsortedLengths[b]! - unsortedLengths[a]!);
        const sequences = unsortedLengths.map((len, n) => wave([len, I], options.dtype, phase + n));
        const gradSequences = unsortedLengths.map((len, n) => wave([len, D * H], options.dtype, phase - n));
        const hx = wave([D * NL, N, H], options.dtype, phase + 7);
        const gh = wave([D * NL, N, H], options.dtype, phase + 8);
        const batchSizes = Array.from({ length: unsortedLengths[sortedIndices[0]!]! }, (_, t) => unsortedLengths.filter((len) => len > t).length);
        const pack = (rows: Tensor[], width: number): Tensor => {
          const values: number[] = [];
          batchSizes.forEach((size, t) =>
            sortedIndices.slice(0, size).forEach((n) => values.push(...rows[n]!.data.subarray(t * width, (t + 1) * width))),
          );
          return Tensor.fromFlat(values, [values.length / width, width], options.dtype);
        };
        const column = (t: Tensor, n: number): Tensor => {
          const [S, , W] = t.shape as [number, number, number];
          return Tensor.fromFlat(
            Array.from({ length: S * W }, (_, k) => t.get(Math.floor(k / W), n, k % W)),
            [S, 1, W],
            options.dtype,
          );
        };

        // Act: the dropout-free module, so every run sees the same function.
        const batch = twin({ ...options, dropout: 0 })
          .forwardWithGrad(new PackedSequence(pack(sequences, I), batchSizes, sortedIndices), hx)
          .backward(pack(gradSequences, D * H), gh);

        // Assert
        const alone = sequences.map((sequence, n) =>
          twin({ ...options, dropout: 0 })
            .forwardWithGrad(sequence.reshape([sequence.shape[0]!, 1, I]), column(hx, n))
            .backward(gradSequences[n]!.reshape([sequence.shape[0]!, 1, D * H]), column(gh, n)),
        );
        expect([...batch.gradInput.data]).toEqual([
          ...pack(
            alone.map((a) => a.gradInput.reshape([a.gradInput.shape[0]!, I])),
            I,
          ).data,
        ]);
        alone.forEach((a, n) => expect([...column(batch.gradHx, n).data]).toEqual([...a.gradHx.data]));
      }),
    );
  });

  it('doubling the upstream gradients doubles every gradient exactly', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, N, phase }) => {
        const D = directionsOf(options);
        const x = wave([L, N, options.inputSize], options.dtype, phase);
        const g = wave([L, N, D * options.hiddenSize], options.dtype, phase + 1);
        const gh = wave([D * options.numLayers, N, options.hiddenSize], options.dtype, phase + 2);
        const double = (t: Tensor): Tensor =>
          Tensor.fromFlat(
            t.data.map((v) => 2 * v),
            t.shape,
            t.dtype,
          );

        const result = twin(options).forwardWithGrad(x);
        const once = allGrads(result.backward(g, gh));
        const twice = allGrads(result.backward(double(g), double(gh)));

        for (const [name, values] of Object.entries(once)) expect(twice[name], name).toEqual(values.map((v) => 2 * v));
      }),
    );
  });
});
