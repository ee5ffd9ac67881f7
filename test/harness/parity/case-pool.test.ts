// The case pool against live torch: any number of workers answers and judges exactly as one does, and leaves no process behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type CampaignReport, runCampaign } from '../../../harness/explore/campaign.js';
import { parityCase } from '../../../harness/explore/arbitraries.js';
import { campaignCaseId, caseId } from '../../../harness/golden/fixture.js';
import { CasePool } from '../../../harness/parity/case-pool.js';
import type { ParityCase } from '../../../harness/parity/parity-case.js';
import type { ThreadFactory } from '../../../harness/parity/thread-factory.js';
import { REPO_ROOT } from '../../../harness/paths.js';
import { watchedRunner } from './watched-runner.js';

const root = mkdtempSync(path.join(tmpdir(), 'case-pool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plantedBug = (name: string): ThreadFactory => ({
  kind: 'module',
  url: new URL('../explore/planted-bugs.ts', import.meta.url).href,
  exportName: 'plantedBugFactory',
  args: [name],
});

/** A campaign of `runs` batches on a pool of `workers`, and the cases it ran (exploration and shrinking). */
async function campaignOn(workers: number, runs: number, factory?: ThreadFactory): Promise<{ report: CampaignReport; cases: string[] }> {
  const pool = await CasePool.start({ workers, ...(factory === undefined ? {} : { factory }) });
  try {
    const cases: string[] = [];
    const report = await runCampaign({
      bridge: pool.bridge,
      pool: watchedRunner(pool, (batch) => cases.push(...batch.map((c) => caseId(c)))),
      seed: 20261203,
      numRuns: runs,
      budgetMs: 600_000,
      shrinkBudgetMs: 600_000,
      minCases: 1,
    });
    return { report, cases };
  } finally {
    await pool.stop();
  }
}

/** What a report says about the cases it explored, without timings. */
function explored(report: CampaignReport) {
  return {
    status: report.status,
    accounting: report.accounting,
    batches: report.batches,
    coverage: report.coverage,
    judged: report.judged,
    differences: report.differences,
    largestErrorsAll: report.largestErrorsAll,
    fastCheck: report.fastCheck,
    failures: report.failures.map((f) => ({ case: campaignCaseId(f.case), report: f.report })),
  };
}

describe('CasePool', () => {
  it('two workers with a TS thread each answer every case as one worker does, in case order', async () => {
    const cases: ParityCase[] = fc.sample(parityCase(), { seed: 7, numRuns: 80 });
    const one = await CasePool.start({ workers: 1 });
    const two = await CasePool.start({ workers: 2 });
    try {
      const [a, b] = [await one.run(cases), await two.run(cases)];
      expect(b.torch.map((r) => r.id)).toEqual(cases.map((_, i) => String(i)));
      expect(b.torch.map((r) => r.status)).toEqual(a.torch.map((r) => r.status));
      expect(b.torch.map((r) => ({ ...r, elapsed_ms: 0 }))).toEqual(a.torch.map((r) => ({ ...r, elapsed_ms: 0 })));
      // The TS outcomes from the threads equal, bit for bit, those computed on this thread.
      expect(b.ts).toEqual(a.ts);
      expect(b.ts.some((o) => o.error === null)).toBe(true);
      expect(b.ts.some((o) => o.error !== null)).toBe(true);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  }, 120_000);

  it('the same seed and --runs with 1 and 2 workers explore the same cases, in the same order, with the same report', async () => {
    const one = await campaignOn(1, 40);
    const two = await campaignOn(2, 40);
    expect(one.report.status).toBe('PASS');
    expect(one.cases.length).toBeGreaterThan(200);
    expect(two.cases).toEqual(one.cases);
    expect(explored(two.report)).toEqual(explored(one.report));
  }, 240_000);

  it('under a planted bug, 1 and 2 workers report the same first failure, shrunk to the same case', async () => {
    const bug = plantedBug('hx ignored');
    const one = await campaignOn(1, 200, bug);
    const two = await campaignOn(2, 200, bug);
    expect(one.report.status).toBe('FAIL');
    expect(one.report.fastCheck?.shrinks).toBeGreaterThan(0);
    expect(two.cases).toEqual(one.cases);
    expect(explored(two.report)).toEqual(explored(one.report));
  }, 300_000);

  it('a TS thread that dies answers its cases with a JS error (never a pass) and is started again', async () => {
    const pool = await CasePool.start({
      workers: 2,
      factory: { kind: 'module', url: new URL('./thread-fault.ts', import.meta.url).href, exportName: 'exitingFactory', args: ['7'] },
    });
    try {
      const cases = fc.sample(parityCase(), { seed: 3, numRuns: 8 });
      const { ts } = await pool.run(cases);
      expect(ts.map((o) => o.error?.type)).toContain('JS:WorkerThreadExit');
      expect(ts.find((o) => o.error?.type === 'JS:WorkerThreadExit')?.error?.message).toBe(
        'the TS worker thread running this case died: exit code 7',
      );
      expect(pool.threadRestarts).toBeGreaterThan(0);
      expect((await pool.run(cases)).ts).toHaveLength(cases.length);
    } finally {
      await pool.stop();
    }
  }, 120_000);
});

/** Every live process in a process group (see test/harness/shutdown.test.ts). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

describe('pool teardown', () => {
  it('parity --workers 2 ends by itself when done, and no worker or thread of it survives', async () => {
    const dir = path.join(root, 'teardown');
    const child: ChildProcess = spawn(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [
        'harness/cli.ts',
        'parity',
        '--workers',
        '2',
        '--runs',
        '3',
        '--min-cases',
        '1',
        '--golden',
        path.join(dir, 'golden'),
        '--report-dir',
        path.join(dir, 'reports'),
      ],
      { cwd: REPO_ROOT, detached: true, stdio: 'ignore' },
    );
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const survivors = groupMembers(child.pid!);
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    expect(code).toBe(0);
    expect(survivors).toEqual([]);
  }, 120_000);
});
