// class LSTM: torch's long short-term memory over sequences, layers and directions, with optional projections. Mirrors torch.nn.LSTM.
import { TorchError, atenScalarTypeName, cppScalarTypeName } from './errors.js';
import { assertTensor, checkHiddenDtype, checkHiddenSize, checkInput } from './forward-checks.js';
import { stepOffsets } from './forward-trace.js';
import { indexSelect } from './index-select.js';
import { linear } from './kernels.js';
import { lstmDirectionBackward } from './lstm-backward.js';
import { lstmStep, withLSTMRecurrence } from './lstm-step.js';
import { gatedBackward } from './gated-backward.js';
import type { GatedTrace } from './gated-trace.js';
import { PackedSequence } from './packed-sequence.js';
import { type LSTMOptions, RecurrentBase } from './recurrent-base.js';
import type { RNNRandomOptions } from './rnn.js';
import { type FloatArray, Tensor, allocate } from './tensor.js';

/** The result of an LSTM forward pass: `[output, [h_n, c_n]]`, or `[PackedSequence, [h_n, c_n]]` for packed input. */
export type LSTMResult<I extends Tensor | PackedSequence> = [I extends PackedSequence ? PackedSequence : Tensor, [Tensor, Tensor]];

/** Gradients of a loss L with respect to everything {@link LSTM.forwardWithGrad} read. Mirrors `torch.autograd.grad` over `(input, h_0, c_0, *lstm.parameters())`. */
export interface LSTMGrads {
  /** ∂L/∂input, shaped like the input (for a PackedSequence: like its `data`). */
  readonly gradInput: Tensor;
  /** ∂L/∂h_0, shaped like h_0, in the caller's batch order; the gradient at zeros when h_0 was omitted. */
  readonly gradHx: Tensor;
  /** ∂L/∂c_0, shaped like c_0, as gradHx. */
  readonly gradCx: Tensor;
  /** ∂L/∂parameter, keyed by torch's names (`grads.weight_hr_l0`), in torch's order. */
  readonly grads: Readonly<Record<string, Tensor>>;
}

/** A differentiable LSTM forward: `output`, `hN`, `cN` as {@link LSTM.forward} returns them, plus `backward`. */
export interface LSTMGradResult<I extends Tensor | PackedSequence = Tensor | PackedSequence> {
  /** (L, N, D·H_out), (N, L, D·H_out) with batchFirst, (L, D·H_out) unbatched, or a PackedSequence for packed input. */
  readonly output: I extends PackedSequence ? PackedSequence : Tensor;
  /** (D·num_layers, N, H_out), or (D·num_layers, H_out) unbatched. */
  readonly hN: Tensor;
  /** (D·num_layers, N, H), or (D·num_layers, H) unbatched. */
  readonly cN: Tensor;
  /**
   * Backpropagates upstream gradients through the recorded forward. Mirrors
   * `torch.autograd.grad((output, h_n, c_n), (input, h_0, c_0, *parameters), upstream)`, an omitted
   * upstream gradient standing for zeros. Pure: it may be called again and accumulates nothing.
   * @throws RuntimeError `Mismatch in shape: grad_output[0] has a shape of …` (torch's text) for a wrongly shaped gradient.
   */
  backward(gradOutput?: Tensor | PackedSequence | null, gradHN?: Tensor | null, gradCN?: Tensor | null): LSTMGrads;
}

/** Python's `hx[0], hx[1]` on what the caller passed: a pair, or (torch allows it) a tensor's first two rows. */
function stateItems(hx: unknown): [unknown, unknown] {
  if (hx instanceof Tensor) {
    const size = hx.shape[0] ?? 0;
    if (hx.ndim === 0)
      throw new TorchError(
        'IndexError',
        'invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number',
      );
    if (size < 2) throw new TorchError('IndexError', `index ${size} is out of bounds for dimension 0 with size ${size}`);
    const rowShape = hx.shape.slice(1);
    const rowSize = rowShape.reduce((p, s) => p * s, 1);
    return [new Tensor(hx.data.slice(0, rowSize), rowShape), new Tensor(hx.data.slice(rowSize, 2 * rowSize), rowShape)];
  }
  if (!Array.isArray(hx) || hx.length < 2) {
    throw new TorchError('IndexError', `tuple index out of range`);
  }
  return [hx[0], hx[1]];
}

/**
 * A multi-layer long short-term memory network with torch's parameters, numbers and errors.
 * Mirrors `torch.nn.LSTM`.
 *
 * For each layer and direction, with x_t the layer input at step t (gate order i, f, g, o, as torch):
 * `i, f, o = σ(·)`, `g = tanh(·)` of `x W_ihᵀ + b_ih + h W_hhᵀ + b_hh`; `c' = f ⊙ c + i ⊙ g`;
 * `h' = o ⊙ tanh(c')`, then `h' = h' W_hrᵀ` when projSize > 0 (see `lstmStep`).
 * Directions, layers and dropout as in {@link RNN}; with projections the next layer reads D·proj_size features.
 *
 * Parameters per layer k and direction: weight_ih_l{k} (4H, H_in or D·H_out), weight_hh_l{k} (4H, H_out),
 * bias_ih_l{k} (4H), bias_hh_l{k} (4H), weight_hr_l{k} (P, H) when projSize = P > 0; H_out = P or H.
 * Shapes: input (L, N, H_in), (N, L, H_in) with batchFirst, unbatched (L, H_in), or a PackedSequence;
 * hx = [h_0 (D·num_layers, N, H_out), c_0 (D·num_layers, N, H)] (no N when unbatched); output
 * (L, N, D·H_out); [h_n, c_n] like hx.
 */
export class LSTM extends RecurrentBase {
  /**
   * Builds the module and draws every parameter (weight_hr included) from uniform(−1/√H, 1/√H) in
   * torch's order. Mirrors `torch.nn.LSTM(...)`.
   * @throws ValueError, TypeError or RuntimeError with torch's message for invalid options.
   */
  constructor(options: LSTMOptions & RNNRandomOptions) {
    super('LSTM', 4, options);
  }

  protected stateSizes(): readonly number[] {
    return [this.outputSize, this.hiddenSize];
  }

  /**
   * Runs the network. Mirrors `torch.nn.LSTM.forward(input, hx)`, its `check_forward_args` and
   * ATen's `_VF.lstm`, in that order.
   * @param input (L, N, H_in), (N, L, H_in) with batchFirst, unbatched (L, H_in), or a PackedSequence.
   * @param hx `[h_0, c_0]`, (D·num_layers, N, H_out) and (D·num_layers, N, H), no N when unbatched; zeros if omitted.
   * @returns `[output, [h_n, c_n]]`.
   * @throws ValueError, RuntimeError, IndexError or AttributeError with torch's message.
   */
  forward<I extends Tensor | PackedSequence>(input: I, hx?: readonly [Tensor, Tensor] | null): LSTMResult<I> {
    return this.run(input, hx).result as LSTMResult<I>;
  }

  /**
   * Runs the network as {@link forward} does and records what backpropagation needs. Mirrors a
   * forward with `requires_grad` on the input, `(h_0, c_0)` and the parameters.
   * @returns `{ output, hN, cN, backward }`; `backward(gradOutput, gradHN, gradCN)` gives ∂input, ∂h_0, ∂c_0 and
   * ∂parameters by torch's names.
   * @throws as {@link forward}.
   */
  forwardWithGrad<I extends Tensor | PackedSequence>(input: I, hx?: readonly [Tensor, Tensor] | null): LSTMGradResult<I> {
    const { result, trace } = this.run(input, hx);
    const [output, [hN, cN]] = result;
    const backward = gatedBackward(this, input, output, [hN, cN], this.stateSizes(), trace, lstmDirectionBackward);
    return {
      output,
      hN,
      cN,
      backward: (gradOutput, gradHN, gradCN) => {
        const { gradInput, gradStates, grads } = backward(gradOutput ?? null, [gradHN ?? null, gradCN ?? null]);
        return { gradInput, gradHx: gradStates[0]!, gradCx: gradStates[1]!, grads };
      },
    } as LSTMGradResult<I>;
  }

  private run(
    input: Tensor | PackedSequence,
    hx?: readonly [Tensor, Tensor] | null,
  ): { result: LSTMResult<Tensor | PackedSequence>; trace: GatedTrace } {
    const D = this.numDirections;
    const NL = this.numLayers;
    const H = this.hiddenSize;
    const P = this.outputSize;
    if (input instanceof PackedSequence) {
      const N = input.batchSizes[0] ?? 0;
      let states: [Tensor, Tensor] | null = null;
      if (hx !== undefined && hx !== null) {
        const [h, c] = stateItems(hx);
        assertTensor(h);
        assertTensor(c);
        // mirrors LSTM.permute_hidden: each of (h_0, c_0) is index_select'ed with sorted_indices
        const sorted = input.sortedIndices;
        states = sorted === null ? [h, c] : [indexSelect(h, 1, sorted), indexSelect(c, 1, sorted)];
        // torch runs no Python checks on a packed LSTM's hx and fails inside ATen (e.g. `got an
        // incorrect number of RNN parameters`); we raise the unpacked path's message instead.
        checkHiddenSize(states[0], [D * NL, N, P], 'hidden[0]');
        checkHiddenSize(states[1], [D * NL, N, H], 'hidden[1]');
      }
      // ATen's packed lstm: data whose batch_sizes are all equal, without projections and fit for
      // oneDNN (ATen use_mkldnn: float32, non-empty), is unwrapped to (L, N, H_in) and runs as unpacked.
      const viaOneDnn = this.projSize === 0 && input.data.dtype === 'float32' && input.data.size !== 0 && input.batchSizes.every((b) => b === N);
      this.checkPackedInput(input.data, viaOneDnn);
      if (states !== null) this.checkStateDtypes(states, viaOneDnn, input.batchSizes.length);
      const sequence = { rows: input.data.data, batchSizes: input.batchSizes, batch: N };
      const { rows, finals, trace } = this.runRows(sequence, [states?.[0].data ?? null, states?.[1].data ?? null]);
      const unsorted = input.unsortedIndices;
      const result: LSTMResult<PackedSequence> = [
        this.packedOutput(rows, input),
        [this.finalState(finals[0]!, N, P, unsorted, true), this.finalState(finals[1]!, N, H, unsorted, true)],
      ];
      return { result, trace };
    }
    assertTensor(input);
    const layout = this.paddedLayout(input);
    const N = layout.sequence.batch;
    const batchedInput = layout.isBatched ? input : input.reshape([1, ...input.shape]);
    let states: [Tensor, Tensor] | null = null;
    if (hx !== undefined && hx !== null) {
      const [h, c] = stateItems(hx);
      assertTensor(h);
      assertTensor(c);
      if (layout.isBatched) {
        if (h.ndim !== 3 || c.ndim !== 3) {
          throw new TorchError('RuntimeError', `For batched 3-D input, hx and cx should also be 3-D but got (${h.ndim}-D, ${c.ndim}-D) tensors`);
        }
        states = [h, c];
      } else {
        if (h.ndim !== 2 || c.ndim !== 2) {
          throw new TorchError('RuntimeError', `For unbatched 2-D input, hx and cx should also be 2-D but got (${h.ndim}-D, ${c.ndim}-D) tensors`);
        }
        states = [h.reshape([h.shape[0]!, 1, h.shape[1]!]), c.reshape([c.shape[0]!, 1, c.shape[1]!])];
      }
    }
    // mirrors LSTM.check_forward_args: check_input, then hidden[0] against H_out, hidden[1] against H
    checkInput(this, batchedInput, 3);
    if (states !== null) {
      checkHiddenSize(states[0], [D * NL, N, P], 'hidden[0]');
      checkHiddenSize(states[1], [D * NL, N, H], 'hidden[1]');
    }
    // mirrors ATen FullLayer: `Expected sequence length to be larger than 0 in RNN`
    if (layout.steps === 0) throw new TorchError('RuntimeError', 'Expected sequence length to be larger than 0 in RNN');
    if (states !== null) this.checkStateDtypes(states, this.dtype === 'float32' && this.projSize === 0 && input.size !== 0, layout.steps);
    const { rows, finals, trace } = this.runRows(layout.sequence, [states?.[0].data ?? null, states?.[1].data ?? null]);
    const result: LSTMResult<Tensor> = [
      this.paddedOutput(rows, layout),
      [this.finalState(finals[0]!, N, P, null, layout.isBatched), this.finalState(finals[1]!, N, H, null, layout.isBatched)],
    ];
    return { result, trace };
  }

  /**
   * A packed LSTM's data meets no Python check in torch. Data that goes to oneDNN (`viaOneDnn`) meets
   * its refusal of float64 weights; otherwise ATen's input GEMM (`linear(data, w_ih, b_ih)`) is the
   * first to object to a dtype or a feature count.
   */
  private checkPackedInput(data: Tensor, viaOneDnn: boolean): void {
    if (data.dtype !== this.dtype && viaOneDnn) throw new TorchError('RuntimeError', 'get_mkldnn_dtype: unsupported data type');
    if (data.dtype !== this.dtype) {
      throw new TorchError(
        'RuntimeError',
        this.bias
          ? `mat1 and mat2 must have the same dtype, but got ${atenScalarTypeName(data.dtype)} and ${atenScalarTypeName(this.dtype)}`
          : `expected m1 and m2 to have the same dtype, but got: ${cppScalarTypeName(data.dtype)} != ${cppScalarTypeName(this.dtype)}`,
      );
    }
    if (data.ndim !== 2) throw new TorchError('RuntimeError', `input must have 2 dimensions, got ${data.ndim}`);
    if (data.shape[1] !== this.inputSize) {
      throw new TorchError(
        'RuntimeError',
        `mat1 and mat2 shapes cannot be multiplied (${data.shape[0]}x${data.shape[1]} and ${this.inputSize}x${4 * this.hiddenSize})`,
      );
    }
  }

  /**
   * A state whose dtype is not the weights'. A run in oneDNN (`viaOneDnn`: ATen use_mkldnn on a
   * float32 LSTM without projections) refuses it outright. On ATen's native path the first step's
   * h·W_hhᵀ GEMM refuses h_0, while c_0 is promoted (f ⊙ c), harmless for a float64 module, which we
   * follow by widening. A float32 module's promoted c then meets a GEMM in float64: the projection
   * (`matmul`, so ATen's m1/m2 message whatever the bias), or, without one, the second step's
   * h·W_hhᵀ; one step without projections would return float64 states, which we refuse.
   */
  private checkStateDtypes(states: readonly [Tensor, Tensor], viaOneDnn: boolean, steps: number): void {
    const [h, c] = states;
    if (h.dtype === this.dtype && c.dtype === this.dtype) return;
    if (viaOneDnn) throw new TorchError('RuntimeError', 'get_mkldnn_dtype: unsupported data type');
    checkHiddenDtype(this, h);
    if (this.dtype !== 'float32') return;
    if (this.projSize > 0) {
      throw new TorchError(
        'RuntimeError',
        `expected m1 and m2 to have the same dtype, but got: ${cppScalarTypeName(c.dtype)} != ${cppScalarTypeName(this.dtype)}`,
      );
    }
    if (steps > 1) checkHiddenDtype(this, c);
    throw new TorchError('RuntimeError', `rnn-parity: c_0 must have the module's dtype (${this.dtype}), got ${c.dtype}`);
  }

  protected runDirection(
    layer: number,
    dir: number,
    layerInput: FloatArray,
    inputWidth: number,
    batchSizes: readonly number[],
    states: FloatArray[],
    layerOutput: FloatArray,
  ): void {
    const H = this.hiddenSize;
    const P = this.outputSize;
    const width = this.numDirections * P;
    const weights = this.layerWeights(layer, dir);
    const totalRows = layerInput.length / inputWidth;
    // torch projects the whole layer input at once on CPU (FullLayer / PackedLayer), then steps.
    const inputGates = allocate(this.dtype, totalRows * 4 * H);
    linear(inputGates, 0, layerInput, 0, totalRows, weights.weightIh, weights.biasIh, 4 * H, inputWidth);
    const maxBatch = batchSizes[0] ?? 0;
    const gates = allocate(this.dtype, maxBatch * 4 * H);
    const cellOut = allocate(this.dtype, maxBatch * H);
    const offsets = stepOffsets(batchSizes);
    const [h, c] = states as [FloatArray, FloatArray];
    withLSTMRecurrence(weights, H, P, (recurrence) => {
      for (const t of this.stepOrder(dir, batchSizes.length)) {
        const rows = batchSizes[t]!;
        const offset = offsets[t]!;
        lstmStep(inputGates, offset * 4 * H, h, c, rows, H, P, weights, gates, cellOut, recurrence);
        for (let n = 0; n < rows; n++) layerOutput.set(h.subarray(n * P, (n + 1) * P), (offset + n) * width + dir * P);
      }
    });
  }
}
