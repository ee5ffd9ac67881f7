// RNN: the seed note's experiments, hand-checked forward math, forward errors, shapes and oracle-free properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RNN, Tensor, TorchError, type DType, type RNNOptions } from '../../src/index.js';
import { tanhF64 } from '../../src/tanh.js';
import { rnnWithWeights, wave } from '../helpers.js';

function shapesOf(rnn: RNN): [string, readonly number[]][] {
  return rnn.namedParameters().map(([name, p]) => [name, p.shape]);
}

describe('the seed note experiments', () => {
  it('experiment 1: input 2, hidden 3, no bias has weight_ih_l0 3x2 and weight_hh_l0 3x3 only', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, bias: false });
    expect(shapesOf(rnn)).toEqual([
      ['weight_ih_l0', [3, 2]],
      ['weight_hh_l0', [3, 3]],
    ]);
  });

  it('experiment 1: one input row returns a tuple whose output and h_n hold the same values', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, bias: false });
    const result = rnn.forward(Tensor.fromNested([[0.5, -1]]));
    expect(result).toHaveLength(2);
    const [output, hN] = result;
    expect(output.shape).toEqual([1, 3]);
    expect(hN.shape).toEqual([1, 3]);
    expect([...output.data]).toEqual([...hN.data]);
  });

  it('experiment 2: with bias there are four parameters, two of them bias vectors of size 3', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    expect(shapesOf(rnn)).toEqual([
      ['weight_ih_l0', [3, 2]],
      ['weight_hh_l0', [3, 3]],
      ['bias_ih_l0', [3]],
      ['bias_hh_l0', [3]],
    ]);
  });

  it('experiment 3: three stacked layers take the hidden state below as input', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 3, bias: false });
    expect(shapesOf(rnn)).toEqual([
      ['weight_ih_l0', [3, 2]],
      ['weight_hh_l0', [3, 3]],
      ['weight_ih_l1', [3, 3]],
      ['weight_hh_l1', [3, 3]],
      ['weight_ih_l2', [3, 3]],
      ['weight_hh_l2', [3, 3]],
    ]);
  });

  it('num_layers = 0 does not construct', () => {
    expect(() => new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 0 })).toThrow(
      new TorchError('ValueError', 'num_layers must be greater than zero'),
    );
  });
});

describe('parameters', () => {
  it('are named and ordered layer-major, then direction, then w_ih, w_hh, b_ih, b_hh, as in torch', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true });
    expect(shapesOf(rnn)).toEqual([
      ['weight_ih_l0', [3, 2]],
      ['weight_hh_l0', [3, 3]],
      ['bias_ih_l0', [3]],
      ['bias_hh_l0', [3]],
      ['weight_ih_l0_reverse', [3, 2]],
      ['weight_hh_l0_reverse', [3, 3]],
      ['bias_ih_l0_reverse', [3]],
      ['bias_hh_l0_reverse', [3]],
      ['weight_ih_l1', [3, 6]],
      ['weight_hh_l1', [3, 3]],
      ['bias_ih_l1', [3]],
      ['bias_hh_l1', [3]],
      ['weight_ih_l1_reverse', [3, 6]],
      ['weight_hh_l1_reverse', [3, 3]],
      ['bias_ih_l1_reverse', [3]],
      ['bias_hh_l1_reverse', [3]],
    ]);
    expect(Object.keys(rnn.stateDict())).toEqual(rnn.namedParameters().map(([name]) => name));
    expect(rnn.allWeightNames()[1]).toEqual(['weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse']);
  });

  it('are drawn from uniform(-1/sqrt(H), 1/sqrt(H)) in the module dtype', () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const rnn = new RNN({ inputSize: 5, hiddenSize: 16, numLayers: 2, dtype });
      for (const param of rnn.parameters()) {
        expect(param.dtype).toBe(dtype);
        for (const value of param.data) expect(Math.abs(value)).toBeLessThanOrEqual(0.25);
      }
    }
  });

  it('load_state_dict reports missing, unexpected and size-mismatched keys with torch 2.13 text', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const dict = { ...rnn.stateDict(), weight_ih_l0: Tensor.zeros([3, 5]), foo: Tensor.zeros([1]) } as Record<string, Tensor>;
    delete dict.bias_hh_l0;
    expect(() => rnn.loadStateDict(dict)).toThrow(
      new TorchError(
        'RuntimeError',
        'Error(s) in loading state_dict for RNN:\n\tMissing key(s) in state_dict: "bias_hh_l0". \n\tUnexpected key(s) in state_dict: "foo". \n\tsize mismatch for weight_ih_l0: copying a param with shape torch.Size([3, 5]) from checkpoint, the shape in current model is torch.Size([3, 2]).',
      ),
    );
  });

  it('non-strict load_state_dict returns the incompatible keys and still rejects a size mismatch', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const partial = { weight_ih_l0: Tensor.zeros([3, 2]), foo: Tensor.zeros([1]) };
    expect(rnn.loadStateDict(partial, { strict: false })).toEqual({
      missingKeys: ['weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'],
      unexpectedKeys: ['foo'],
    });
    expect([...rnn.stateDict().weight_ih_l0!.data]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => rnn.loadStateDict({ weight_ih_l0: Tensor.zeros([3, 5]) }, { strict: false })).toThrow(
      'Error(s) in loading state_dict for RNN:\n\tsize mismatch for weight_ih_l0: copying a param with shape torch.Size([3, 5]) from checkpoint, the shape in current model is torch.Size([3, 2]).',
    );
  });

  // Printed by torch 2.13.0 for nn.RNN(2, 3).load_state_dict(v) with the same Python values.
  it.each([
    [null, "Expected state_dict to be dict-like, got <class 'NoneType'>."],
    [undefined, "Expected state_dict to be dict-like, got <class 'NoneType'>."],
    [3, "Expected state_dict to be dict-like, got <class 'int'>."],
    [1.5, "Expected state_dict to be dict-like, got <class 'float'>."],
    ['abc', "Expected state_dict to be dict-like, got <class 'str'>."],
    [[1], "Expected state_dict to be dict-like, got <class 'list'>."],
    [true, "Expected state_dict to be dict-like, got <class 'bool'>."],
    [Tensor.zeros([1]), "Expected state_dict to be dict-like, got <class 'torch.Tensor'>."],
  ])('load_state_dict(%o) raises torch 2.13 TypeError', (value, message) => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    expect(() => rnn.loadStateDict(value as unknown as Record<string, Tensor>)).toThrow(new TorchError('TypeError', message));
  });

  it('load_state_dict names a None value by its Python class', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    expect(() => rnn.loadStateDict({ weight_ih_l0: null } as unknown as Record<string, Tensor>)).toThrow(
      new TorchError(
        'RuntimeError',
        'Error(s) in loading state_dict for RNN:\n\tMissing key(s) in state_dict: "weight_hh_l0", "bias_ih_l0", "bias_hh_l0". \n\tWhile copying the parameter named "weight_ih_l0", expected torch.Tensor or Tensor-like object from checkpoint but received <class \'NoneType\'>',
      ),
    );
  });

  it('load_state_dict finds no key on Object.prototype', () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const dict = Object.assign(Object.create({ weight_ih_l0: Tensor.zeros([3, 2]) }) as Record<string, Tensor>, { foo: Tensor.zeros([1]) });
    expect(rnn.loadStateDict(dict, { strict: false }).missingKeys).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
  });

  it('load_state_dict converts a float64 checkpoint into a float32 module, as copy_ does', () => {
    const rnn = new RNN({ inputSize: 1, hiddenSize: 1, bias: false });
    rnn.loadStateDict({ weight_ih_l0: Tensor.fromFlat([0.1], [1, 1], 'float64'), weight_hh_l0: Tensor.fromFlat([0.2], [1, 1], 'float64') });
    expect(rnn.stateDict().weight_ih_l0!.data[0]).toBe(Math.fround(0.1));
  });
});

describe('forward math, checked by hand from h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)', () => {
  it('one layer, one unit, two steps, float64', () => {
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 1, dtype: 'float64' },
      {
        weight_ih_l0: [0.5],
        weight_hh_l0: [-1],
        bias_ih_l0: [0.1],
        bias_hh_l0: [0.2],
      },
    );
    const [output, hN] = rnn.forward(Tensor.fromNested([[[1]], [[2]]], 'float64'));
    const h1 = tanhF64(0.5 * 1 + 0.1 + 0.2);
    const h2 = tanhF64(0.5 * 2 + 0.1 + -1 * h1 + 0.2);
    expect([...output.data]).toEqual([h1, h2]);
    expect([...hN.data]).toEqual([h2]);
  });

  it('relu clamps negatives to 0 and keeps positives', () => {
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 2, nonlinearity: 'relu', bias: false, dtype: 'float64' },
      {
        weight_ih_l0: [1, -1],
        weight_hh_l0: [0, 0, 0, 0],
      },
    );
    const [output] = rnn.forward(Tensor.fromNested([[[3]]], 'float64'));
    expect([...output.data]).toEqual([3, 0]);
  });

  it('two layers, bidirectional: forward then reverse features, h_n indexed layer·D + direction', () => {
    // Every weight is a scalar (I = H = 1); layer 1 sees [fw, bw] of layer 0.
    const w = { ih0: 0.7, hh0: 0.3, ih0r: -0.4, hh0r: 0.6, ih1: [0.5, -0.2], hh1: 0.1, ih1r: [0.25, 0.9], hh1r: -0.3 };
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 1, numLayers: 2, bidirectional: true, bias: false, dtype: 'float64' },
      {
        weight_ih_l0: [w.ih0],
        weight_hh_l0: [w.hh0],
        weight_ih_l0_reverse: [w.ih0r],
        weight_hh_l0_reverse: [w.hh0r],
        weight_ih_l1: w.ih1,
        weight_hh_l1: [w.hh1],
        weight_ih_l1_reverse: w.ih1r,
        weight_hh_l1_reverse: [w.hh1r],
      },
    );
    const x = [1, -2, 0.5];
    const [output, hN] = rnn.forward(Tensor.fromFlat(x, [3, 1, 1], 'float64'));

    const fw0: number[] = [];
    let h = 0;
    for (let t = 0; t < 3; t++) fw0.push((h = tanhF64(w.ih0 * x[t]! + w.hh0 * h)));
    const bw0: number[] = [0, 0, 0];
    h = 0;
    for (let t = 2; t >= 0; t--) bw0[t] = h = tanhF64(w.ih0r * x[t]! + w.hh0r * h);
    const fw1: number[] = [];
    h = 0;
    for (let t = 0; t < 3; t++) fw1.push((h = tanhF64(w.ih1[0]! * fw0[t]! + w.ih1[1]! * bw0[t]! + w.hh1 * h)));
    const bw1: number[] = [0, 0, 0];
    h = 0;
    for (let t = 2; t >= 0; t--) bw1[t] = h = tanhF64(w.ih1r[0]! * fw0[t]! + w.ih1r[1]! * bw0[t]! + w.hh1r * h);

    expect(output.shape).toEqual([3, 1, 2]);
    expect([...output.data]).toEqual([fw1[0], bw1[0], fw1[1], bw1[1], fw1[2], bw1[2]]);
    expect([...hN.data]).toEqual([fw0[2], bw0[0], fw1[2], bw1[0]]);
  });

  it('float32 rounds each stored value to float32', () => {
    const rnn = rnnWithWeights({ inputSize: 1, hiddenSize: 1 }, { weight_ih_l0: [0.1], weight_hh_l0: [0.3], bias_ih_l0: [0.7], bias_hh_l0: [0.11] });
    const [output] = rnn.forward(Tensor.fromNested([[[0.9]], [[-0.4]]]));
    const f = Math.fround;
    const h1 = f(tanhF64(f(f(f(0.3) * 0 + f(0.11)) + f(f(0.1) * f(0.9) + f(0.7)))));
    const h2 = f(tanhF64(f(f(f(0.3) * h1 + f(0.11)) + f(f(0.1) * f(-0.4) + f(0.7)))));
    expect([...output.data]).toEqual([h1, h2]);
  });

  it('saturates tanh to exactly ±1 where torch 2.13 (MKL, AVX2) does, inside nn.RNN: float32 past 9.0108', () => {
    // torch: nn.RNN(1, 1) with weight_ih 1, the rest 0 gives 0x1.fffffep-1 at 8.7 and 9.0, and 1 at 9.02 (measured)
    const rnn = rnnWithWeights({ inputSize: 1, hiddenSize: 1, bias: false }, { weight_ih_l0: [1], weight_hh_l0: [0] });
    const [output] = rnn.forward(Tensor.fromNested([[[9.02]], [[-9.02]], [[8.7]], [[9.0]]]));
    expect([...output.data]).toEqual([1, -1, 1 - 2 ** -24, 1 - 2 ** -24]);
  });

  it('relu propagates NaN, and an input of -0 comes out +0 because the bias-free sum 0 + (-0) is +0, as torch prints', () => {
    const rnn = rnnWithWeights(
      { inputSize: 1, hiddenSize: 1, nonlinearity: 'relu', bias: false, dtype: 'float64' },
      { weight_ih_l0: [1], weight_hh_l0: [0] },
    );
    const [output] = rnn.forward(Tensor.fromFlat([-0, NaN], [2, 1, 1], 'float64'));
    expect(Object.is(output.data[0], 0)).toBe(true);
    expect(Number.isNaN(output.data[1])).toBe(true);
  });
});

describe('forward checks', () => {
  const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
  // Each message below was printed by torch 2.13.0 for the same call on nn.RNN(2, 3).
  it.each([
    ['4-D input', () => rnn.forward(Tensor.zeros([1, 1, 1, 2])), 'ValueError', 'RNN: Expected input to be 2D or 3D, got 4D tensor instead'],
    ['1-D input', () => rnn.forward(Tensor.zeros([2])), 'ValueError', 'RNN: Expected input to be 2D or 3D, got 1D tensor instead'],
    ['0-D input', () => rnn.forward(Tensor.zeros([])), 'ValueError', 'RNN: Expected input to be 2D or 3D, got 0D tensor instead'],
    [
      'float64 input on a float32 module',
      () => rnn.forward(Tensor.zeros([1, 1, 2], 'float64')),
      'ValueError',
      'RNN input dtype (torch.float64) does not match weight dtype (torch.float32). Convert input: input.to(torch.float32), or convert model: model.to(torch.float64)',
    ],
    [
      'a wrong feature count',
      () => rnn.forward(Tensor.zeros([1, 1, 7])),
      'RuntimeError',
      'input.size(-1) must be equal to input_size. Expected 2, got 7',
    ],
    [
      '2-D hx with batched input',
      () => rnn.forward(Tensor.zeros([1, 1, 2]), Tensor.zeros([1, 3])),
      'RuntimeError',
      'For batched 3-D input, hx should also be 3-D but got 2-D tensor',
    ],
    [
      '3-D hx with unbatched input',
      () => rnn.forward(Tensor.zeros([1, 2]), Tensor.zeros([1, 1, 3])),
      'RuntimeError',
      'For unbatched 2-D input, hx should also be 2-D but got 3-D tensor',
    ],
    [
      'an hx of the wrong batch',
      () => rnn.forward(Tensor.zeros([1, 4, 2]), Tensor.zeros([1, 3, 3])),
      'RuntimeError',
      'Expected hidden size (1, 4, 3), got [1, 3, 3]',
    ],
    [
      'an unbatched hx of the wrong layers',
      () => rnn.forward(Tensor.zeros([1, 2]), Tensor.zeros([2, 3])),
      'RuntimeError',
      'Expected hidden size (1, 1, 3), got [2, 1, 3]',
    ],
    [
      'a float64 hx',
      () => rnn.forward(Tensor.zeros([1, 1, 2]), Tensor.zeros([1, 1, 3], 'float64')),
      'RuntimeError',
      'mat1 and mat2 must have the same dtype, but got Double and Float',
    ],
    [
      'a float64 hx without bias',
      () => new RNN({ inputSize: 2, hiddenSize: 3, bias: false }).forward(Tensor.zeros([1, 1, 2]), Tensor.zeros([1, 1, 3], 'float64')),
      'RuntimeError',
      'expected m1 and m2 to have the same dtype, but got: double != float',
    ],
    [
      'a float32 hx on a float64 module',
      () => new RNN({ inputSize: 2, hiddenSize: 3, dtype: 'float64' }).forward(Tensor.zeros([1, 1, 2], 'float64'), Tensor.zeros([1, 1, 3])),
      'RuntimeError',
      'mat1 and mat2 must have the same dtype, but got Float and Double',
    ],
    ['an empty sequence', () => rnn.forward(Tensor.zeros([0, 1, 2])), 'RuntimeError', 'Expected sequence length to be larger than 0 in RNN'],
    ['an empty unbatched sequence', () => rnn.forward(Tensor.zeros([0, 2])), 'RuntimeError', 'Expected sequence length to be larger than 0 in RNN'],
    [
      'an empty sequence with a float64 hx',
      () => rnn.forward(Tensor.zeros([0, 1, 2]), Tensor.zeros([1, 1, 3], 'float64')),
      'RuntimeError',
      'Expected sequence length to be larger than 0 in RNN',
    ],
    [
      'a list as input',
      () => rnn.forward([1, 2] as unknown as Tensor),
      'AttributeError',
      "'list' object has no attribute 'dim'\nDid you mean Tensor.fromNested(array)? forward takes a Tensor or a PackedSequence, as torch does, not a nested array.",
    ],
  ] as [string, () => unknown, string, string][])('rejects %s with torch 2.13 type and message', (_, call, name, message) => {
    let caught: unknown;
    try {
      call();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TorchError);
    expect({ name: (caught as TorchError).name, message: (caught as TorchError).message }).toEqual({ name, message });
  });

  it('checks the hidden size before the empty sequence (torch: Python before ATen)', () => {
    expect(() => rnn.forward(Tensor.zeros([0, 1, 2]), Tensor.zeros([1, 2, 3]))).toThrow('Expected hidden size (1, 1, 3), got [1, 2, 3]');
  });

  it('accepts a batch of size 0', () => {
    const [output, hN] = rnn.forward(Tensor.zeros([2, 0, 2]));
    expect(output.shape).toEqual([2, 0, 3]);
    expect(hN.shape).toEqual([1, 0, 3]);
  });
});

describe('output shapes', () => {
  const layouts = ['batched', 'batchFirst', 'unbatched'] as const;
  const combos = layouts.flatMap((layout) =>
    [true, false].flatMap((bias) =>
      [true, false].flatMap((bidirectional) =>
        [1, 2, 3].flatMap((numLayers) => (['float32', 'float64'] as DType[]).map((dtype) => ({ layout, bias, bidirectional, numLayers, dtype }))),
      ),
    ),
  );

  it.each(combos)('%o', ({ layout, bias, bidirectional, numLayers, dtype }) => {
    const [I, H, L, N] = [3, 4, 5, 2];
    const D = bidirectional ? 2 : 1;
    const rnn = new RNN({ inputSize: I, hiddenSize: H, numLayers, bias, bidirectional, dtype, batchFirst: layout === 'batchFirst' });
    const inputShape = layout === 'batched' ? [L, N, I] : layout === 'batchFirst' ? [N, L, I] : [L, I];
    const [output, hN] = rnn.forward(wave(inputShape, dtype));
    const expectedOutput = layout === 'batched' ? [L, N, D * H] : layout === 'batchFirst' ? [N, L, D * H] : [L, D * H];
    expect(output.shape).toEqual(expectedOutput);
    expect(hN.shape).toEqual(layout === 'unbatched' ? [D * numLayers, H] : [D * numLayers, N, H]);
    expect(output.dtype).toBe(dtype);
    expect(hN.dtype).toBe(dtype);
  });
});

describe('properties that need no oracle', () => {
  const config = fc.record({
    inputSize: fc.integer({ min: 1, max: 4 }),
    hiddenSize: fc.integer({ min: 1, max: 4 }),
    numLayers: fc.integer({ min: 1, max: 3 }),
    bidirectional: fc.boolean(),
    bias: fc.boolean(),
    batchFirst: fc.boolean(),
    nonlinearity: fc.constantFrom('tanh' as const, 'relu' as const),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
  });
  const sizes = fc.record({
    L: fc.integer({ min: 1, max: 4 }),
    N: fc.integer({ min: 1, max: 3 }),
    phase: fc.double({ min: 0, max: 6, noNaN: true }),
  });

  function inputFor(options: RNNOptions & { batchFirst: boolean; dtype: DType }, L: number, N: number, phase: number): Tensor {
    return wave(options.batchFirst ? [N, L, options.inputSize] : [L, N, options.inputSize], options.dtype, phase);
  }

  it('an unbatched sequence gives what a batch of one gives', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, phase }) => {
        const rnn = new RNN(options).eval();
        const x = wave([L, options.inputSize], options.dtype, phase);
        const [output, hN] = rnn.forward(x);
        const [batchedOutput, batchedHN] = rnn.forward(x.reshape(options.batchFirst ? [1, L, options.inputSize] : [L, 1, options.inputSize]));
        expect([...output.data]).toEqual([...batchedOutput.data]);
        expect([...hN.data]).toEqual([...batchedHN.data]);
      }),
    );
  });

  it('an explicit zero h0 gives what no h0 gives', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, N, phase }) => {
        const rnn = new RNN(options).eval();
        const x = inputFor(options, L, N, phase);
        const D = options.bidirectional ? 2 : 1;
        const withZeros = rnn.forward(x, Tensor.zeros([D * options.numLayers, N, options.hiddenSize], options.dtype));
        const without = rnn.forward(x);
        expect([...withZeros[0].data]).toEqual([...without[0].data]);
        expect([...withZeros[1].data]).toEqual([...without[1].data]);
      }),
    );
  });

  it('permuting the batch permutes output and h_n the same way', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, N, phase }) => {
        const rnn = new RNN({ ...options, batchFirst: false }).eval();
        const I = options.inputSize;
        const x = wave([L, N, I], options.dtype, phase);
        const permutation = Array.from({ length: N }, (_, n) => N - 1 - n);
        const permuted = Tensor.zeros([L, N, I], options.dtype);
        for (let t = 0; t < L; t++)
          for (let n = 0; n < N; n++)
            for (let i = 0; i < I; i++) {
              permuted.data[(t * N + n) * I + i] = x.get(t, permutation[n]!, i);
            }
        const [output, hN] = rnn.forward(x);
        const [permutedOutput, permutedHN] = rnn.forward(permuted);
        const W = output.shape[2]!;
        for (let t = 0; t < L; t++)
          for (let n = 0; n < N; n++)
            for (let k = 0; k < W; k++) {
              expect(permutedOutput.get(t, n, k)).toBe(output.get(t, permutation[n]!, k));
            }
        for (let s = 0; s < hN.shape[0]!; s++)
          for (let n = 0; n < N; n++)
            for (let k = 0; k < options.hiddenSize; k++) {
              expect(permutedHN.get(s, n, k)).toBe(hN.get(s, permutation[n]!, k));
            }
      }),
    );
  });

  it('an eval-mode forward is deterministic, even with dropout configured', () => {
    fc.assert(
      fc.property(config, sizes, (options, { L, N, phase }) => {
        const rnn = new RNN({ ...options, dropout: 0.5 }).eval();
        const x = inputFor(options, L, N, phase);
        expect([...rnn.forward(x)[0].data]).toEqual([...rnn.forward(x)[0].data]);
      }),
    );
  });

  it('a training-mode forward with dropout between layers differs from eval', () => {
    const rnn = new RNN({ inputSize: 3, hiddenSize: 8, numLayers: 2, dropout: 0.5 });
    const x = wave([4, 2, 3]);
    const trained = rnn.forward(x)[0].data;
    const evaluated = rnn.eval().forward(x)[0].data;
    expect([...trained]).not.toEqual([...evaluated]);
  });
});
