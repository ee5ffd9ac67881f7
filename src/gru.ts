// class GRU: torch's gated recurrent unit over sequences, layers and directions. Mirrors torch.nn.GRU.
import { TorchError, pyTypeName } from './errors.js';
import { assertTensor, checkHiddenDtype, checkHiddenSize, checkInput } from './forward-checks.js';
import { type LayerWeights, stepOffsets } from './forward-trace.js';
import type { RNNGradResult } from './backward.js';
import { gatedBackward } from './gated-backward.js';
import type { GatedTrace } from './gated-trace.js';
import { gruDirectionBackward } from './gru-backward.js';
import { gruStep } from './gru-step.js';
import { indexSelect } from './index-select.js';
import { linear, withLinear } from './kernels.js';
import type { PreparedLinear } from './linear-wasm.js';
import { PackedSequence } from './packed-sequence.js';
import { type GRUOptions, RecurrentBase } from './recurrent-base.js';
import type { RNNRandomOptions } from './rnn.js';
import { type FloatArray, Tensor, allocate } from './tensor.js';

/** The result of a GRU forward pass: `[output, h_n]`, or `[PackedSequence, h_n]` for packed input. */
export type GRUResult<I extends Tensor | PackedSequence> = [I extends PackedSequence ? PackedSequence : Tensor, Tensor];

/**
 * A multi-layer gated recurrent unit with torch's parameters, numbers and errors. Mirrors `torch.nn.GRU`.
 *
 * For each layer and direction, with x_t the layer input at step t (gate order r, z, n, as torch):
 * `r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)`, `z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)`,
 * `n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h` (see `gruStep`).
 * Directions, layers and dropout as in {@link RNN}.
 *
 * Parameters per layer k and direction: weight_ih_l{k} (3H, H_in or D·H), weight_hh_l{k} (3H, H),
 * bias_ih_l{k} (3H), bias_hh_l{k} (3H), with the suffix `_reverse` for the second direction.
 * Shapes: input (L, N, H_in), (N, L, H_in) with batchFirst, unbatched (L, H_in), or a PackedSequence;
 * hx (D·num_layers, N, H) or (D·num_layers, H) unbatched; output (L, N, D·H); h_n like hx.
 */
export class GRU extends RecurrentBase {
  /**
   * Builds the module and draws every parameter from uniform(−1/√H, 1/√H) in torch's order.
   * Mirrors `torch.nn.GRU(...)`.
   * @throws ValueError, TypeError or RuntimeError with torch's message for invalid options.
   */
  constructor(options: GRUOptions & RNNRandomOptions) {
    super('GRU', 3, options);
  }

  protected stateSizes(): readonly number[] {
    return [this.hiddenSize];
  }

  /**
   * Runs the network. Mirrors `torch.nn.GRU.forward(input, hx)`, its `check_forward_args` and ATen's
   * `_VF.gru`, in that order.
   * @param input (L, N, H_in), (N, L, H_in) with batchFirst, unbatched (L, H_in), or a PackedSequence.
   * @param hx (D·num_layers, N, H), or (D·num_layers, H) unbatched; zeros if omitted.
   * @returns `[output, h_n]`.
   * @throws ValueError, RuntimeError, IndexError or AttributeError with torch's message.
   */
  forward<I extends Tensor | PackedSequence>(input: I, hx?: Tensor | null): GRUResult<I> {
    return this.run(input, hx).result as GRUResult<I>;
  }

  /**
   * Runs the network as {@link forward} does and records what backpropagation needs. Mirrors a
   * forward with `requires_grad` on the input, hx and the parameters.
   * @returns `{ output, hN, backward }`; `backward(gradOutput, gradHN)` gives ∂input, ∂hx and ∂parameters by torch's names.
   * @throws as {@link forward}.
   */
  forwardWithGrad<I extends Tensor | PackedSequence>(input: I, hx?: Tensor | null): RNNGradResult<I> {
    const { result, trace } = this.run(input, hx);
    const [output, hN] = result;
    const backward = gatedBackward(this, input, output, [hN], this.stateSizes(), trace, gruDirectionBackward);
    return {
      output,
      hN,
      backward: (gradOutput, gradHN) => {
        const { gradInput, gradStates, grads } = backward(gradOutput ?? null, [gradHN ?? null]);
        return { gradInput, gradHx: gradStates[0]!, grads };
      },
    } as RNNGradResult<I>;
  }

  private run(input: Tensor | PackedSequence, hx?: Tensor | null): { result: GRUResult<Tensor | PackedSequence>; trace: GatedTrace } {
    const D = this.numDirections;
    const NL = this.numLayers;
    const H = this.hiddenSize;
    if (input instanceof PackedSequence) {
      const N = input.batchSizes[0] ?? 0;
      let h: Tensor | null = null;
      if (hx !== undefined && hx !== null) {
        if (!(hx instanceof Tensor)) {
          const method = input.sortedIndices !== null ? 'index_select' : 'size';
          if (method === 'size') checkInput(this, input.data, 2);
          throw new TorchError('AttributeError', `'${pyTypeName(hx)}' object has no attribute '${method}'`);
        }
        // mirrors RNNBase.permute_hidden: hx.index_select(1, sorted_indices), before any check
        h = input.sortedIndices === null ? hx : indexSelect(hx, 1, input.sortedIndices);
      }
      checkInput(this, input.data, 2);
      if (h !== null) checkHiddenSize(h, [D * NL, N, H]);
      checkHiddenDtype(this, h);
      const sequence = { rows: input.data.data, batchSizes: input.batchSizes, batch: N };
      const { rows, finals, trace } = this.runRows(sequence, [h?.data ?? null]);
      return { result: [this.packedOutput(rows, input), this.finalState(finals[0]!, N, H, input.unsortedIndices, true)], trace };
    }
    assertTensor(input);
    const layout = this.paddedLayout(input);
    let h: Tensor | null = null;
    if (hx !== undefined && hx !== null) {
      assertTensor(hx);
      if (!layout.isBatched) {
        if (hx.ndim !== 2) throw new TorchError('RuntimeError', `For unbatched 2-D input, hx should also be 2-D but got ${hx.ndim}-D tensor`);
        h = hx.reshape([hx.shape[0]!, 1, hx.shape[1]!]);
      } else {
        if (hx.ndim !== 3) throw new TorchError('RuntimeError', `For batched 3-D input, hx should also be 3-D but got ${hx.ndim}-D tensor`);
        h = hx;
      }
    }
    const N = layout.sequence.batch;
    checkInput(this, layout.isBatched ? input : input.reshape([1, ...input.shape]), 3);
    if (h !== null) checkHiddenSize(h, [D * NL, N, H]);
    // mirrors ATen FullLayer: `Expected sequence length to be larger than 0 in RNN`
    if (layout.steps === 0) throw new TorchError('RuntimeError', 'Expected sequence length to be larger than 0 in RNN');
    checkHiddenDtype(this, h);
    const { rows, finals, trace } = this.runRows(layout.sequence, [h?.data ?? null]);
    return { result: [this.paddedOutput(rows, layout), this.finalState(finals[0]!, N, H, null, layout.isBatched)], trace };
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
    const width = this.numDirections * H;
    const weights = this.layerWeights(layer, dir);
    const totalRows = layerInput.length / inputWidth;
    // torch projects the whole layer input at once on CPU (FullLayer / PackedLayer), then steps.
    const inputGates = allocate(this.dtype, totalRows * 3 * H);
    linear(inputGates, 0, layerInput, 0, totalRows, weights.weightIh, weights.biasIh, 3 * H, inputWidth);
    const hiddenGates = allocate(this.dtype, (batchSizes[0] ?? 0) * 3 * H);
    const offsets = stepOffsets(batchSizes);
    const h = states[0]!;
    // W_hh is prepared once for all steps (kernels.ts withLinear).
    withLinear(weights.weightHh, weights.biasHh, 3 * H, H, (hidden) => {
      for (const t of this.stepOrder(dir, batchSizes.length)) {
        const rows = batchSizes[t]!;
        const offset = offsets[t]!;
        this.step(inputGates, offset * 3 * H, h, rows, weights, hiddenGates, hidden);
        for (let n = 0; n < rows; n++) layerOutput.set(h.subarray(n * H, (n + 1) * H), (offset + n) * width + dir * H);
      }
    });
  }

  /**
   * One step of the recurrence (`gruStep`): the seam the planted-bug test breaks (a reset gate applied
   * before W_hn, as other frameworks do), so the harness proves it would see torch's placement lost.
   */
  protected step(
    inputGates: Readonly<FloatArray>,
    inputOffset: number,
    h: FloatArray,
    rows: number,
    weights: LayerWeights,
    hiddenGates: FloatArray,
    hidden: PreparedLinear,
  ): void {
    gruStep(inputGates, inputOffset, h, rows, this.hiddenSize, weights, hiddenGates, null, hidden);
  }
}
