// `pnpm bench`: every benchmark, with ratios against torch measured in the same run.
import { benchCases } from './cases.js';
import { benchForward } from './forward.js';
import { torchTimings } from './timing.js';

function fixed(value: number | null, digits = 2): string {
  return value === null ? '—' : value.toFixed(digits);
}

const torch = torchTimings(benchCases);
console.log(`torch ${torch.torch}, ${torch.threads} thread(s); TS on one Node thread\n`);

console.log('Forward (eval, no grad)');
console.table(
  benchForward(torch.results).map((row) => ({
    case: row.name,
    'TS ms': fixed(row.tsMs),
    'TS GFLOP/s': fixed(row.gflops),
    'torch ms': fixed(row.torchMs),
    'TS / torch time': row.torchMs === null ? '—' : fixed(row.tsMs / row.torchMs),
  })),
);
