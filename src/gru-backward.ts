// Backpropagation through one GRU layer and direction: torch's GRUCell ops, each op's gradient beside it.
import { stepOffsets } from './forward-trace.js';
import { StepSum, biasGradient, sigmoidBackward, tanhBackward, transpose, weightGradient } from './gate-gradients.js';
import type { DirectionGradients, DirectionInput } from './gated-trace.js';
import { gruStep } from './gru-step.js';
import { linear, withLinear } from './kernels.js';
import { type FloatArray, allocate } from './tensor.js';

/**
 * ∂L/∂(input rows, h_0, parameters) of one GRU layer and direction. Reruns the recurrence (gruStep,
 * bit for bit the forward's values) keeping each step's r, z, n, h W_hnᵀ + b_hn and h_{t−1}, then
 * walks the steps backwards. Mirrors autograd over `GRUCell::operator()` in
 * aten/src/ATen/native/RNN.cpp; see Note [gated gradients] (src/gate-gradients.ts).
 */
export function gruDirectionBackward(d: DirectionInput): DirectionGradients {
  const { hiddenSize: H, dtype, dir, weights, input, inputWidth, batchSizes } = d;
  const isFloat32 = dtype === 'float32';
  const round = isFloat32 ? Math.fround : (x: number): number => x;
  const G = 3 * H;
  const L = batchSizes.length;
  const N = batchSizes[0] ?? 0;
  const width = d.numDirections * H;
  const column = dir * H;
  const offsets = stepOffsets(batchSizes);
  const totalRows = input.length / inputWidth;

  // The forward again: x W_ihᵀ + b_ih for every row at once, then the steps (FullLayer / PackedLayer).
  const inputGates = allocate(dtype, totalRows * G);
  linear(inputGates, 0, input, 0, totalRows, weights.weightIh, weights.biasIh, G, inputWidth);
  const h = allocate(dtype, N * H);
  h.set(d.initial[0]!);
  const hPrevious = allocate(dtype, totalRows * H);
  const gates = allocate(dtype, totalRows * G);
  const hiddenNew = allocate(dtype, totalRows * H);
  const order = Array.from({ length: L }, (_, t) => (dir === 0 ? t : L - 1 - t));
  withLinear(weights.weightHh, weights.biasHh, G, H, (hidden) => {
    for (const t of order) {
      const rows = batchSizes[t]!;
      const offset = offsets[t]!;
      hPrevious.set(h.subarray(0, rows * H), offset * H);
      gruStep(inputGates, offset * G, h, rows, H, weights, gates.subarray(offset * G), hiddenNew.subarray(offset * H), hidden);
    }
  });

  // h_{t−1} is read three times: by the layer output, by step t's h − n, and by step t's h W_hhᵀ. Its
  // gradients arrive in that order and add up one by one: ((∂out + ∂sub) + ∂mm). Where the batch
  // shrinks or grows between the steps (packed input), torch slices or concatenates the state first,
  // and the slice's own buffer adds ∂sub + ∂mm before the output's gradient joins. `carrySub` starts
  // as ∂h_n (a packed row that ends early keeps it until the walk reaches its last step).
  const carrySub = allocate(dtype, N * H);
  const carryProduct = allocate(dtype, N * H);
  if (d.gradFinal[0]) carrySub.set(d.gradFinal[0]);
  const gradInputGates = allocate(dtype, totalRows * G);
  const gradHiddenGates = allocate(dtype, N * G);
  const transposedWeightHh = transpose(weights.weightHh, G, H, dtype);
  const gradWeightHh = new StepSum(dtype, G * H);
  const gradBiasHh = new StepSum(dtype, G);
  let consumerRows = -1;

  // W_hhᵀ is prepared once for every step's ∂h_{t−1} = ∂gates · W_hh.
  withLinear(transposedWeightHh, null, H, G, (gradState) => {
    for (let visit = L - 1; visit >= 0; visit--) {
      const t = order[visit]!;
      const rows = batchSizes[t]!;
      const offset = offsets[t]!;
      const isSliced = consumerRows !== -1 && consumerRows !== rows;
      for (let n = 0; n < rows; n++) {
        const base = (offset + n) * G;
        for (let j = 0; j < H; j++) {
          const k = n * H + j;
          const at = (offset + n) * H + j;
          const fromOutput = d.gradOutput === null ? null : d.gradOutput[(offset + n) * width + column + j]!;
          let gradH: number;
          if (fromOutput === null) gradH = round(carrySub[k]! + carryProduct[k]!);
          else if (isSliced) gradH = round(fromOutput + round(carrySub[k]! + carryProduct[k]!));
          else gradH = round(round(fromOutput + carrySub[k]!) + carryProduct[k]!);
          const r = gates[base + j]!;
          const z = gates[base + H + j]!;
          const candidate = gates[base + 2 * H + j]!;
          const previous = hPrevious[at]!;
          // h' = (h − n) ⊙ z + n: ∂(h − n) = ∂h' ⊙ z, ∂z = ∂h' ⊙ (h − n), ∂n = ∂h' − ∂(h − n).
          const gradDifference = round(gradH * z);
          const gradZ = round(gradH * round(previous - candidate));
          const gradCandidate = round(gradH - gradDifference);
          // n = tanh(in + r ⊙ hn): ∂(in) = ∂(r ⊙ hn) = tanh'; ∂hn = that ⊙ r, ∂r = that ⊙ hn.
          const gradNewPre = tanhBackward(gradCandidate, candidate, isFloat32);
          const gradR = round(gradNewPre * hiddenNew[at]!);
          const gradResetPre = sigmoidBackward(gradR, r, isFloat32);
          const gradUpdatePre = sigmoidBackward(gradZ, z, isFloat32);
          // r and z add the input and hidden projections: both receive the same gradient.
          gradInputGates[base + j] = gradResetPre;
          gradInputGates[base + H + j] = gradUpdatePre;
          gradInputGates[base + 2 * H + j] = gradNewPre;
          gradHiddenGates[n * G + j] = gradResetPre;
          gradHiddenGates[n * G + H + j] = gradUpdatePre;
          gradHiddenGates[n * G + 2 * H + j] = round(gradNewPre * r);
          carrySub[k] = gradDifference;
        }
      }
      // hidden gates = h_{t−1} W_hhᵀ + b_hh: ∂h_{t−1} = ∂gates · W_hh, ∂W_hh += ∂gatesᵀ · h_{t−1}.
      gradState.apply(carryProduct, 0, gradHiddenGates, 0, rows);
      gradWeightHh.add((out) => weightGradient(out, gradHiddenGates, 0, hPrevious, offset * H, rows, G, H, dtype));
      if (weights.biasHh !== null) gradBiasHh.add((out) => biasGradient(out, gradHiddenGates, 0, rows, G));
      consumerRows = rows;
    }
  });

  // h_0 is read by step 0's h − n and h W_hhᵀ only.
  const gradH0 = allocate(dtype, N * H);
  for (let k = 0; k < N * H; k++) gradH0[k] = carrySub[k]! + carryProduct[k]!;

  // ih = X W_ihᵀ + b_ih ran as one GEMM over every row, so its gradients are one product each.
  const weightIh = allocate(dtype, G * inputWidth);
  weightGradient(weightIh, gradInputGates, 0, input, 0, totalRows, G, inputWidth, dtype);
  const gradInput = allocate(dtype, totalRows * inputWidth);
  linear(gradInput, 0, gradInputGates, 0, totalRows, transpose(weights.weightIh, G, inputWidth, dtype), null, inputWidth, G);
  let biasIh: FloatArray | null = null;
  if (weights.biasIh !== null) {
    biasIh = allocate(dtype, G);
    biasGradient(biasIh, gradInputGates, 0, totalRows, G);
  }
  return {
    gradInput,
    gradInitial: [gradH0],
    weightIh,
    weightHh: gradWeightHh.total,
    biasIh,
    biasHh: weights.biasHh === null ? null : gradBiasHh.total,
    weightHr: null,
  };
}
