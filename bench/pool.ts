// `pnpm bench:pool`: campaign cases/s with 1 and 2 torch workers (and TS threads), tiny and small-bench-shape cases, ratios from one run.
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parityCase } from '../harness/explore/arbitraries.js';
import { runCampaign } from '../harness/explore/campaign.js';
import { CasePool } from '../harness/parity/case-pool.js';
import type { ParityCase } from '../harness/parity/parity-case.js';
import { Tensor } from '../src/index.js';
import { pythonOrExit } from './python.js';

/** Options of {@link benchPool}. */
export interface PoolBenchOptions {
  /** Worker counts to compare; the first is the baseline of the ratios. Default [1, 2]. */
  readonly workers?: readonly number[];
  /** Interleaved rounds; rates are the best round, ratios the median of per-round ratios. Default 3. */
  readonly rounds?: number;
  /** Property runs (batches of up to 32 cases) per campaign, per shape. Default tiny 150, small 40. */
  readonly runs?: { readonly tiny: number; readonly small: number };
}

/** One shape's figures: cases/s per worker count, and each count's ratio to the first. */
export interface PoolBenchRow {
  readonly shape: string;
  readonly cases: number;
  readonly casesPerS: Readonly<Record<number, number>>;
  readonly ratio: Readonly<Record<number, number>>;
}

/** A deterministic xorshift32 stream in [-1, 1), so a case is cheap to draw from one integer. */
function values(seed: number, count: number): Float64Array {
  const out = new Float64Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = (state / 2 ** 32) * 2 - 1;
  }
  return out;
}

/**
 * The "small" shape of `pnpm bench` (bench/side-by-side.ts): I=32, H=64, one layer, T=50, N=8, eval
 * forward, seeded init, float32 or float64; the input is filled from one drawn integer.
 */
export function smallShapeCase(): fc.Arbitrary<ParityCase> {
  return fc
    .record({ seed: fc.noShrink(fc.integer({ min: 1, max: 2 ** 31 - 1 })), dtype: fc.constantFrom('float32' as const, 'float64' as const) })
    .map(
      ({ seed, dtype }): ParityCase => ({
        kwargs: { input_size: 32, hidden_size: 64 },
        dtype,
        init: { seed: String(seed) },
        training: false,
        forwardSeed: null,
        input: Tensor.fromFlat(values(seed, 50 * 8 * 32), [50, 8, 32], dtype),
        hx: null,
        packed: null,
        grad: null,
        wantWeights: false,
      }),
    );
}

function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs the same campaign (seed, `--runs`) on pools of each worker count, interleaved round by round
 * so load from elsewhere hits every count alike, and prints cases/s and the ratios to the first count.
 * Pools start before timing (torch's import is not counted); rates are exploration only.
 */
export async function benchPool(options: PoolBenchOptions = {}): Promise<PoolBenchRow[]> {
  const counts = options.workers ?? [1, 2];
  const rounds = options.rounds ?? 3;
  const runs = options.runs ?? { tiny: 150, small: 40 };
  const shapes: [string, fc.Arbitrary<ParityCase>, number][] = [
    ['tiny (the campaign default arbitrary)', parityCase(), runs.tiny],
    ['small (I=32, H=64, T=50, N=8)', smallShapeCase(), runs.small],
  ];
  const pools = new Map<number, CasePool>();
  for (const count of counts)
    pools.set(count, await CasePool.start({ workers: count, bridge: { env: { MKL_CBWR: process.env.MKL_CBWR ?? 'AUTO' } } }));
  try {
    const rows: PoolBenchRow[] = [];
    for (const [shape, arbitrary, numRuns] of shapes) {
      const rates = new Map<number, number[]>(counts.map((c) => [c, []]));
      let cases = 0;
      const campaign = async (count: number) => {
        const pool = pools.get(count)!;
        const report = await runCampaign({ bridge: pool.bridge, pool, seed: 1, numRuns, budgetMs: 3_600_000, minCases: 1, arbitrary });
        if (report.status !== 'PASS') throw new Error(`bench campaign on ${count} worker(s) did not pass: ${report.status}`);
        cases = report.casesExplored;
        return report.casesPerSecond;
      };
      for (const count of counts) await campaign(count); // warm-up: V8's JIT, torch's first calls
      for (let round = 0; round < rounds; round++) for (const count of counts) rates.get(count)!.push(await campaign(count));
      const base = rates.get(counts[0]!)!;
      rows.push({
        shape,
        cases,
        casesPerS: Object.fromEntries(counts.map((c) => [c, Math.max(...rates.get(c)!)])),
        ratio: Object.fromEntries(counts.map((c) => [c, median(rates.get(c)!.map((r, i) => r / base[i]!))])),
      });
    }
    return rows;
  } finally {
    await Promise.all([...pools.values()].map((p) => p.stop()));
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  pythonOrExit('pnpm bench:pool');
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`machine: ${availableParallelism()} core(s), load average before: ${load()}`);
  const rows = await benchPool();
  console.log(
    'Campaign cases/s by torch workers (each with a TS thread when 2 or more); best of 3 interleaved rounds; ratio: median per-round ratio to 1 worker',
  );
  console.table(
    rows.map((r) => ({
      shape: r.shape,
      'cases per campaign': r.cases,
      ...Object.fromEntries(Object.entries(r.casesPerS).map(([w, v]) => [`${w} worker(s) cases/s`, Math.round(v)])),
      ...Object.fromEntries(Object.entries(r.ratio).map(([w, v]) => [`${w}/1`, `${v.toFixed(2)}×`])),
    })),
  );
  console.log(`load average after: ${load()}`);
}
