// `pnpm bench`: every benchmark, with ratios against torch measured in the same run.
import { benchBackward } from './backward.js';
import { benchBridge } from './bridge.js';
import { benchCases } from './cases.js';
import { benchForward } from './forward.js';
import { torchTimings } from './timing.js';
import { PythonNotFoundError, resolvePython } from '../harness/worker/python-env.js';

function fixed(value: number | null, digits = 2): string {
  return value === null ? '—' : value.toFixed(digits);
}

function ratio(ts: number, torch: number | null): string {
  return torch === null ? '—' : `${fixed(ts / torch)}×`;
}

// On a fresh clone there is no python/.venv yet: say in one line what to run first, not a stack.
try {
  resolvePython();
} catch (error) {
  if (!(error instanceof PythonNotFoundError)) throw error;
  console.error(`pnpm bench needs torch: ${error.message}`);
  process.exit(1);
}

const torch = torchTimings(benchCases);
console.log(`torch ${torch.torch}, ${torch.threads} thread(s); TS on one Node thread. Ratios are TS time / torch time.\n`);

console.log('Forward (eval, no grad)');
console.table(
  benchForward(torch.results).map((row) => ({
    case: row.name,
    'TS ms': fixed(row.tsMs),
    'TS GFLOP/s': fixed(row.gflops),
    'torch ms': fixed(row.torchMs),
    'TS / torch': ratio(row.tsMs, row.torchMs),
  })),
);

console.log('Backward (from all-ones upstream gradients)');
console.table(
  benchBackward(torch.results).map((row) => ({
    case: row.name,
    'TS ms': fixed(row.tsMs),
    'TS GFLOP/s': fixed(row.gflops),
    'TS recording forward ms': fixed(row.tsRecordMs),
    'torch ms': fixed(row.torchMs),
    'TS / torch': ratio(row.tsMs, row.torchMs),
  })),
);

await benchBridge();
