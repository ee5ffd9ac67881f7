// Backward-pass bench: TS backpropagation time per case, beside torch's backward measured in the same run.
import { RNN, Tensor } from '../src/index.js';
import { type BenchCase, benchCases, forwardFlops } from './cases.js';
import { type TorchTiming, medianMs } from './timing.js';

export interface BackwardRow {
  readonly name: string;
  /** Median of `backward(gradOutput, gradHN)` alone, on one recorded forward. */
  readonly tsMs: number;
  readonly gflops: number;
  /** Median of `forwardWithGrad` (the forward that records the trace), to set beside forward's time. */
  readonly tsRecordMs: number;
  /** torch's backward: median(forward + backward) − median(forward with autograd on), python/bench_torch.py. */
  readonly torchMs: number | null;
}

/**
 * Floating-point operations of one backward: each projection x·Wᵀ of the forward has two products of
 * its size in backward (∂x = ∂y·W and ∂W = ∂yᵀ·x), so twice the forward's.
 */
export function backwardFlops(c: BenchCase): number {
  return 2 * forwardFlops(c);
}

function waveTensor(shape: number[], c: BenchCase, phase: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromFlat(Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + phase)), shape, c.dtype);
}

/**
 * Times the TS backward on every bench case from the upstream gradients torch's bench uses
 * (`(output.sum() + h_n.sum()).backward()`, i.e. all ones); `torch` holds torch's timings for the
 * same cases, if measured.
 */
export function benchBackward(torch: readonly TorchTiming[] | null): BackwardRow[] {
  return benchCases.map((c, i) => {
    const rnn = new RNN({ inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dtype: c.dtype }).eval();
    const x = waveTensor([c.seqLen, c.batch, c.inputSize], c, 0);
    const tsRecordMs = medianMs(() => rnn.forwardWithGrad(x), c.repeats);
    const result = rnn.forwardWithGrad(x);
    const gradOutput = Tensor.fromFlat(new Array<number>(result.output.size).fill(1), result.output.shape, c.dtype);
    const gradHN = Tensor.fromFlat(new Array<number>(result.hN.size).fill(1), result.hN.shape, c.dtype);
    const tsMs = medianMs(() => result.backward(gradOutput, gradHN), c.repeats);
    return { name: c.name, tsMs, gflops: backwardFlops(c) / (tsMs * 1e6), tsRecordMs, torchMs: torch?.[i]?.backward_ms ?? null };
  });
}
