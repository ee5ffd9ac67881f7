// The benchmark cases every bench uses: the small and the large RNN of the RNN issue.
import type { DType } from '../src/index.js';

export interface BenchCase {
  readonly name: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly seqLen: number;
  readonly batch: number;
  readonly dtype: DType;
  readonly repeats: number;
}

const shapes = [
  { name: 'small', inputSize: 32, hiddenSize: 64, numLayers: 1, seqLen: 50, batch: 8, repeats: 30 },
  { name: 'large', inputSize: 256, hiddenSize: 256, numLayers: 1, seqLen: 100, batch: 32, repeats: 5 },
];

export const benchCases: readonly BenchCase[] = shapes.flatMap((shape) =>
  (['float32', 'float64'] as const).map((dtype) => ({ ...shape, name: `${shape.name} ${dtype}`, dtype })),
);

/** Floating-point operations of one forward: 2 per multiply-add of both projections, every step and row. */
export function forwardFlops(c: BenchCase): number {
  let flops = 0;
  for (let layer = 0; layer < c.numLayers; layer++) {
    const inputWidth = layer === 0 ? c.inputSize : c.hiddenSize;
    flops += 2 * c.seqLen * c.batch * c.hiddenSize * (inputWidth + c.hiddenSize);
  }
  return flops;
}

/** The case as bench_torch.py reads it. */
export function toTorchBenchCase(c: BenchCase): Record<string, unknown> {
  return {
    input_size: c.inputSize,
    hidden_size: c.hiddenSize,
    num_layers: c.numLayers,
    seq_len: c.seqLen,
    batch: c.batch,
    dtype: c.dtype,
    repeats: c.repeats,
  };
}
