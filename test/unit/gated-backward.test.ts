// The recorded LSTM / GRU / cell backward's contract: torch's shape error, purity, weights copied at the forward; no Python.
import { describe, expect, it } from 'vitest';
import { GRU, LSTM, LSTMCell, Tensor, TorchError, manualSeed } from '../../src/index.js';

function ramp(shape: number[]): Tensor {
  const size = shape.reduce((p, s) => p * s, 1);
  return Tensor.fromFlat(
    Array.from({ length: size }, (_, i) => Math.sin(i + 1)),
    shape,
    'float64',
  );
}

describe('gated backward', () => {
  it("a wrongly shaped ∂c_n raises torch's Mismatch in shape error, numbered over the gradients given", () => {
    // torch 2.13: autograd.grad([c_n], [x], [zeros(1, 1, 4)]) for an LSTM(2, 3) on (4, 1, 2) input
    manualSeed(0);
    const run = new LSTM({ inputSize: 2, hiddenSize: 3 }).forwardWithGrad(Tensor.zeros([4, 1, 2]));
    let caught: unknown = null;
    try {
      run.backward(null, null, Tensor.zeros([1, 1, 4]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TorchError);
    expect((caught as TorchError).name).toBe('RuntimeError');
    expect((caught as TorchError).message).toBe(
      'Mismatch in shape: grad_output[0] has a shape of torch.Size([1, 1, 4]) and output[0] has a shape of torch.Size([1, 1, 3]).',
    );
  });

  it('backward is pure: a second call gives the same gradients, and later weight changes do not reach them', () => {
    manualSeed(1);
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, dtype: 'float64' });
    const run = gru.forwardWithGrad(ramp([5, 2, 2]));
    const first = run.backward(ramp([5, 2, 6]), ramp([4, 2, 3]));
    gru.stateDict().weight_hh_l0!.data.fill(0);
    const second = run.backward(ramp([5, 2, 6]), ramp([4, 2, 3]));
    expect(second.gradInput.data).toEqual(first.gradInput.data);
    expect(second.gradHx.data).toEqual(first.gradHx.data);
    for (const [name, grad] of Object.entries(first.grads)) expect(second.grads[name]!.data).toEqual(grad.data);
  });

  it('an omitted state gives the gradient at zeros, as an explicit zero state does', () => {
    manualSeed(2);
    const cell = new LSTMCell({ inputSize: 2, hiddenSize: 3, dtype: 'float64' });
    const x = ramp([4, 2]);
    const omitted = cell.forwardWithGrad(x).backward(ramp([4, 3]), ramp([4, 3]));
    const zeros = cell.forwardWithGrad(x, [Tensor.zeros([4, 3], 'float64'), Tensor.zeros([4, 3], 'float64')]).backward(ramp([4, 3]), ramp([4, 3]));
    expect(omitted.gradHx.data).toEqual(zeros.gradHx.data);
    expect(omitted.gradCx.data).toEqual(zeros.gradCx.data);
    expect(omitted.grads.weight_ih!.data).toEqual(zeros.grads.weight_ih!.data);
  });
});
