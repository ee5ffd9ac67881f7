// Sharded campaigns end to end against live torch: two shards run one after another, merged, add up to the unsharded run.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CampaignRun, campaign, mergeCommand } from '../../harness/cli.js';
import { type ParityReportDoc, parityReportSchema } from '../../harness/explore/report-schema.js';
import { REPO_ROOT } from '../../harness/paths.js';

const root = mkdtempSync(path.join(tmpdir(), 'parity-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A corpus of a few baseline fixtures, so the corpus replay is split too. */
function corpus(): string {
  const golden = path.join(root, 'golden');
  mkdirSync(path.join(golden, 'baseline'), { recursive: true });
  for (const name of readdirSync(path.join(REPO_ROOT, 'golden', 'baseline'))
    .sort()
    .slice(0, 6)) {
    cpSync(path.join(REPO_ROOT, 'golden', 'baseline', name), path.join(golden, 'baseline', name));
  }
  return golden;
}

describe('parity --shard i/n, then parity:merge', () => {
  it('two shards of a seed explore disjoint parts whose merged report sums the parts and equals the unsharded run', async () => {
    const golden = corpus();
    const common = { seed: 20261203, budgetSeconds: 100, runs: 10, golden, minCases: 1 };
    const runs: CampaignRun[] = [];
    for (const index of [1, 2]) {
      runs.push(await campaign({ ...common, shard: { index, count: 2 }, reportDir: path.join(root, `shard-${index}`) }));
    }
    const whole = await campaign(common);
    const parts = [1, 2].map((index) => path.join(root, `shard-${index}`, 'parity-report.json'));
    const docs = parts.map((file) => parityReportSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) as ParityReportDoc);
    expect(docs.map((d) => d.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    for (const run of [...runs, whole]) expect(run.report.status).toBe('PASS');

    const merged = mergeCommand(parts, path.join(root, 'merged'));

    // The sum of the parts.
    const sum = (pick: (d: ParityReportDoc) => number) => pick(docs[0]!) + pick(docs[1]!);
    expect(merged.status).toBe('PASS');
    expect(merged.casesExplored).toBe(sum((d) => d.casesExplored));
    expect(merged.accounting.exploration.cases).toBe(merged.accounting.exploration.compared + merged.accounting.exploration.unanswered);
    expect(merged.coverage.validCases).toBe(sum((d) => d.coverage.validCases));
    expect(merged.coverage.errorCases).toBe(sum((d) => d.coverage.errorCases));
    for (const [dimension, values] of Object.entries(merged.coverage.values)) {
      for (const [value, n] of Object.entries(values)) expect(n, `${dimension}=${value}`).toBe(sum((d) => d.coverage.values[dimension]![value]!));
    }
    expect(merged.judged.budget).toBe(sum((d) => d.judged.budget));
    // Both shards did some of the work, and together exactly the unsharded run's (same seed, same --runs):
    // its corpus replay and its case stream, split by content hash.
    for (const doc of docs) expect(doc.casesExplored).toBeGreaterThan(0);
    expect(whole.report.casesExplored).toBeGreaterThan(6);
    expect(merged.casesExplored).toBe(whole.report.casesExplored);
    expect(merged.coverage.values).toEqual(whole.report.coverage.values);
    expect(merged.coverage.errorCategories).toEqual(whole.report.coverage.errorCategories);
    expect(merged.coverage.missingPairs).toEqual(whole.report.coverage.missingPairs);
    expect(merged.judged).toEqual(whole.report.judged);
    expect(readFileSync(path.join(root, 'merged', 'parity-report.md'), 'utf8').split('\n')[0]).toBe('# Parity campaign: PASS');
  }, 180_000);
});
