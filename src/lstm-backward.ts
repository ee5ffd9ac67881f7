// Backpropagation through one LSTM layer and direction: torch's LSTMCell ops, each op's gradient beside it.
import { stepOffsets } from './forward-trace.js';
import { StepSum, biasGradient, sigmoidBackward, tanhBackward, transpose, weightGradient } from './gate-gradients.js';
import type { DirectionGradients, DirectionInput } from './gated-trace.js';
import { linear, tanhInPlace, withLinear } from './kernels.js';
import { lstmStep, withLSTMRecurrence } from './lstm-step.js';
import { type FloatArray, allocate } from './tensor.js';

/**
 * ∂L/∂(input rows, h_0, c_0, parameters) of one LSTM layer and direction. Reruns the recurrence
 * (lstmStep, bit for bit the forward's values) keeping each step's gates, c_{t−1}, tanh(c_t) and
 * o ⊙ tanh(c_t), then walks the steps backwards. Mirrors autograd over `LSTMCell::operator()` in
 * aten/src/ATen/native/RNN.cpp (CPU path); see Note [gated gradients] (src/gate-gradients.ts).
 */
export function lstmDirectionBackward(d: DirectionInput): DirectionGradients {
  const { hiddenSize: H, outputSize: P, dtype, dir, weights, input, inputWidth, batchSizes } = d;
  const isFloat32 = dtype === 'float32';
  const round = isFloat32 ? Math.fround : (x: number): number => x;
  const G = 4 * H;
  const L = batchSizes.length;
  const N = batchSizes[0] ?? 0;
  const width = d.numDirections * P;
  const column = dir * P;
  const offsets = stepOffsets(batchSizes);
  const totalRows = input.length / inputWidth;
  const isProjected = weights.weightHr !== null;

  // The forward again: x W_ihᵀ + b_ih for every row at once, then the steps (FullLayer / PackedLayer).
  const inputGates = allocate(dtype, totalRows * G);
  linear(inputGates, 0, input, 0, totalRows, weights.weightIh, weights.biasIh, G, inputWidth);
  const h = allocate(dtype, N * P);
  const c = allocate(dtype, N * H);
  h.set(d.initial[0]!);
  c.set(d.initial[1]!);
  const hPrevious = allocate(dtype, totalRows * P);
  const cPrevious = allocate(dtype, totalRows * H);
  const gates = allocate(dtype, totalRows * G);
  const tanhC = allocate(dtype, totalRows * H);
  const hRaw = allocate(dtype, totalRows * H);
  const order = Array.from({ length: L }, (_, t) => (dir === 0 ? t : L - 1 - t));
  withLSTMRecurrence(weights, H, P, (recurrence) => {
    for (const t of order) {
      const rows = batchSizes[t]!;
      const offset = offsets[t]!;
      hPrevious.set(h.subarray(0, rows * P), offset * P);
      cPrevious.set(c.subarray(0, rows * H), offset * H);
      lstmStep(inputGates, offset * G, h, c, rows, H, P, weights, gates.subarray(offset * G), hRaw.subarray(offset * H), recurrence);
      tanhC.set(c.subarray(0, rows * H), offset * H);
      tanhInPlace(tanhC, offset * H, rows * H);
    }
  });

  // ∂L/∂h and ∂L/∂c that each batch row carries into the step after it; they start as ∂h_n, ∂c_n (a
  // packed row that ends early keeps its ∂h_n until the walk reaches its last step) and end as ∂h_0, ∂c_0.
  const carryH = allocate(dtype, N * P);
  const carryC = allocate(dtype, N * H);
  if (d.gradFinal[0]) carryH.set(d.gradFinal[0]);
  if (d.gradFinal[1]) carryC.set(d.gradFinal[1]);
  const gradGates = allocate(dtype, totalRows * G);
  const gradH = allocate(dtype, N * P);
  const gradHRaw = isProjected ? allocate(dtype, N * H) : gradH;
  const transposedWeightHh = transpose(weights.weightHh, G, P, dtype);
  const transposedWeightHr = isProjected ? transpose(weights.weightHr!, P, H, dtype) : null;
  const gradWeightHh = new StepSum(dtype, G * P);
  const gradBiasHh = new StepSum(dtype, G);
  const gradWeightHr = new StepSum(dtype, P * H);

  // W_hhᵀ is prepared once for every step's ∂h_{t−1} = ∂gates · W_hh.
  withLinear(transposedWeightHh, null, P, G, (gradState) => {
    for (let visit = L - 1; visit >= 0; visit--) {
      const t = order[visit]!;
      const rows = batchSizes[t]!;
      const offset = offsets[t]!;
      // h_t is read by the layer output and by the next step (or h_n): ∂h_t = ∂output_t + ∂carry.
      for (let n = 0; n < rows; n++) {
        for (let p = 0; p < P; p++) {
          const k = n * P + p;
          gradH[k] = d.gradOutput === null ? carryH[k]! : d.gradOutput[(offset + n) * width + column + p]! + carryH[k]!;
        }
      }
      if (transposedWeightHr !== null) {
        // h_t = (o ⊙ tanh c_t) W_hrᵀ (mm): ∂(o ⊙ tanh c_t) = ∂h_t · W_hr, ∂W_hr += ∂h_tᵀ · (o ⊙ tanh c_t).
        linear(gradHRaw, 0, gradH, 0, rows, transposedWeightHr, null, H, P);
        gradWeightHr.add((out) => weightGradient(out, gradH, 0, hRaw, offset * H, rows, P, H, dtype));
      }
      for (let n = 0; n < rows; n++) {
        const base = (offset + n) * G;
        for (let j = 0; j < H; j++) {
          const k = n * H + j;
          const at = (offset + n) * H + j;
          const i = gates[base + j]!;
          const f = gates[base + H + j]!;
          const g = gates[base + 2 * H + j]!;
          const o = gates[base + 3 * H + j]!;
          const tc = tanhC[at]!;
          const gradOut = gradHRaw[k]!;
          // hy = o ⊙ tanh(cy): ∂o = ∂hy ⊙ tanh(cy), ∂tanh(cy) = ∂hy ⊙ o.
          const gradO = round(gradOut * tc);
          // cy is read by tanh and by the next step's f ⊙ cx (or c_n): two gradients, one rounded add.
          const gradC = round(tanhBackward(round(gradOut * o), tc, isFloat32) + carryC[k]!);
          // cy = f ⊙ cx + i ⊙ g: each factor's gradient is ∂cy times the other factor.
          carryC[k] = round(gradC * f);
          gradGates[base + j] = sigmoidBackward(round(gradC * g), i, isFloat32);
          gradGates[base + H + j] = sigmoidBackward(round(gradC * cPrevious[at]!), f, isFloat32);
          gradGates[base + 2 * H + j] = tanhBackward(round(gradC * i), g, isFloat32);
          gradGates[base + 3 * H + j] = sigmoidBackward(gradO, o, isFloat32);
        }
      }
      // gates = (h_{t−1} W_hhᵀ + b_hh) + ih_t: ∂h_{t−1} = ∂gates · W_hh, ∂W_hh += ∂gatesᵀ · h_{t−1}.
      gradState.apply(carryH, 0, gradGates, offset * G, rows);
      gradWeightHh.add((out) => weightGradient(out, gradGates, offset * G, hPrevious, offset * P, rows, G, P, dtype));
      if (weights.biasHh !== null) gradBiasHh.add((out) => biasGradient(out, gradGates, offset * G, rows, G));
    }
  });

  // ih = X W_ihᵀ + b_ih ran as one GEMM over every row, so its gradients are one product each.
  const weightIh = allocate(dtype, G * inputWidth);
  weightGradient(weightIh, gradGates, 0, input, 0, totalRows, G, inputWidth, dtype);
  const gradInput = allocate(dtype, totalRows * inputWidth);
  linear(gradInput, 0, gradGates, 0, totalRows, transpose(weights.weightIh, G, inputWidth, dtype), null, inputWidth, G);
  let biasIh: FloatArray | null = null;
  if (weights.biasIh !== null) {
    biasIh = allocate(dtype, G);
    biasGradient(biasIh, gradGates, 0, totalRows, G);
  }
  return {
    gradInput,
    gradInitial: [carryH, carryC],
    weightIh,
    weightHh: gradWeightHh.total,
    biasIh,
    biasHh: weights.biasHh === null ? null : gradBiasHh.total,
    weightHr: isProjected ? gradWeightHr.total : null,
  };
}
