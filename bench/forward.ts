// Forward-pass bench: TS time and GFLOP/s per case, beside torch's time for the same case.
import { RNN, Tensor } from '../src/index.js';
import { type BenchCase, benchCases, forwardFlops } from './cases.js';
import { type TorchTiming, medianMs } from './timing.js';

export interface ForwardRow {
  readonly name: string;
  readonly tsMs: number;
  readonly gflops: number;
  readonly torchMs: number | null;
}

function randomInput(c: BenchCase): Tensor {
  const values = Array.from({ length: c.seqLen * c.batch * c.inputSize }, (_, i) => Math.sin(i * 0.37));
  return Tensor.fromFlat(values, [c.seqLen, c.batch, c.inputSize], c.dtype);
}

/** Times the TS forward on every bench case; `torch` holds torch's timings for the same cases, if measured. */
export function benchForward(torch: readonly TorchTiming[] | null): ForwardRow[] {
  return benchCases.map((c, i) => {
    const rnn = new RNN({ inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dtype: c.dtype }).eval();
    const x = randomInput(c);
    const tsMs = medianMs(() => rnn.forward(x), c.repeats);
    return { name: c.name, tsMs, gflops: forwardFlops(c) / (tsMs * 1e6), torchMs: torch?.[i]?.forward_ms ?? null };
  });
}
