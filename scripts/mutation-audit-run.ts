// One campaign of the mutation audit, run in a scratch copy of the repo: verify's live campaign, reported as one JSON line.
import { availableParallelism } from 'node:os';
import { isApiCase } from '../harness/api/api-case.js';
import { runCampaign } from '../harness/explore/campaign.js';
import { isApiFailure } from '../harness/explore/failures.js';
import { loadApiFixtures } from '../harness/golden/api-fixture.js';
import { DirectoryBackend, GOLDEN_DIR, GoldenStore } from '../harness/golden/store.js';
import { CasePool } from '../harness/parity/case-pool.js';
import { setupPython } from '../harness/worker/python-setup.js';

/** What the audit reads back from one campaign (the last stdout line, as JSON). */
export interface AuditRunResult {
  readonly status: 'PASS' | 'FAIL' | 'INCOMPLETE';
  /** Exploration cases until the first failing batch (corpus replay included); null when nothing failed. */
  readonly casesToFind: number | null;
  readonly casesExplored: number;
  /** Campaign runs (batches) executed, for choosing a --runs budget equal to a timed run. */
  readonly batches: number;
  readonly elapsedMs: number;
  /** The first failure's API target, or 'rnn' for an RNN case; null when nothing failed. */
  readonly target: string | null;
  /** The first lines of the first failure's report, or the campaign's problems. */
  readonly detail: string;
}

/**
 * Runs the campaign as `pnpm verify` does (the golden corpus replayed first, then the seed's random
 * stream, the same pool) but with a short shrink budget: the audit asks whether and when a mutant is
 * caught, and a minimal counterexample would only cost time per mutant. Fixtures are not written.
 */
async function main(argv: readonly string[]): Promise<number> {
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : Number(argv[i + 1]);
  };
  const seed = value('--seed') ?? 20261128;
  const budgetSeconds = value('--budget') ?? 45;
  const runs = value('--runs');
  await setupPython();
  const backend = new DirectoryBackend(GOLDEN_DIR);
  const { fixtures } = new GoldenStore(backend).loadAll();
  const { fixtures: apiFixtures } = loadApiFixtures(backend);
  const pool = await CasePool.start({ workers: value('--workers') ?? availableParallelism(), bridge: { env: { MKL_CBWR: 'AUTO' } } });
  // The last exploration progress before a failure is the failing batch's (the campaign reports it before throwing).
  let exploredAtLastBatch = 0;
  try {
    const report = await runCampaign({
      bridge: pool.bridge,
      pool,
      seed,
      budgetMs: budgetSeconds * 1000,
      shrinkBudgetMs: 1,
      ...(runs === undefined ? {} : { numRuns: runs }),
      examples: [...fixtures.map((f) => f.fixture.case), ...apiFixtures.map((f) => f.fixture.case)],
      onProgress: (p) => {
        if (!p.shrinking) exploredAtLastBatch = p.cases;
      },
    });
    const first = report.failures[0];
    const result: AuditRunResult = {
      status: report.status,
      casesToFind: report.failures.length > 0 ? (report.shrink?.casesToFind ?? exploredAtLastBatch) : null,
      casesExplored: report.casesExplored,
      batches: report.batches,
      elapsedMs: Math.round(report.elapsedMs),
      target: first === undefined ? null : isApiFailure(first) && isApiCase(first.case) ? first.case.target : 'rnn',
      detail: (first?.report ?? report.problems).slice(0, 2).join(' | ').slice(0, 300),
    };
    console.log(JSON.stringify(result));
    return 0;
  } finally {
    await pool.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
