// Merging shards' reports: the merged report is the sum of its parts, of the same schema, and as bad as its worst part.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeCommand } from '../../../harness/cli.js';
import { mergeReports } from '../../../harness/explore/merge.js';
import { type ParityReportDoc, parityReportSchema } from '../../../harness/explore/report-schema.js';
import { shardDoc } from '../report-docs.js';

describe('merging shard reports', () => {
  const parts = [shardDoc(1, 3, 40, 0, 'a'), shardDoc(2, 3, 30, 2, 'b'), shardDoc(3, 3, 20, 1, 'c')];
  const merged = mergeReports(parts.map((doc, i) => ({ name: `r${i}.json`, doc })));
  const sum = (pick: (d: ParityReportDoc) => number) => parts.reduce((n, d) => n + pick(d), 0);

  it('is a report of the same schema, for the whole stream (no shard)', () => {
    expect(parityReportSchema.parse(JSON.parse(JSON.stringify(merged)))).toEqual(merged);
    expect(merged.shard).toBeNull();
    expect(merged.seed).toBe(42);
  });

  it('sums counts and accounting, which still add up: explored = compared + unanswered', () => {
    expect(merged.casesExplored).toBe(90);
    expect(merged.accounting.exploration).toEqual({ cases: 90, compared: 87, unanswered: 3 });
    expect(merged.batches).toBe(sum((d) => d.batches));
    expect(merged.worker).toEqual({ restarts: 3, unanswered: { 'worker-crash': 3, timeout: 0, 'protocol-error': 0, 'worker-fault': 0 } });
    expect(merged.judged).toEqual({ budget: sum((d) => d.judged.budget), shadow: 3, sensitivity: 0 });
    expect(merged.elapsedMs).toBe(6000);
    expect(merged.casesPerSecond).toBe(15);
  });

  it('sums coverage per value and recomputes what is covered: a pair is missing only if every shard missed it', () => {
    const c = merged.coverage;
    expect(c.validCases).toBe(sum((d) => d.coverage.validCases));
    expect(c.errorCases).toBe(3);
    expect(c.values).toEqual({ dtype: { float32: 41, float64: 26 + 17 } });
    expect([c.valuesCovered, c.valuesTotal]).toEqual([2, 2]);
    expect(c.missingPairs).toEqual(['p3']);
    expect([c.pairsCovered, c.pairsTotal]).toEqual([2, 3]);
    expect(c.errorCategories).toEqual({ hidden_size: 1, input_size: 2 });
  });

  it('takes the largest errors, naming the tensor with the largest absolute error, and sums the histograms', () => {
    expect(merged.largestErrors.float32.forward).toEqual({ maxAbs: 3e-7, maxRel: 1.5e-7, maxUlps: 3, tensor: 'output.c' });
    expect(merged.largestErrorsAll.float32.forward.maxUlps).toBe(30);
    expect(merged.largestErrors.float64.forward).toEqual({ maxAbs: 0, maxRel: 0, maxUlps: 0, tensor: '' });
    expect(merged.differences.float32.forward.ulps).toEqual({ zero: 90, '1': 6 });
  });

  it('concatenates unanswered cases, deduplicates stored paths, and is as bad as its worst shard', () => {
    expect(merged.unanswered.map((u) => u.error)).toEqual(['crash in shard 2', 'crash in shard 2', 'crash in shard 3']);
    expect(merged.quarantine).toEqual(['golden/quarantine/0000000000000000.json', 'golden/quarantine/0000000000000001.json']);
    expect(merged.status).toBe('INCOMPLETE');
    const failing = { ...shardDoc(2, 3, 30, 0, 'b'), status: 'FAIL' as const, passed: false, problems: ['tripwire: only 0 cases ran (minimum 1)'] };
    const worst = mergeReports([parts[0]!, failing, parts[2]!].map((doc) => ({ name: 'x', doc })));
    expect(worst.status).toBe('FAIL');
    expect(worst.problems).toEqual(['x: tripwire: only 0 cases ran (minimum 1)']);
    expect(mergeReports([{ name: 'a', doc: shardDoc(1, 1, 40, 0, 'a') }]).status).toBe('PASS');
  });

  it('fails a merge whose shards do not make one campaign: a shard missing or twice, another seed', () => {
    const missing = mergeReports([parts[0]!, parts[2]!].map((doc) => ({ name: 'x', doc })));
    expect(missing.status).toBe('FAIL');
    expect(missing.problems).toEqual(['merge: shard 2/3 is missing, so part of the case stream went unexplored']);
    const twice = mergeReports([parts[0]!, parts[0]!, parts[1]!, parts[2]!].map((doc) => ({ name: 'x', doc })));
    expect(twice.problems).toEqual(['merge: shard 1/3 appears 2 times, so its cases would be counted twice']);
    const otherSeed = mergeReports([parts[0]!, { ...parts[1]!, seed: 7 }, parts[2]!].map((doc) => ({ name: 'x', doc })));
    expect(otherSeed.problems).toEqual(['merge: the shards ran different seeds (42, 7), so they do not partition one case stream']);
  });
});

describe('pnpm parity:merge', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parity-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes parity-report.{json,md,html} for the merged report, the Markdown naming the unanswered cases', () => {
    const files = [shardDoc(1, 2, 40, 0, 'a'), shardDoc(2, 2, 30, 1, 'b')].map((doc, i) => {
      const file = path.join(dir, `shard-${i + 1}.json`);
      writeFileSync(file, JSON.stringify(doc));
      return file;
    });
    const merged = mergeCommand(files, path.join(dir, 'merged'));
    expect(JSON.parse(readFileSync(path.join(dir, 'merged', 'parity-report.json'), 'utf8'))).toEqual(merged);
    const markdown = readFileSync(path.join(dir, 'merged', 'parity-report.md'), 'utf8');
    expect(markdown.split('\n')[0]).toBe('# Parity campaign: INCOMPLETE');
    expect(markdown).toContain('accounted: explored 70 = compared 69 + unanswered 1');
    expect(markdown).toContain('no torch answer (worker-crash, exploration): crash in shard 2');
    expect(readFileSync(path.join(dir, 'merged', 'parity-report.html'), 'utf8')).toContain('<html');
  });

  it('names a file that is not a parity report', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ schema_version: 2 }));
    expect(() => mergeCommand([bad], path.join(dir, 'out'))).toThrow(`${bad} is not a parity-report.json of schema_version 1`);
    expect(() => mergeCommand([path.join(dir, 'none.json')], path.join(dir, 'out'))).toThrow(/none\.json: ENOENT/);
  });
});
