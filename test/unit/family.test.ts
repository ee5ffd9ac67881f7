// The recurrent family without Python: parameter names and shapes, reprs, errors and hand-checkable steps.
import { describe, expect, it } from 'vitest';
import { GRU, GRUCell, LSTM, LSTMCell, RNNCell, Tensor, TorchError } from '../../src/index.js';

function zeroed<T extends { parameters(): Tensor[] }>(module: T): T {
  for (const p of module.parameters()) p.data.fill(0);
  return module;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TorchError) return String(e);
    throw e;
  }
  return 'no error';
}

describe('parameters and reprs', () => {
  it('an LSTM with projections has torch names, order and shapes', () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2, numLayers: 2, bidirectional: true });
    const shapes = lstm.namedParameters().map(([name, p]) => `${name}:${p.shape.join('x')}`);
    expect(shapes.slice(0, 5)).toEqual(['weight_ih_l0:12x2', 'weight_hh_l0:12x2', 'bias_ih_l0:12', 'bias_hh_l0:12', 'weight_hr_l0:2x3']);
    expect(shapes).toContain('weight_ih_l1_reverse:12x4');
    expect(String(lstm)).toBe('LSTM(2, 3, proj_size=2, num_layers=2, bidirectional=True)');
  });

  it('a GRU and the cells print as torch does', () => {
    expect(String(new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 1 }))).toBe('GRU(2, 3, num_layers=2, dropout=1.0)');
    expect(String(new RNNCell({ inputSize: 2, hiddenSize: 3, bias: false, nonlinearity: 'relu' }))).toBe(
      'RNNCell(2, 3, bias=False, nonlinearity=relu)',
    );
    expect(String(new LSTMCell({ inputSize: 2, hiddenSize: 3, bias: false }))).toBe('LSTMCell(2, 3, bias=False)');
    // torch's LSTM / GRU take hidden_size=True as 1 (gate sizes 4·True and 3·True are ints); nn.RNN refuses it.
    expect(new LSTM({ inputSize: 2, hiddenSize: true } as never).stateDict().weight_hh_l0!.shape).toEqual([4, 1]);
    expect(new GRU({ inputSize: 2, hiddenSize: true } as never).stateDict().weight_hh_l0!.shape).toEqual([3, 1]);
    // torch stores nonlinearity=None as given (the default applies only when omitted) and fails in forward.
    const none = new RNNCell({ inputSize: 2, hiddenSize: 3, nonlinearity: null } as never);
    expect(String(none)).toBe('RNNCell(2, 3, nonlinearity=None)');
    expect(() => none.forward(Tensor.zeros([2]))).toThrow('Unknown nonlinearity: None');
    expect(new GRUCell({ inputSize: 2, hiddenSize: 3 }).namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      'weight_ih:9x2',
      'weight_hh:9x3',
      'bias_ih:9',
      'bias_hh:9',
    ]);
  });
});

describe('errors with torch 2.13 text', () => {
  it('checks proj_size in torch order', () => {
    expect(thrown(() => new LSTM({ inputSize: 2, hiddenSize: 3, projSize: -1 }))).toBe(
      'ValueError: proj_size should be a positive integer or zero to disable projections',
    );
    expect(thrown(() => new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 3 }))).toBe('ValueError: proj_size has to be smaller than hidden_size');
    expect(thrown(() => new GRU({ inputSize: 2, hiddenSize: 3, projSize: 0 } as never))).toBe(
      'ValueError: proj_size argument is only supported for LSTM, not RNN or GRU',
    );
    expect(thrown(() => new LSTM({ inputSize: 2, hiddenSize: 3, nonlinearity: 'tanh' } as never))).toBe(
      "TypeError: RNNBase.__init__() got an unexpected keyword argument 'nonlinearity'",
    );
  });

  it('words forward errors as LSTM and the cells do', () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2 });
    const x = Tensor.zeros([4, 1, 2]);
    expect(thrown(() => lstm.forward(Tensor.zeros([1, 1, 1, 2])))).toBe('ValueError: LSTM: Expected input to be 2D or 3D, got 4D instead');
    expect(thrown(() => lstm.forward(x, [Tensor.zeros([1, 1, 3]), Tensor.zeros([1, 1, 3])]))).toBe(
      'RuntimeError: Expected hidden[0] size (1, 1, 2), got [1, 1, 3]',
    );
    expect(thrown(() => lstm.forward(x, [Tensor.zeros([1, 1, 2]), Tensor.zeros([1, 1, 2])]))).toBe(
      'RuntimeError: Expected hidden[1] size (1, 1, 3), got [1, 1, 2]',
    );
    expect(thrown(() => lstm.forward(x, [Tensor.zeros([1, 2]), Tensor.zeros([1, 1, 3])]))).toBe(
      'RuntimeError: For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors',
    );
    const cell = new RNNCell({ inputSize: 2, hiddenSize: 3 });
    expect(thrown(() => cell.forward(Tensor.zeros([4, 5])))).toBe('RuntimeError: input has inconsistent input_size: got 5 expected 2');
    expect(thrown(() => cell.forward(Tensor.zeros([4, 2]), Tensor.zeros([3, 3])))).toBe(
      "RuntimeError: Input batch size 4 doesn't match hidden0 batch size 3",
    );
    expect(
      thrown(() => new LSTMCell({ inputSize: 2, hiddenSize: 3 }).forward(Tensor.zeros([4, 2]), [Tensor.zeros([4, 3]), Tensor.zeros([4, 2])])),
    ).toBe('RuntimeError: hidden1 has inconsistent hidden_size: got 2, expected 3');
    expect(thrown(() => new GRUCell({ inputSize: 2, hiddenSize: -1 }))).toBe(
      'RuntimeError: Trying to create tensor with negative dimension -3: [-3, 2]',
    );
  });
});

describe('hand-checked steps', () => {
  it('an LSTM cell with zero weights halves c and gives h = ½·tanh(c′)', () => {
    // i = f = o = σ(0) = ½, g = tanh(0) = 0: c′ = ½c, h′ = ½·tanh(½c)
    const cell = zeroed(new LSTMCell({ inputSize: 1, hiddenSize: 1, dtype: 'float64' }));
    const [h, c] = cell.forward(Tensor.fromFlat([3], [1], 'float64'), [Tensor.fromFlat([0.7], [1], 'float64'), Tensor.fromFlat([2], [1], 'float64')]);
    expect(c.data[0]).toBe(1);
    expect(h.data[0]).toBe(0.5 * Math.tanh(1));
  });

  it('a GRU cell with zero weights moves h halfway to 0', () => {
    // r = z = ½, n = tanh(0 + ½·0) = 0: h′ = (h − 0)·½ + 0
    const cell = zeroed(new GRUCell({ inputSize: 1, hiddenSize: 1, dtype: 'float64' }));
    expect(cell.forward(Tensor.fromFlat([5], [1], 'float64'), Tensor.fromFlat([0.8], [1], 'float64')).data[0]).toBe(0.4);
  });

  it('GRU applies the reset gate after W_hn·h + b_hn', () => {
    // r = σ(0) = ½ scales (W_hn h + b_hn) = 1·1 + 1 = 2 → n = tanh(½·2) = tanh(1); z = ½
    const gru = zeroed(new GRU({ inputSize: 1, hiddenSize: 1, dtype: 'float64' }));
    gru.stateDict().weight_hh_l0!.data[2] = 1;
    gru.stateDict().bias_hh_l0!.data[2] = 1;
    const [, hN] = gru.forward(Tensor.fromFlat([0], [1, 1, 1], 'float64'), Tensor.fromFlat([1], [1, 1, 1], 'float64'));
    const n = Math.tanh(1);
    expect(hN.data[0]).toBe((1 - n) * 0.5 + n);
  });

  it('an LSTM projection maps h to proj_size features', () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 1, bidirectional: true });
    const [output, [hN, cN]] = lstm.forward(Tensor.zeros([4, 2]));
    expect([output.shape, hN.shape, cN.shape]).toEqual([
      [4, 2],
      [2, 1],
      [2, 3],
    ]);
  });
});
