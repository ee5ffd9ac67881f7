// Pipelined exploration (Note [pipelined exploration]) changes how fast a campaign runs, never what it explores or finds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CampaignReport, runCampaign } from '../../../harness/explore/campaign.js';
import { campaignCaseId, caseId } from '../../../harness/golden/fixture.js';
import { singleWorker } from '../../../harness/parity/case-pool.js';
import { type RNNFactory, referenceFactory } from '../../../harness/parity/parity-case.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { watchedRunner } from '../parity/watched-runner.js';
import { plantedBugFactory } from './planted-bugs.js';

let bridge: TorchBridge;
beforeAll(async () => {
  bridge = await TorchBridge.start();
}, 120_000);
afterAll(async () => {
  await bridge?.stop();
});

/** A campaign of at most `runs` runs at `depth`, and every case it ran (exploration, then shrinking), in the order it ran them. */
async function campaignAt(depth: number, runs: number, factory: RNNFactory): Promise<{ report: CampaignReport; cases: string[] }> {
  const cases: string[] = [];
  const report = await runCampaign({
    bridge,
    pool: watchedRunner(singleWorker(bridge, factory), (batch) => cases.push(...batch.map((c) => caseId(c)))),
    seed: 20261203,
    numRuns: runs,
    budgetMs: 600_000,
    shrinkBudgetMs: 600_000,
    minCases: 1,
    pipelineDepth: depth,
  });
  return { report, cases };
}

describe('pipelined exploration', () => {
  it('at depth 1 and 4 a passing campaign explores the same cases in the same order and reports the same', async () => {
    const one = await campaignAt(1, 40, referenceFactory(bridge.handshake));
    const four = await campaignAt(4, 40, referenceFactory(bridge.handshake));
    expect(one.report.status).toBe('PASS');
    expect(four.cases).toEqual(one.cases);
    expect(four.report.accounting).toEqual(one.report.accounting);
    expect(four.report.coverage).toEqual(one.report.coverage);
    expect(four.report.judged).toEqual(one.report.judged);
  }, 240_000);

  it('under a planted bug, depth 4 finds the failing run depth 1 finds, after the same cases, and shrinks it to the same case', async () => {
    const bug = plantedBugFactory('hx ignored');
    const one = await campaignAt(1, 200, bug);
    const four = await campaignAt(4, 200, bug);
    expect(one.report.status).toBe('FAIL');
    expect(four.report.fastCheck).toEqual(one.report.fastCheck);
    expect(four.report.shrink).toEqual(one.report.shrink);
    expect(four.report.failures.map((f) => campaignCaseId(f.case))).toEqual(one.report.failures.map((f) => campaignCaseId(f.case)));
    // Depth 4 also ran the three runs drawn after the failing one (judged and counted, never dropped).
    expect(four.report.accounting.exploration.cases).toBeGreaterThan(one.report.accounting.exploration.cases);
    expect(four.report.shrink!.casesToFind).toBe(one.report.accounting.exploration.cases);
  }, 300_000);

  it('a campaign ended by its time budget starts no case after its report, and has judged every case it counts', async () => {
    // fast-check's time limit abandons the run still waiting for its turn; that run must not start later.
    const factory = referenceFactory(bridge.handshake);
    for (const budgetMs of [400, 700, 1_000, 1_300, 1_600, 2_100]) {
      let reported = false;
      let batchesAfterReport = 0;
      const watching = watchedRunner(singleWorker(bridge, factory), () => {
        if (reported) batchesAfterReport++;
      });
      const report = await runCampaign({ bridge, pool: watching, seed: 20261203 + budgetMs, budgetMs, minCases: 1 });
      reported = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { cases, compared, unanswered } = report.accounting.exploration;
      expect(report.status).toBe('PASS');
      expect(compared + unanswered).toBe(cases);
      expect(batchesAfterReport).toBe(0);
    }
  }, 120_000);
});
