// Timing helpers for benches: medians of repeated runs, and torch's own timings from python/bench_torch.py.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PYTHON_DIR, resolvePython } from '../harness/worker/python-env.js';
import { type BenchCase, toTorchBenchCase } from './cases.js';

/** Median wall time of `fn` in milliseconds over `repeats` runs, after one warm-up run. */
export function medianMs(fn: () => void, repeats: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface TorchTiming {
  readonly forward_ms: number;
  readonly backward_ms: number;
}

/** torch's forward and backward medians for each case, one thread, measured now. */
export function torchTimings(cases: readonly BenchCase[]): { torch: string; threads: number; results: TorchTiming[] } {
  const python = resolvePython().path;
  const stdout = execFileSync(python, [path.join(PYTHON_DIR, 'bench_torch.py'), JSON.stringify(cases.map(toTorchBenchCase))], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.toString()) as { torch: string; threads: number; results: TorchTiming[] };
}
