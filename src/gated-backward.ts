// Backpropagation through a recorded LSTM or GRU forward: layers top to bottom, the user's layouts mapped to rows and back.
import { checkGradientShapes } from './backward.js';
import type { DirectionBackward, GatedTrace } from './gated-trace.js';
import { indexSelect } from './index-select.js';
import { PackedSequence } from './packed-sequence.js';
import { parameterSuffix } from './parameter-names.js';
import { type DType, type FloatArray, Tensor, allocate, swapLeadingAxes } from './tensor.js';

/** The shape of an LSTM or GRU that backpropagation reads. */
export interface GatedNetwork {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** H_out: proj_size or hidden_size. */
  readonly outputSize: number;
  readonly numLayers: number;
  readonly numDirections: number;
  readonly batchFirst: boolean;
  readonly dtype: DType;
  namedParameters(): [string, Tensor][];
}

/** Gradients of a recorded gated forward, before the module names them (LSTM: h and c; GRU: h). */
export interface GatedGrads {
  /** ∂L/∂input, shaped like the input (for a PackedSequence: like its `data`). */
  readonly gradInput: Tensor;
  /** ∂L/∂(initial state k), shaped like that state, in the caller's batch order. */
  readonly gradStates: Tensor[];
  /** ∂L/∂parameter, keyed by torch's names, in torch's order. */
  readonly grads: Readonly<Record<string, Tensor>>;
}

/**
 * The backward of a recorded forward: `finals` are the module's final states as returned (h_n, then
 * c_n for LSTM), `stateSizes` their widths. The parameters are copied now, so later changes to the
 * module do not change the gradients. Mirrors `torch.autograd.grad((output, *finals), (input,
 * *initial states, *parameters), upstream)`; an omitted upstream gradient stands for zeros.
 */
export function gatedBackward(
  network: GatedNetwork,
  input: Tensor | PackedSequence,
  output: Tensor | PackedSequence,
  finals: readonly Tensor[],
  stateSizes: readonly number[],
  trace: GatedTrace,
  directionBackward: DirectionBackward,
): (gradOutput: Tensor | PackedSequence | null, gradFinals: readonly (Tensor | null)[]) => GatedGrads {
  const parameters = new Map(network.namedParameters().map(([name, p]) => [name, { data: p.data.slice(), shape: p.shape }] as const));
  const packed = input instanceof PackedSequence ? input : null;
  const outputTensor = output instanceof PackedSequence ? output.data : output;
  const isUnbatched = packed === null && (input as Tensor).ndim === 2;
  const swapsBatch = packed === null && !isUnbatched && network.batchFirst;
  const { dtype } = network;
  const cast = (grad: Tensor): Tensor => (grad.dtype === dtype ? grad : grad.to(dtype));

  return (gradOutput, gradFinals) => {
    const gradOutputTensor = gradOutput instanceof PackedSequence ? gradOutput.data : gradOutput;
    checkGradientShapes([[gradOutputTensor, outputTensor] as const, ...finals.map((f, k) => [gradFinals[k] ?? null, f] as const)]);
    const gradOutputRows = gradOutputTensor === null ? null : swapsBatch ? swapLeadingAxes(cast(gradOutputTensor)).data : cast(gradOutputTensor).data;
    const gradFinalRows = finals.map((_, k) => {
      const grad = gradFinals[k] ?? null;
      if (grad === null) return null;
      // h_n = h_n_sorted.index_select(1, unsorted_indices): the gradient goes back through sorted_indices.
      return packed?.sortedIndices ? indexSelect(cast(grad), 1, packed.sortedIndices).data : cast(grad).data;
    });
    const rows = backwardRows(network, parameters, trace, stateSizes, gradOutputRows, gradFinalRows, directionBackward);

    let gradInput: Tensor;
    if (packed !== null) gradInput = new Tensor(rows.gradInputRows, packed.data.shape);
    else {
      const inputTensor = input as Tensor;
      if (isUnbatched) gradInput = new Tensor(rows.gradInputRows, inputTensor.shape);
      else if (swapsBatch)
        gradInput = swapLeadingAxes(new Tensor(rows.gradInputRows, [inputTensor.shape[1]!, inputTensor.shape[0]!, inputTensor.shape[2]!]));
      else gradInput = new Tensor(rows.gradInputRows, inputTensor.shape);
    }
    const N = trace.batch;
    const layers = network.numDirections * network.numLayers;
    const gradStates = rows.gradInitial.map((data, k) => {
      let state = new Tensor(data, [layers, N, stateSizes[k]!]);
      // hx_sorted = hx.index_select(1, sorted_indices): scatter back to the caller's order.
      if (packed?.unsortedIndices) state = indexSelect(state, 1, packed.unsortedIndices);
      return isUnbatched ? state.reshape([layers, stateSizes[k]!]) : state;
    });
    const grads: Record<string, Tensor> = {};
    for (const name of parameters.keys()) {
      const grad = rows.grads[name];
      if (grad === undefined) throw new Error(`BUG: no gradient for ${name}`);
      grads[name] = grad;
    }
    return { gradInput, gradStates, grads };
  };
}

/** Layers top to bottom, each direction's backward on its layer input; dropout's noise multiplies the gradient back. */
function backwardRows(
  network: GatedNetwork,
  parameters: ReadonlyMap<string, { readonly data: FloatArray; readonly shape: readonly number[] }>,
  trace: GatedTrace,
  stateSizes: readonly number[],
  gradOutputRows: FloatArray | null,
  gradFinals: readonly (FloatArray | null)[],
  directionBackward: DirectionBackward,
): { gradInputRows: FloatArray; gradInitial: FloatArray[]; grads: Record<string, Tensor> } {
  const { numLayers: NL, numDirections: D, dtype } = network;
  const N = trace.batch;
  const gradInitial = stateSizes.map((size) => allocate(dtype, D * NL * N * size));
  const grads: Record<string, Tensor> = {};
  const data = (name: string): FloatArray | null => parameters.get(name)?.data ?? null;
  const gradient = (name: string, values: FloatArray | null): void => {
    const parameter = parameters.get(name);
    if (parameter !== undefined && values !== null) grads[name] = new Tensor(values, parameter.shape);
  };
  let gradLayerOutput = gradOutputRows;
  let gradLayerInput: FloatArray = allocate(dtype, 0);
  for (let layer = NL - 1; layer >= 0; layer--) {
    const input = trace.layerInputs[layer]!;
    const inputWidth = layer === 0 ? network.inputSize : D * network.outputSize;
    let gradInput: FloatArray | null = null;
    for (let dir = 0; dir < D; dir++) {
      const suffix = parameterSuffix(layer, dir);
      const index = layer * D + dir;
      const slice = (source: Readonly<FloatArray> | null, size: number): FloatArray | null =>
        source === null ? null : source.subarray(index * N * size, (index + 1) * N * size);
      const weightIh = data(`weight_ih_${suffix}`);
      const weightHh = data(`weight_hh_${suffix}`);
      if (weightIh === null || weightHh === null) throw new Error(`BUG: no recorded weights for ${suffix}`);
      const result = directionBackward({
        hiddenSize: network.hiddenSize,
        outputSize: network.outputSize,
        numDirections: D,
        dtype,
        dir,
        weights: { weightIh, weightHh, biasIh: data(`bias_ih_${suffix}`), biasHh: data(`bias_hh_${suffix}`), weightHr: data(`weight_hr_${suffix}`) },
        input,
        inputWidth,
        batchSizes: trace.batchSizes,
        initial: stateSizes.map((size, k) => slice(trace.initial[k] ?? null, size) ?? allocate(dtype, N * size)),
        gradOutput: gradLayerOutput,
        gradFinal: stateSizes.map((size, k) => slice(gradFinals[k] ?? null, size)),
      });
      result.gradInitial.forEach((g, k) => gradInitial[k]!.set(g, index * N * stateSizes[k]!));
      gradient(`weight_ih_${suffix}`, result.weightIh);
      gradient(`weight_hh_${suffix}`, result.weightHh);
      gradient(`bias_ih_${suffix}`, result.biasIh);
      gradient(`bias_hh_${suffix}`, result.biasHh);
      gradient(`weight_hr_${suffix}`, result.weightHr);
      // Both directions read the same layer input: their gradients add, rounded.
      if (gradInput === null) gradInput = result.gradInput;
      else for (let j = 0; j < gradInput.length; j++) gradInput[j] = gradInput[j]! + result.gradInput[j]!;
    }
    gradLayerInput = gradInput ?? allocate(dtype, 0);
    if (layer > 0) {
      // layer input = output ⊙ noise: ∂output = ∂input ⊙ noise, the same noise.
      const noise = trace.dropoutNoises[layer - 1] ?? null;
      if (noise === null) gradLayerOutput = gradLayerInput;
      else {
        const dropped = allocate(dtype, gradLayerInput.length);
        for (let j = 0; j < dropped.length; j++) dropped[j] = gradLayerInput[j]! * noise[j]!;
        gradLayerOutput = dropped;
      }
    }
  }
  return { gradInputRows: gradLayerInput, gradInitial, grads };
}
