// Backpropagation through time for RNN.forward: each op's gradient beside its forward, grads keyed by torch's names.
import { TorchError } from './errors.js';
import { fmaF32, fmaF64 } from './fma.js';
import { type WeightGradient, withWeightGradient } from './gradient-products.js';
import { linear, withLinear } from './kernels.js';
import { PackedSequence } from './packed-sequence.js';
import { type ForwardTrace, type RecurrentNetwork, stepOffsets } from './forward-trace.js';
import type { PreparedLinear } from './linear-wasm.js';
import { parameterSuffix } from './parameter-names.js';
import { type DType, type FloatArray, Tensor, allocate, swapLeadingAxes } from './tensor.js';

// Note [float32 gradients]
// torch has no fused RNN backward on CPU: autograd differentiates the ops of the forward (spec §7),
// and every op's gradient is a tensor of the working dtype. We store each of those in an array of
// the working dtype, so float32 rounds exactly where torch materialises a float32 tensor:
//   * ∂h_t = ∂(layer output)_t + ∂(next step or h_n): one rounded add (autograd's InputBuffer);
//   * ∂pre_t = tanh_backward(∂h_t, h_t) = ∂h_t · (1 − h_t·h_t), where torch's vectorised kernel fuses
//     1 − y·y into one FMA (measured on torch 2.13 AVX512: 0 of 100 000 differ from the fused model,
//     56% differ from the unfused one, float32 and float64 alike), then one rounded multiply;
//   * each matrix product (∂h_{t−1}, the per-step ∂W_hh, ∂W_ih, ∂x) and each bias sum is rounded once,
//     with the dot products accumulated in float64 as in Note [float32 accumulation] (src/kernels.ts);
//   * ∂W_hh and ∂b_hh are per-step tensors that autograd adds up one step at a time, last step first,
//     each add rounded; ∂W_ih and ∂b_ih come from the single GEMM over all rows (spec §6.1);
//   * ∂x sums the two directions' products (one rounded add); dropout multiplies by the same noise.
// torch's MKL GEMMs and reductions sum in blocked float32 orders of their own, so float32 gradients
// agree to rounding noise, not bit for bit; float64 agrees to the last few bits.

// ---------------------------------------------------------------------------------------------
// Each op of the forward (src/rnn.ts runDirection), restated, with its gradient.

/**
 * tanh: y = tanh(p), so ∂L/∂p = ∂L/∂y · (1 − y²) — the derivative reads the saved output, not p.
 * torch's tanh_backward rounds 1 − y·y once (FMA), then the product once. See Note [float32 gradients].
 */
function tanhBackward(gradPre: FloatArray, gradPreOffset: number, gradH: Readonly<FloatArray>, y: Readonly<FloatArray>, length: number): void {
  const oneMinusSquare = gradPre instanceof Float32Array ? oneMinusSquareF32 : oneMinusSquareF64;
  for (let j = 0; j < length; j++) gradPre[gradPreOffset + j] = gradH[j] * oneMinusSquare(y[j]);
}

/**
 * relu: y = p < 0 ? 0 : p, so ∂L/∂p = ∂L/∂y where p > 0 and 0 where p < 0. torch differentiates with
 * threshold_backward(∂L/∂y, y, 0) = (y ≤ 0 ? 0 : ∂L/∂y): zero where the output is exactly ±0 (the kink
 * gets 0), and the gradient passes through a NaN output, since NaN ≤ 0 is false.
 */
function reluBackward(gradPre: FloatArray, gradPreOffset: number, gradH: Readonly<FloatArray>, y: Readonly<FloatArray>, length: number): void {
  for (let j = 0; j < length; j++) gradPre[gradPreOffset + j] = y[j] <= 0 ? 0 : gradH[j];
}

/** round₃₂(1 − y·y) with one rounding, as fmaf(−y, y, 1). */
function oneMinusSquareF32(y: number): number {
  return fmaF32(-y, y, 1);
}

const f64Bits = new Float64Array(1);
const u32Bits = new Uint32Array(f64Bits.buffer);

/**
 * round₆₄(1 − y·y) with one rounding, as fma(−y, y, 1). Dekker's product gives y·y = p + e and Fast2Sum
 * gives 1 − p = s + t, both exactly (|y| ≤ 1), so 1 − y² = s + c + cErr with c = t − e and its TwoSum
 * error cErr (~2⁻¹⁰⁶). r = s + c is then the correctly rounded result unless r's own rounding error plus
 * cErr reaches half the gap to r's neighbour; only that never-seen tie (or |y| > 1) takes the exact BigInt fma.
 */
export function oneMinusSquareF64(y: number): number {
  if (!(Math.abs(y) <= 1)) return fmaF64(-y, y, 1);
  const split = 134217729 * y; // 2^27 + 1: Veltkamp's split into two 26-bit halves
  const hi = split - (split - y);
  const lo = y - hi;
  const p = y * y;
  const e = hi * hi - p + 2 * hi * lo + lo * lo;
  const s = 1 - p;
  const t = 1 - s - p;
  const c = t - e;
  const cPart = c - t;
  const cErr = t - (c - cPart) + (-e - cPart);
  const r = s + c;
  if (cErr === 0 || r === 0) return r;
  const rPart = r - s;
  const rErr = s - (r - rPart) + (c - rPart);
  f64Bits[0] = r;
  const high = u32Bits[1]!;
  // 1 − y² ≥ 2⁻⁵³ here, so r is normal: half its ulp is 2^(exponent − 53), and half that below a power of two.
  const halfUlp = 2 ** (((high >>> 20) & 0x7ff) - 1023 - 53);
  const margin = (high & 0xfffff) === 0 && u32Bits[0] === 0 ? halfUlp / 2 : halfUlp;
  return Math.abs(rErr) + Math.abs(cErr) < margin ? r : fmaF64(-y, y, 1);
}

/**
 * linear, y = x·Wᵀ (+ b) with x (R, K), W (M, K): y[r,i] = Σ_k x[r,k] W[i,k], so
 *   ∂L/∂x[r,k] = Σ_i ∂L/∂y[r,i] W[i,k]   → ∂x = ∂y · W, computed as linear(∂y, (Wᵀ)) with Wᵀ (K, M).
 * `transposedWeight` is Wᵀ, laid out (K, M).
 */
function linearBackwardInput(
  gradX: FloatArray,
  gradY: Readonly<FloatArray>,
  gradYOffset: number,
  rows: number,
  transposedWeight: Readonly<FloatArray>,
  M: number,
  K: number,
): void {
  linear(gradX, 0, gradY, gradYOffset, rows, transposedWeight, null, K, M);
}

// linear, y = x·Wᵀ: ∂L/∂W[i,k] = Σ_r ∂L/∂y[r,i] x[r,k] → ∂W = ∂yᵀ · x, a (M, K) matrix of dot products
// over the rows, summed by withWeightGradient (src/gradient-products.ts) from ∂y and x as they lie.

/** linear bias, y[r,i] = … + b[i]: ∂L/∂b[i] = Σ_r ∂L/∂y[r,i] (autograd's sum_to over the broadcast rows). */
function linearBackwardBias(gradB: FloatArray, gradY: Readonly<FloatArray>, gradYOffset: number, rows: number, M: number): void {
  for (let i = 0; i < M; i++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += gradY[gradYOffset + r * M + i];
    gradB[i] = sum;
  }
}

/** dropout, y = x ⊙ noise (noise is 0 or 1/(1−p)): ∂L/∂x = ∂L/∂y ⊙ noise, the same noise. */
function dropoutBackward(gradY: Readonly<FloatArray>, noise: Readonly<FloatArray>, dtype: DType): FloatArray {
  const gradX = allocate(dtype, gradY.length);
  for (let j = 0; j < gradX.length; j++) gradX[j] = gradY[j] * noise[j];
  return gradX;
}

/** add, s = a + b: both operands receive ∂L/∂s; where a value is used twice, its gradients add (rounded). */
function accumulate(into: FloatArray, gradient: Readonly<FloatArray>): void {
  for (let j = 0; j < into.length; j++) into[j] = into[j] + gradient[j];
}

/** (R, C) → (C, R). */
function transpose(source: Readonly<FloatArray>, rows: number, columns: number, dtype: DType): FloatArray {
  const out = allocate(dtype, source.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) out[c * rows + r] = source[r * columns + c];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The walk: layers top to bottom, each direction's steps in the reverse of the order they ran.

/** The shape of the network that the walk needs; an `RNN` is one. */
type Network = Omit<RecurrentNetwork, 'namedParameters' | 'batchFirst'>;

/** Gradients in the recurrence's row layout (see {@link ForwardTrace}). */
interface RowGradients {
  /** ∂L/∂(layer-0 input rows), (rows, H_in). */
  readonly gradInputRows: FloatArray;
  /** ∂L/∂hx in sorted batch order, (D·num_layers, N, H). */
  readonly gradHx: FloatArray;
  readonly grads: Record<string, Tensor>;
}

/**
 * Backpropagation through time over a recorded forward. `gradOutputRows` is ∂L/∂(last layer output)
 * in row layout (rows, D·H); `gradHN` is ∂L/∂h_n in sorted batch order, (D·num_layers, N, H); null means zeros.
 */
function backwardRows(
  network: Network,
  weights: ReadonlyMap<string, FloatArray>,
  trace: ForwardTrace,
  gradOutputRows: FloatArray | null,
  gradHN: FloatArray | null,
): RowGradients {
  const { numLayers: NL, numDirections: D, hiddenSize: H, dtype } = network;
  const N = trace.hx.length / (D * NL * H);
  const gradHx = allocate(dtype, trace.hx.length);
  const grads: Record<string, Tensor> = {};
  // Layer l's output feeds layer l+1 (through dropout) or the user; walk from the top.
  let gradLayerOutput = gradOutputRows;
  let gradLayerInput: FloatArray = allocate(dtype, 0);
  for (let layer = NL - 1; layer >= 0; layer--) {
    const inputWidth = layer === 0 ? network.inputSize : D * H;
    let gradInput: FloatArray | null = null;
    for (let dir = 0; dir < D; dir++) {
      const suffix = parameterSuffix(layer, dir);
      const stateIndex = (layer * D + dir) * N * H;
      const gradFinal = gradHN === null ? null : gradHN.subarray(stateIndex, stateIndex + N * H);
      const result = directionBackward(network, weights, suffix, trace, layer, dir, inputWidth, gradLayerOutput, gradFinal);
      gradHx.set(result.gradHx, stateIndex);
      Object.assign(grads, result.grads);
      // Both directions read the same layer input: their gradients add.
      if (gradInput === null) gradInput = result.gradInput;
      else accumulate(gradInput, result.gradInput);
    }
    gradLayerInput = gradInput ?? allocate(dtype, 0);
    if (layer > 0) {
      const noise = trace.dropoutNoises[layer - 1] ?? null;
      gradLayerOutput = noise === null ? gradLayerInput : dropoutBackward(gradLayerInput, noise, dtype);
    }
  }
  return { gradInputRows: gradLayerInput, gradHx, grads };
}

/**
 * One layer and direction. Runs the steps in the reverse of their forward order, keeping `gradCarry`,
 * ∂L/∂(state each batch row carries into the step after it). It starts as ∂L/∂h_n: in packed input a
 * row that ends early is not touched by the later steps, so its h_n gradient waits there until the
 * walk reaches the row's last step; after step 0 (forward) or L−1 (reverse) it is ∂L/∂hx.
 */
function directionBackward(
  network: Network,
  weights: ReadonlyMap<string, FloatArray>,
  suffix: string,
  trace: ForwardTrace,
  layer: number,
  dir: number,
  inputWidth: number,
  gradLayerOutput: Readonly<FloatArray> | null,
  gradFinal: Readonly<FloatArray> | null,
): { gradInput: FloatArray; gradHx: FloatArray; grads: Record<string, Tensor> } {
  const { hiddenSize: H, numDirections: D, numLayers: NL, dtype } = network;
  const width = D * H;
  const column = dir * H;
  const { batchSizes } = trace;
  const L = batchSizes.length;
  const N = trace.hx.length / (D * NL * H);
  const offsets = stepOffsets(batchSizes);
  const totalRows = trace.layerOutputs[layer]!.length / width;
  const output = trace.layerOutputs[layer]!;
  const input = trace.layerInputs[layer]!;
  const hxStart = (layer * D + dir) * N * H;
  const weightIh = weightOf(weights, `weight_ih_${suffix}`);
  const weightHh = weightOf(weights, `weight_hh_${suffix}`);
  const transposedWeightHh = transpose(weightHh, H, H, dtype);
  const backwardActivation = network.nonlinearity === 'tanh' ? tanhBackward : reluBackward;

  const gradCarry = allocate(dtype, N * H);
  if (gradFinal !== null) gradCarry.set(gradFinal);
  // ∂L/∂pre for every row; pre = hh + ih, so it is also ∂L/∂(x W_ihᵀ + b_ih) for the whole-input GEMM.
  const gradPre = allocate(dtype, totalRows * H);
  const gradBiasHh = allocate(dtype, H);
  const stepGradBiasHh = allocate(dtype, H);
  const gradH = allocate(dtype, N * H);
  const y = allocate(dtype, N * H);
  const previous = allocate(dtype, N * H);

  // Forward ran t = 0…L−1 (dir 0) or L−1…0 (dir 1); backward visits the steps the other way round.
  const steps = Array.from({ length: L }, (_, t) => (dir === 0 ? L - 1 - t : t));
  let gradWeightHh: FloatArray = allocate(dtype, 0);
  // W_hhᵀ is prepared once for every step's ∂h_{t−1} = ∂pre_t · W_hh (see linearBackwardInput), and
  // ∂W_hh stays in WebAssembly memory while the steps add into it.
  withLinear(transposedWeightHh, null, H, H, (gradState) => {
    gradWeightHh = withWeightGradient(dtype, H, H, N, (stepGradWeightHh) => stepsBackward(gradState, stepGradWeightHh));
  });
  function stepsBackward(gradState: PreparedLinear, stepGradWeightHh: WeightGradient): void {
    steps.forEach((t, visit) => {
      const rows = batchSizes[t]!;
      const offset = offsets[t]!;
      // h_t is read by the layer output and by the next step (or h_n): ∂h_t = ∂output_t + ∂carry.
      for (let n = 0; n < rows; n++) {
        for (let j = 0; j < H; j++) {
          const at = (offset + n) * width + column + j;
          y[n * H + j] = output[at];
          gradH[n * H + j] = gradLayerOutput === null ? gradCarry[n * H + j] : gradLayerOutput[at] + gradCarry[n * H + j];
        }
      }
      // h_t = act(pre_t): ∂pre_t from the saved output.
      backwardActivation(gradPre, offset * H, gradH, y, rows * H);
      // pre_t = h_{t−1} W_hhᵀ + b_hh + ih_t: the state read before this step gets ∂pre_t · W_hh.
      gradState.apply(gradCarry, 0, gradPre, offset * H, rows); // linearBackwardInput(gradCarry, gradPre, offset·H, rows, W_hhᵀ, H, H)
      // ∂W_hh += ∂pre_tᵀ · h_{t−1}; h_{t−1} is the previous step's output for rows that ran there, else hx.
      const previousStep = dir === 0 ? t - 1 : t + 1;
      const previousRows = previousStep >= 0 && previousStep < L ? batchSizes[previousStep]! : 0;
      for (let n = 0; n < rows; n++) {
        const from = n < previousRows ? (offsets[previousStep]! + n) * width + column : -1;
        previous.set(from >= 0 ? output.subarray(from, from + H) : trace.hx.subarray(hxStart + n * H, hxStart + (n + 1) * H), n * H);
      }
      // autograd adds the per-step tensors into the parameter's gradient as they arrive, last step first.
      stepGradWeightHh.add(gradPre, offset * H, previous, 0, rows);
      if (network.bias) {
        const isFirstVisit = visit === 0;
        linearBackwardBias(isFirstVisit ? gradBiasHh : stepGradBiasHh, gradPre, offset * H, rows, H);
        if (!isFirstVisit) accumulate(gradBiasHh, stepGradBiasHh);
      }
    });
  }

  // ih = X W_ihᵀ + b_ih ran as one GEMM over every row, so its gradients are one product each.
  const gradWeightIh = withWeightGradient(dtype, H, inputWidth, totalRows, (gradient) => gradient.add(gradPre, 0, input, 0, totalRows));
  const gradInput = allocate(dtype, totalRows * inputWidth);
  linearBackwardInput(gradInput, gradPre, 0, totalRows, transpose(weightIh, H, inputWidth, dtype), H, inputWidth);
  const grads: Record<string, Tensor> = {
    [`weight_ih_${suffix}`]: new Tensor(gradWeightIh, [H, inputWidth]),
    [`weight_hh_${suffix}`]: new Tensor(gradWeightHh, [H, H]),
  };
  if (network.bias) {
    const gradBiasIh = allocate(dtype, H);
    linearBackwardBias(gradBiasIh, gradPre, 0, totalRows, H);
    grads[`bias_ih_${suffix}`] = new Tensor(gradBiasIh, [H]);
    grads[`bias_hh_${suffix}`] = new Tensor(gradBiasHh, [H]);
  }
  return { gradInput, gradHx: gradCarry, grads };
}

function weightOf(weights: ReadonlyMap<string, FloatArray>, name: string): FloatArray {
  const weight = weights.get(name);
  if (weight === undefined) throw new Error(`BUG: no recorded weight ${name}`);
  return weight;
}

// ---------------------------------------------------------------------------------------------
// The public face: a recorded forward whose backward maps user layouts to rows and back.

/**
 * Gradients of a loss L with respect to everything {@link RNN.forwardWithGrad} read.
 * Mirrors what `torch.autograd.grad` returns for `(input, hx, *rnn.parameters())`.
 */
export interface RNNGrads {
  /** ∂L/∂input, shaped like the input (for a PackedSequence: like its `data`, (sum of lengths, H_in)). */
  readonly gradInput: Tensor;
  /**
   * ∂L/∂hx, shaped like hx: (D·num_layers, N, H), or (D·num_layers, H) unbatched; in the caller's batch
   * order for packed input. Present also when hx was omitted: then it is the gradient at the zero
   * initial state (torch's default hx does not require grad, so torch has none).
   */
  readonly gradHx: Tensor;
  /** ∂L/∂parameter, keyed by torch's names (`grads.weight_ih_l0`, `grads.bias_hh_l1_reverse`), in torch's order. */
  readonly grads: Readonly<Record<string, Tensor>>;
}

/**
 * A forward pass that can be differentiated: `[output, h_n]` as {@link RNN.forward} returns them,
 * plus `backward`.
 */
export interface RNNGradResult<I extends Tensor | PackedSequence = Tensor | PackedSequence> {
  /** (L, N, D·H), (N, L, D·H) with batchFirst, (L, D·H) unbatched, or a PackedSequence for packed input. */
  readonly output: I extends PackedSequence ? PackedSequence : Tensor;
  /** (D·num_layers, N, H), or (D·num_layers, H) unbatched. */
  readonly hN: Tensor;
  /**
   * Backpropagates upstream gradients through the recorded forward. Mirrors
   * `torch.autograd.grad((output, h_n), (input, hx, *parameters), (gradOutput, gradHN))`, with an omitted
   * upstream gradient standing for zeros. Pure: it may be called again (torch would need
   * `retain_graph=True`), returns fresh tensors and accumulates nothing into the module.
   * @param gradOutput ∂L/∂output, shaped like `output` (a PackedSequence or its data for packed input).
   * @param gradHN ∂L/∂h_n, shaped like `hN`.
   * @throws RuntimeError `Mismatch in shape: grad_output[0] has a shape of …` (torch's text) for a wrongly
   * shaped upstream gradient, numbered as in `torch.autograd.backward` over the gradients given.
   */
  backward(gradOutput?: Tensor | PackedSequence | null, gradHN?: Tensor | null): RNNGrads;
}

/**
 * Wraps a recorded forward as an {@link RNNGradResult}. The parameters are copied now, so changing
 * the module's weights later does not change this result's gradients.
 */
export function differentiable(
  rnn: RecurrentNetwork,
  input: Tensor | PackedSequence,
  result: [Tensor | PackedSequence, Tensor],
  trace: ForwardTrace,
): RNNGradResult {
  const weights = new Map(rnn.namedParameters().map(([name, p]) => [name, p.data.slice()] as const));
  const parameterNames = [...weights.keys()];
  const [output, hN] = result;
  const packed = input instanceof PackedSequence ? input : null;
  const outputTensor = output instanceof PackedSequence ? output.data : output;
  const isUnbatched = packed === null && (input as Tensor).ndim === 2;
  const swapsBatch = packed === null && !isUnbatched && rnn.batchFirst;
  const { dtype } = rnn;

  const backward = (gradOutput?: Tensor | PackedSequence | null, gradHN?: Tensor | null): RNNGrads => {
    const gradOutputTensor = gradOutput instanceof PackedSequence ? gradOutput.data : (gradOutput ?? null);
    checkGradientShapes([
      [gradOutputTensor, outputTensor],
      [gradHN ?? null, hN],
    ]);
    // torch casts an upstream gradient of another dtype to the output's dtype.
    const toRows = (grad: Tensor): FloatArray => {
      const cast = grad.dtype === dtype ? grad : grad.to(dtype);
      return swapsBatch ? swapLeadingAxes(cast).data : cast.data;
    };
    const gradOutputRows = gradOutputTensor === null ? null : toRows(gradOutputTensor);
    let gradHNRows: FloatArray | null = null;
    if (gradHN !== undefined && gradHN !== null) {
      const cast = gradHN.dtype === dtype ? gradHN : gradHN.to(dtype);
      // h_n = h_n_sorted.index_select(1, unsorted_indices): the gradient goes back through sorted_indices.
      gradHNRows = packed?.sortedIndices ? selectBatch(cast, packed.sortedIndices).data : cast.data;
    }
    const rows = backwardRows(rnn, weights, trace, gradOutputRows, gradHNRows);

    let gradInput: Tensor;
    if (packed !== null) gradInput = new Tensor(rows.gradInputRows, packed.data.shape);
    else {
      const inputTensor = input as Tensor;
      const sequenceFirst = swapsBatch ? [inputTensor.shape[1]!, inputTensor.shape[0]!, inputTensor.shape[2]!] : inputTensor.shape;
      gradInput = new Tensor(rows.gradInputRows, sequenceFirst);
      if (swapsBatch) gradInput = swapLeadingAxes(gradInput);
    }
    const N = trace.hx.length / (rnn.numDirections * rnn.numLayers * rnn.hiddenSize);
    let gradHx = new Tensor(rows.gradHx, [rnn.numDirections * rnn.numLayers, N, rnn.hiddenSize]);
    // hx_sorted = hx.index_select(1, sorted_indices): scatter back to the caller's order.
    if (packed?.unsortedIndices) gradHx = selectBatch(gradHx, packed.unsortedIndices);
    if (isUnbatched) gradHx = gradHx.reshape(hN.shape);
    const grads: Record<string, Tensor> = {};
    for (const name of parameterNames) {
      const grad = rows.grads[name];
      if (grad === undefined) throw new Error(`BUG: no gradient for ${name}`);
      grads[name] = grad;
    }
    return { gradInput, gradHx, grads };
  };
  return { output, hN, backward } as RNNGradResult;
}

/** `tensor[:, indices, :]` for a (S, N, H) tensor whose indices are a permutation of 0…N−1. */
function selectBatch(tensor: Tensor, indices: readonly number[]): Tensor {
  const [S, N, H] = tensor.shape as [number, number, number];
  const out = allocate(tensor.dtype, tensor.size);
  for (let s = 0; s < S; s++) {
    indices.forEach((index, n) => out.set(tensor.data.subarray((s * N + index) * H, (s * N + index + 1) * H), (s * N + n) * H));
  }
  return new Tensor(out, [S, N, H]);
}

/**
 * Mirrors torch.autograd.backward's validate_outputs over the (gradient, output) pairs given a
 * gradient: a shape mismatch is torch's RuntimeError, numbered among the given gradients.
 */
export function checkGradientShapes(pairs: readonly (readonly [Tensor | null, Tensor])[]): void {
  let index = 0;
  for (const [grad, target] of pairs) {
    if (grad === null) continue;
    if (grad.ndim !== target.ndim || grad.shape.some((s, i) => s !== target.shape[i])) {
      throw new TorchError(
        'RuntimeError',
        `Mismatch in shape: grad_output[${index}] has a shape of ${grad.sizeRepr()} and output[${index}] has a shape of ${target.sizeRepr()}.`,
      );
    }
    index++;
  }
}
