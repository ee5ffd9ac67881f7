// `pnpm bench:shards`: a simulated nightly here: n shards of one seed run one after another, merged, checked against the sum of the parts.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { campaign, mergeCommand } from '../harness/cli.js';
import { type ParityReportDoc, parityReportSchema } from '../harness/explore/report-schema.js';
import { REPO_ROOT } from '../harness/paths.js';
import { pythonOrExit } from './python.js';

const SHARDS = Number(process.env.SHARDS ?? 8);
const RUNS = Number(process.env.RUNS ?? 1000);
const SEED = 20261128;

pythonOrExit('pnpm bench:shards');
const root = mkdtempSync(path.join(tmpdir(), 'bench-shards-'));
try {
  // A copy of the corpus: every shard replays its part of it, and nothing found is written into the repository.
  const golden = path.join(root, 'golden');
  cpSync(path.join(REPO_ROOT, 'golden'), golden, { recursive: true });
  console.log(
    `machine: ${availableParallelism()} core(s), load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const common = { seed: SEED, budgetSeconds: 3600, runs: RUNS, golden, minCases: 1 };
  const files: string[] = [];
  const rows: Record<string, string | number>[] = [];
  for (let index = 1; index <= SHARDS; index++) {
    const reportDir = path.join(root, `shard-${index}`);
    const start = performance.now();
    const { report } = await campaign({ ...common, shard: { index, count: SHARDS }, reportDir });
    rows.push({
      run: `shard ${index}/${SHARDS}`,
      status: report.status,
      cases: report.casesExplored,
      'wall s': ((performance.now() - start) / 1000).toFixed(1),
    });
    files.push(path.join(reportDir, 'parity-report.json'));
  }
  const merged = mergeCommand(files, path.join(root, 'merged'));
  const start = performance.now();
  const whole = (await campaign(common)).report;
  rows.push({
    run: 'merged',
    status: merged.status,
    cases: merged.casesExplored,
    'wall s': rows.reduce((s, r) => s + Number(r['wall s']), 0).toFixed(1),
  });
  rows.push({ run: 'unsharded', status: whole.status, cases: whole.casesExplored, 'wall s': ((performance.now() - start) / 1000).toFixed(1) });
  console.table(rows);

  const parts = files.map((file) => parityReportSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) as ParityReportDoc);
  const sum = (pick: (d: ParityReportDoc) => number): number => parts.reduce((s, d) => s + pick(d), 0);
  const problems: string[] = [];
  const expectEqual = (what: string, actual: unknown, expected: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      problems.push(`${what}: merged ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  expectEqual(
    'cases',
    merged.casesExplored,
    sum((d) => d.casesExplored),
  );
  expectEqual(
    'batches',
    merged.batches,
    sum((d) => d.batches),
  );
  for (const phase of ['exploration', 'shrinking'] as const)
    for (const key of ['cases', 'compared', 'unanswered'] as const)
      expectEqual(
        `${phase}.${key}`,
        merged.accounting[phase][key],
        sum((d) => d.accounting[phase][key]),
      );
  expectEqual(
    'valid cases',
    merged.coverage.validCases,
    sum((d) => d.coverage.validCases),
  );
  expectEqual(
    'error cases',
    merged.coverage.errorCases,
    sum((d) => d.coverage.errorCases),
  );
  for (const [dimension, values] of Object.entries(merged.coverage.values))
    for (const [value, n] of Object.entries(values))
      expectEqual(
        `${dimension}=${value}`,
        n,
        sum((d) => d.coverage.values[dimension]?.[value] ?? 0),
      );
  for (const [judge, n] of Object.entries(merged.judged))
    expectEqual(
      `judged by ${judge}`,
      n,
      sum((d) => d.judged[judge as keyof typeof d.judged]),
    );
  expectEqual('cases = unsharded', merged.casesExplored, whole.casesExplored);
  expectEqual('coverage values = unsharded', merged.coverage.values, whole.coverage.values);
  expectEqual('missing pairs = unsharded', merged.coverage.missingPairs, whole.coverage.missingPairs);
  console.log(
    problems.length === 0
      ? `merged report = sum of the ${SHARDS} shards (counts, accounting, coverage, judges) = the unsharded run (cases, coverage)`
      : `MISMATCH:\n${problems.join('\n')}`,
  );
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  process.exitCode = problems.length === 0 && merged.status === 'PASS' ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
