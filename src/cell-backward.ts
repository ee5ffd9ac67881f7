// Backpropagation through one recorded step of RNNCell, LSTMCell or GRUCell, grads keyed by torch's names.
import { TorchError } from './errors.js';
import { biasGradient, tanhBackward, transpose, weightGradient } from './gate-gradients.js';
import type { DirectionBackward, DirectionGradients, DirectionInput } from './gated-trace.js';
import { linear, reluInPlace, tanhInPlace } from './kernels.js';
import { type DType, type FloatArray, Tensor, allocate } from './tensor.js';

/** Gradients of a loss L with respect to everything a cell's `forwardWithGrad` read. Mirrors `torch.autograd.grad` over `(input, hx, *cell.parameters())`. */
export interface CellGrads {
  /** ∂L/∂input, shaped like the input: (N, H_in) or (H_in). */
  readonly gradInput: Tensor;
  /** ∂L/∂hx, shaped like h'; the gradient at zeros when hx was omitted. */
  readonly gradHx: Tensor;
  /** ∂L/∂parameter: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`, in torch's order. */
  readonly grads: Readonly<Record<string, Tensor>>;
}

/** LSTMCell's gradients: those of {@link CellGrads} plus ∂L/∂c_0. */
export interface LSTMCellGrads extends CellGrads {
  /** ∂L/∂cx, shaped like c'. */
  readonly gradCx: Tensor;
}

/** A differentiable RNNCell / GRUCell step: h' as `forward` returns it, plus `backward(gradH)`. */
export interface CellGradResult {
  /** h': (N, H), or (H) unbatched. */
  readonly h: Tensor;
  /**
   * Mirrors `torch.autograd.grad(h', (input, hx, *parameters), gradH)`; an omitted gradient stands for zeros.
   * @throws RuntimeError `Mismatch in shape: …` (torch's text) for a wrongly shaped gradient.
   */
  backward(gradH?: Tensor | null): CellGrads;
}

/** A differentiable LSTMCell step: [h', c'] as `forward` returns them, plus `backward(gradH, gradC)`. */
export interface LSTMCellGradResult {
  readonly h: Tensor;
  readonly c: Tensor;
  /**
   * Mirrors `torch.autograd.grad((h', c'), (input, hx, cx, *parameters), (gradH, gradC))`; an omitted gradient stands for zeros.
   * @throws RuntimeError `Mismatch in shape: …` (torch's text) for a wrongly shaped gradient.
   */
  backward(gradH?: Tensor | null, gradC?: Tensor | null): LSTMCellGrads;
}

/** What a cell hands to {@link cellBackward}: its shape and parameters. */
export interface CellNetwork {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly dtype: DType;
  namedParameters(): [string, Tensor][];
}

/**
 * The backward of one recorded cell step, run as a one-step, one-direction layer. `x` and `states`
 * are the batched (N, ·) operands, `outputs` the cell's results as returned (unbatched or not). The
 * parameters are copied now.
 */
export function cellBackward(
  cell: CellNetwork,
  input: Tensor,
  x: Tensor,
  states: readonly Tensor[],
  outputs: readonly Tensor[],
  direction: DirectionBackward,
): (gradOutputs: readonly (Tensor | null)[]) => { gradInput: Tensor; gradStates: Tensor[]; grads: Record<string, Tensor> } {
  const parameters = new Map(cell.namedParameters().map(([name, p]) => [name, { data: p.data.slice(), shape: p.shape }] as const));
  const { dtype, hiddenSize: H } = cell;
  const N = x.shape[0]!;
  const xData = x.data.slice();
  const initial = states.map((s) => {
    const data = allocate(dtype, N * H);
    data.set(s.data);
    return data;
  });
  return (gradOutputs) => {
    // mirrors torch.autograd.backward's validate_outputs over the outputs given a gradient
    let index = 0;
    outputs.forEach((target, k) => {
      const grad = gradOutputs[k] ?? null;
      if (grad === null) return;
      if (grad.ndim !== target.ndim || grad.shape.some((s, i) => s !== target.shape[i])) {
        throw new TorchError(
          'RuntimeError',
          `Mismatch in shape: grad_output[${index}] has a shape of ${grad.sizeRepr()} and output[${index}] has a shape of ${target.sizeRepr()}.`,
        );
      }
      index++;
    });
    const data = (name: string): FloatArray | null => parameters.get(name)?.data ?? null;
    const result = direction({
      hiddenSize: H,
      outputSize: H,
      numDirections: 1,
      dtype,
      dir: 0,
      weights: { weightIh: data('weight_ih')!, weightHh: data('weight_hh')!, biasIh: data('bias_ih'), biasHh: data('bias_hh'), weightHr: null },
      input: xData,
      inputWidth: cell.inputSize,
      batchSizes: [N],
      initial,
      gradOutput: null,
      gradFinal: outputs.map((_, k) => {
        const grad = gradOutputs[k] ?? null;
        return grad === null ? null : (grad.dtype === dtype ? grad : grad.to(dtype)).data;
      }),
    });
    const grads: Record<string, Tensor> = {};
    const byKind: Record<string, FloatArray | null> = {
      weight_ih: result.weightIh,
      weight_hh: result.weightHh,
      bias_ih: result.biasIh,
      bias_hh: result.biasHh,
    };
    for (const [name, { shape }] of parameters) {
      const values = byKind[name];
      if (values === null || values === undefined) throw new Error(`BUG: no gradient for ${name}`);
      grads[name] = new Tensor(values, shape);
    }
    return {
      gradInput: new Tensor(result.gradInput, input.shape),
      gradStates: result.gradInitial.map((g, k) => new Tensor(g, outputs[k]!.shape)),
      grads,
    };
  };
}

/**
 * One Elman step, h' = act((h W_hhᵀ + b_hh) + (x W_ihᵀ + b_ih)) (ATen's SimpleCell), differentiated:
 * ∂pre = tanh_backward(∂h', h') or threshold_backward(∂h', h', 0) (zero where h' ≤ 0), then each linear's
 * gradients, one product each. See Note [gated gradients] (src/gate-gradients.ts).
 */
export function rnnCellBackward(nonlinearity: 'tanh' | 'relu'): DirectionBackward {
  return (d: DirectionInput): DirectionGradients => {
    const { hiddenSize: H, dtype, weights, input, inputWidth } = d;
    const isFloat32 = dtype === 'float32';
    const N = d.batchSizes[0] ?? 0;
    const y = allocate(dtype, N * H);
    const projected = allocate(dtype, N * H);
    linear(projected, 0, input, 0, N, weights.weightIh, weights.biasIh, H, inputWidth);
    linear(y, 0, d.initial[0]!, 0, N, weights.weightHh, weights.biasHh, H, H);
    for (let j = 0; j < N * H; j++) y[j] = y[j]! + projected[j]!;
    (nonlinearity === 'tanh' ? tanhInPlace : reluInPlace)(y, 0, N * H);
    const gradPre = allocate(dtype, N * H);
    const gradH = d.gradFinal[0] ?? null;
    if (gradH !== null) {
      for (let j = 0; j < N * H; j++) {
        gradPre[j] = nonlinearity === 'tanh' ? tanhBackward(gradH[j]!, y[j]!, isFloat32) : y[j]! <= 0 ? 0 : gradH[j]!;
      }
    }
    const gradHx = allocate(dtype, N * H);
    linear(gradHx, 0, gradPre, 0, N, transpose(weights.weightHh, H, H, dtype), null, H, H);
    const gradInput = allocate(dtype, N * inputWidth);
    linear(gradInput, 0, gradPre, 0, N, transpose(weights.weightIh, H, inputWidth, dtype), null, inputWidth, H);
    const weightIh = allocate(dtype, H * inputWidth);
    weightGradient(weightIh, gradPre, 0, input, 0, N, H, inputWidth, dtype);
    const weightHh = allocate(dtype, H * H);
    weightGradient(weightHh, gradPre, 0, d.initial[0]!, 0, N, H, H, dtype);
    const bias = (): FloatArray => {
      const out = allocate(dtype, H);
      biasGradient(out, gradPre, 0, N, H);
      return out;
    };
    return {
      gradInput,
      gradInitial: [gradHx],
      weightIh,
      weightHh,
      biasIh: weights.biasIh === null ? null : bias(),
      biasHh: weights.biasHh === null ? null : bias(),
      weightHr: null,
    };
  };
}
