// A verdict that never lies: faults injected into real torch (a sitecustomize around nn.RNN.forward) end every
// campaign with explored = compared + unanswered, nothing lost, and no PASS where a case went unanswered.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { campaign } from '../../../harness/cli.js';
import { type CampaignReport, runCampaign } from '../../../harness/explore/campaign.js';
import { isApiFailure } from '../../../harness/explore/failures.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { CasePool } from '../../../harness/parity/case-pool.js';
import { campaignCaseId } from '../../../harness/golden/fixture.js';

const root = mkdtempSync(path.join(tmpdir(), 'faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Misbehaves in torch's own forward for about one case in `RNN_PARITY_TEST_EVERY`, chosen by the
// input's values (so the same case misbehaves again when the bridge reruns it alone), or, with
// `RNN_PARITY_TEST_AFTER`, for every forward in every worker after that many forwards of the run
// (counted in `RNN_PARITY_TEST_COUNTER`, a file all workers share).
const SITECUSTOMIZE = `
import os, signal, sys, zlib
import torch
_kind = os.environ.get('RNN_PARITY_TEST_FAULT', '')
_every = int(os.environ.get('RNN_PARITY_TEST_EVERY', '0'))
_after = int(os.environ.get('RNN_PARITY_TEST_AFTER', '-1'))
_counter = os.environ.get('RNN_PARITY_TEST_COUNTER', '')
_forward = torch.nn.RNN.forward
def _chosen(x):
    data = x.data if isinstance(x, torch.nn.utils.rnn.PackedSequence) else x
    if _after >= 0:
        count = int(open(_counter).read() or '0') if os.path.exists(_counter) else 0
        with open(_counter, 'w') as f:
            f.write(str(count + 1))
        return count >= _after
    return _every > 0 and zlib.crc32(repr(data.detach().flatten().tolist()).encode()) % _every == 0
def forward(self, input, hx=None):
    if _kind and _chosen(input):
        if _kind == 'kill':
            os.kill(os.getpid(), signal.SIGKILL)
        if _kind == 'stop':
            os.kill(os.getpid(), signal.SIGSTOP)
        if _kind == 'garbage':
            # The worker points sys.stdout and fd 1 at stderr; its frames go to a private copy of the
            # real stdout, which is where garbage has to land to corrupt the protocol.
            import __main__
            __main__._FRAMES.write(b'this is not a frame\\n'); __main__._FRAMES.flush()
        if _kind == 'raise':
            raise RuntimeError('injected: torch raised inside forward')
        if _kind == 'alloc':
            raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate 1099511627776 bytes. Error code 12 (Cannot allocate memory)")
        if _kind == 'memory':
            raise MemoryError()
    return _forward(self, input, hx)
torch.nn.RNN.forward = forward
`;
const siteDir = path.join(root, 'site');
mkdirSync(siteDir);
writeFileSync(path.join(siteDir, 'sitecustomize.py'), SITECUSTOMIZE);

function faultEnv(kind: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PYTHONPATH: siteDir, RNN_PARITY_TEST_FAULT: kind, RNN_PARITY_TEST_EVERY: '20', ...extra };
}

function expectAccounted(report: CampaignReport): void {
  const { exploration, shrinking } = report.accounting;
  expect(exploration.cases).toBe(exploration.compared + exploration.unanswered);
  expect(shrinking.cases).toBe(shrinking.compared + shrinking.unanswered);
  expect(report.workerFailures.length).toBe(exploration.unanswered + shrinking.unanswered);
  expect(report.casesExplored).toBe(exploration.cases);
}

/**
 * A campaign of a fixed number of batches (`numRuns`, so the cases, and so the faulting ones, are the
 * same on any machine however loaded), or of a time budget where the test is about the budget's end.
 */
async function faultCampaign(
  env: NodeJS.ProcessEnv,
  options: { numRuns?: number; budgetMs?: number; deadlineMs?: number; maxBatch?: number },
): Promise<CampaignReport> {
  const bridge = await TorchBridge.start({ env, deadlineMs: options.deadlineMs ?? 20_000 });
  try {
    return await runCampaign({
      bridge,
      seed: 7,
      numRuns: options.numRuns ?? 1_000_000,
      budgetMs: options.budgetMs ?? 150_000,
      minCases: 1,
      shrinkBudgetMs: 30_000,
      maxBatch: options.maxBatch ?? 6,
    });
  } finally {
    await bridge.stop();
  }
}

describe('worker faults during a campaign', () => {
  it.each([
    ['a worker killed mid-batch (SIGKILL)', 'kill', 'worker-crash'],
    ['garbage on stdout', 'garbage', 'protocol-error'],
    ['an allocation failure inside torch', 'alloc', 'worker-fault'],
    ['a MemoryError inside torch', 'memory', 'worker-fault'],
  ] as const)(
    '%s: every case accounted for, the unanswered ones reported, the verdict INCOMPLETE',
    async (_title, kind, status) => {
      const report = await faultCampaign(faultEnv(kind), { numRuns: 12 });
      expectAccounted(report);
      expect(report.accounting.exploration.unanswered).toBeGreaterThan(0);
      expect(new Set(report.workerFailures.map((w) => w.status))).toEqual(new Set([status]));
      expect(report.worker.unanswered[status]).toBeGreaterThanOrEqual(report.workerFailures.length);
      expect(report.status).toBe(report.failures.length > 0 ? 'FAIL' : 'INCOMPLETE');
      expect(report.passed).toBe(false);
    },
    180_000,
  );

  it('a worker killed mid-batch in a pool of 2: the same cases go unanswered as with one worker, each reported, restarts counted', async () => {
    const onPool = async (workers: number): Promise<CampaignReport> => {
      const pool = await CasePool.start({ workers, bridge: { env: faultEnv('kill'), deadlineMs: 20_000 } });
      try {
        return await runCampaign({
          bridge: pool.bridge,
          pool,
          seed: 7,
          numRuns: 12,
          budgetMs: 150_000,
          minCases: 1,
          shrinkBudgetMs: 30_000,
          maxBatch: 6,
        });
      } finally {
        await pool.stop();
      }
    };
    const [one, two] = [await onPool(1), await onPool(2)];
    expectAccounted(two);
    expect(two.accounting.exploration.unanswered).toBeGreaterThan(0);
    expect(two.worker.restarts).toBeGreaterThan(0);
    expect(two.worker.unanswered['worker-crash']).toBeGreaterThanOrEqual(two.workerFailures.length);
    const unanswered = (r: CampaignReport) => r.workerFailures.map((w) => [campaignCaseId(w.case), w.status, w.phase]);
    expect(unanswered(two)).toEqual(unanswered(one));
    expect(two.accounting).toEqual(one.accounting);
    expect(two.status).toBe(one.status);
  }, 240_000);

  it('a worker stopped (SIGSTOP) past its deadline: the case times out, is reported, and the worker is replaced', async () => {
    const report = await faultCampaign(faultEnv('stop'), { numRuns: 12, deadlineMs: 1_500 });
    expectAccounted(report);
    expect(report.workerFailures.some((w) => w.status === 'timeout')).toBe(true);
    expect(report.worker.restarts).toBeGreaterThan(0);
    expect(report.status).not.toBe('PASS');
  }, 180_000);

  it('a worker that stops answering across the end of the budget: the in-flight cases are still accounted for', async () => {
    // Every forward after the run's 4th hangs, so each batch from then on takes its deadline: the batch
    // in flight when the 3 s budget ends is answered (as a timeout) after it, and still counted.
    const counter = path.join(root, 'counter');
    const report = await faultCampaign(faultEnv('stop', { RNN_PARITY_TEST_AFTER: '4', RNN_PARITY_TEST_COUNTER: counter }), {
      budgetMs: 3_000,
      deadlineMs: 1_500,
      maxBatch: 1,
    });
    expectAccounted(report);
    expect(report.workerFailures.length).toBeGreaterThan(0);
    expect(report.workerFailures.every((w) => w.status === 'timeout')).toBe(true);
    expect(report.status).not.toBe('PASS');
  }, 180_000);

  it('an exception inside torch is torch’s answer: TS disagrees, and the campaign fails with a shrunk case', async () => {
    const report = await faultCampaign(faultEnv('raise'), { numRuns: 12 });
    expectAccounted(report);
    expect(report.status).toBe('FAIL');
    const failure = report.failures[0];
    expect(failure !== undefined && !isApiFailure(failure) ? failure.torch.error?.message : failure).toBe('injected: torch raised inside forward');
  }, 180_000);
});

describe('the parity command with faults', () => {
  it('stores each unanswered case in the quarantine with its replay command, never as a fixture', async () => {
    const golden = path.join(root, 'golden');
    mkdirSync(path.join(golden, 'found'), { recursive: true });
    // A temporary file of a writer killed mid-write, by a process id that no longer exists.
    writeFileSync(path.join(golden, 'found', '.0123456789abcdef.json.999999999.00ff.tmp'), '{');
    const { report, fixtures, quarantined } = await campaign({
      seed: 11,
      budgetSeconds: 150,
      // The fault is planted in nn.RNN's forward alone; since campaigns draw LSTM, GRU and the cells
      // too, 12 batches of seed 11 no longer reach a faulting RNN case.
      runs: 30,
      golden,
      minCases: 1,
      workerEnv: faultEnv('alloc'),
    });
    expect(existsSync(path.join(golden, 'found', '.0123456789abcdef.json.999999999.00ff.tmp'))).toBe(false);
    expectAccounted(report);
    expect(report.status).toBe('INCOMPLETE');
    expect(fixtures).toEqual([]);
    expect(readdirSync(path.join(golden, 'found'))).toEqual([]);
    expect(quarantined.length).toBeGreaterThan(0);
    const record = JSON.parse(readFileSync(path.resolve(quarantined[0]!), 'utf8')) as { status: string; replay: string; error: string };
    expect(record.status).toBe('worker-fault');
    expect(record.error).toContain("DefaultCPUAllocator: can't allocate memory");
    expect(record.replay).toMatch(/^pnpm replay .*quarantine\/[0-9a-f]{16}\.json$/);
  }, 180_000);
});

describe('the parity command with a failure', () => {
  it('records a found case once: replayed from the corpus and failing again, it is named, not copied', async () => {
    const golden = path.join(root, 'golden-raise');
    const first = await campaign({ seed: 7, budgetSeconds: 150, runs: 30, golden, minCases: 1, workerEnv: faultEnv('raise') });
    expect(first.report.status).toBe('FAIL');
    expect(first.fixtures).toHaveLength(1);
    const found = readdirSync(path.join(golden, 'found'));
    const second = await campaign({ seed: 7, budgetSeconds: 150, runs: 1, golden, minCases: 1, workerEnv: faultEnv('raise') });
    expect(second.report.status).toBe('FAIL');
    expect(readdirSync(path.join(golden, 'found'))).toEqual(found);
    expect(second.fixtures.map((p) => path.basename(p))).toEqual(found);
  }, 240_000);
});
