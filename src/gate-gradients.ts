// The gradients of the ops inside torch's LSTM and GRU cells (sigmoid, tanh, linear), each rounded where autograd materialises a tensor.
import { oneMinusSquareF64 } from './backward.js';
import { fmaF32 } from './fma.js';
import { linear } from './kernels.js';
import { type DType, type FloatArray, allocate } from './tensor.js';

// Note [gated gradients]
// torch 2.13 has no fused LSTM / GRU backward on CPU except oneDNN's (float32 LSTM without
// projections, ATen `use_mkldnn`): autograd differentiates the ops of LSTMCell / GRUCell in
// aten/src/ATen/native/RNN.cpp one by one, and each op's gradient is a tensor of the working dtype.
// We store each in an array of that dtype, so every product, sum and activation gradient is rounded
// where torch rounds it, as in Note [float32 gradients] (src/backward.ts):
//   * sigmoid_backward(g, y) = g · (1 − y) · y, left to right, three roundings (BinaryOpsKernel.cpp;
//     measured on torch 2.13: 0 of 200 000 random (g, y) differ from this staged model in float32 and
//     float64, 34% differ from g · ((1 − y) · y));
//   * tanh_backward(g, y) = g · (1 − y·y), 1 − y·y fused into one FMA, then the product;
//   * mul's gradients are one rounded product each; a value read twice sums its gradients in the
//     order autograd's engine delivers them (later ops first), each add rounded;
//   * matrix products accumulate in float64 and round once (Note [float32 accumulation]).
// oneDNN's fused LSTM backward sums in its own blocked orders, so float32 LSTMs without projections
// agree with torch to rounding noise only; float64 agrees to the last few bits.

/** sigmoid, y = σ(p): ∂L/∂p = ∂L/∂y · (1 − y) · y, rounded after each operation as torch's kernel does. */
export function sigmoidBackward(gradY: number, y: number, isFloat32: boolean): number {
  if (isFloat32) return Math.fround(Math.fround(gradY * Math.fround(1 - y)) * y);
  return gradY * (1 - y) * y;
}

/** tanh, y = tanh(p): ∂L/∂p = ∂L/∂y · (1 − y²), 1 − y·y rounded once (FMA), then the product. */
export function tanhBackward(gradY: number, y: number, isFloat32: boolean): number {
  if (isFloat32) return Math.fround(gradY * fmaF32(-y, y, 1));
  return gradY * oneMinusSquareF64(y);
}

/** (R, C) → (C, R). */
export function transpose(source: Readonly<FloatArray>, rows: number, columns: number, dtype: DType, sourceOffset = 0): FloatArray {
  const out = allocate(dtype, rows * columns);
  for (let r = 0; r < rows; r++) {
    const base = sourceOffset + r * columns;
    for (let c = 0; c < columns; c++) out[c * rows + r] = source[base + c];
  }
  return out;
}

/**
 * linear, y = x·Wᵀ with x (R, K), W (M, K): ∂L/∂W = ∂yᵀ · x, an (M, K) matrix of dot products over
 * the R rows (addmm's mat2 gradient, transposed back). `gradY` is (R, M) at `gradYOffset`.
 */
export function weightGradient(
  gradW: FloatArray,
  gradY: Readonly<FloatArray>,
  gradYOffset: number,
  x: Readonly<FloatArray>,
  xOffset: number,
  rows: number,
  M: number,
  K: number,
  dtype: DType,
): void {
  linear(gradW, 0, transpose(gradY, rows, M, dtype, gradYOffset), 0, M, transpose(x, rows, K, dtype, xOffset), null, K, rows);
}

/** linear bias, y[r,i] = … + b[i]: ∂L/∂b[i] = Σ_r ∂L/∂y[r,i] (autograd's sum over the broadcast rows), rounded once. */
export function biasGradient(gradB: FloatArray, gradY: Readonly<FloatArray>, gradYOffset: number, rows: number, M: number): void {
  for (let i = 0; i < M; i++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += gradY[gradYOffset + r * M + i];
    gradB[i] = sum;
  }
}

/** add, s = a + b, for a parameter's per-step gradients: each arriving tensor added in, rounded. */
export function accumulate(into: FloatArray, gradient: Readonly<FloatArray>): void {
  for (let j = 0; j < into.length; j++) into[j] = into[j] + gradient[j];
}

/**
 * A parameter read at every step (W_hh, b_hh, W_hr): autograd adds the per-step gradient tensors as
 * they arrive, last step first, each add rounded. `add` sets the first and adds the rest.
 */
export class StepSum {
  readonly total: FloatArray;
  private readonly step: FloatArray;
  private isEmpty = true;

  constructor(dtype: DType, size: number) {
    this.total = allocate(dtype, size);
    this.step = allocate(dtype, size);
  }

  /** Computes this step's gradient with `fill` and adds it in. */
  add(fill: (out: FloatArray) => void): void {
    if (this.isEmpty) {
      fill(this.total);
      this.isEmpty = false;
      return;
    }
    fill(this.step);
    accumulate(this.total, this.step);
  }
}
