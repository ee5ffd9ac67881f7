// The harness has teeth: each bug planted in one seam of the RNN is found by a short campaign and shrunk small.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { runCampaign } from '../../../harness/explore/campaign.js';
import type { ParityCase } from '../../../harness/parity/parity-case.js';
import { plantedBugs } from './planted-bugs.js';

/** The size of a shrunk case: what the issue promises (≤ 2 layers, hidden ≤ 3, seq ≤ 3, batch ≤ 2). */
function sizeOf(c: ParityCase): { layers: number; hidden: number; seqLen: number; batch: number } {
  const batchFirst = c.kwargs.batch_first === true;
  const batched = c.input.ndim === 3;
  return {
    layers: Number(c.kwargs.num_layers ?? 1),
    hidden: Number(c.kwargs.hidden_size),
    seqLen: batched && batchFirst ? c.input.shape[1]! : c.input.shape[0]!,
    batch: batched ? c.input.shape[batchFirst ? 0 : 1]! : 1,
  };
}

describe('planted bugs', () => {
  let bridge: TorchBridge;
  beforeAll(async () => {
    bridge = await TorchBridge.start();
  });
  afterAll(async () => {
    await bridge.stop();
  });

  it.each(Object.entries(plantedBugs))('finds and shrinks: %s', async (_, Buggy) => {
    const report = await runCampaign({ bridge, seed: 20261128, budgetMs: 30_000, shrinkBudgetMs: 60_000, minCases: 1, factory: (o) => new Buggy(o) });
    expect(report.passed).toBe(false);
    expect(report.failures.length).toBeGreaterThan(0);
    const shrunk = sizeOf(report.failures[0]!.case);
    console.log(
      `${_}: ${report.casesExplored} cases to find, ${report.fastCheck?.shrinks} shrinks →`,
      JSON.stringify(shrunk),
      report.failures[0]!.report[0],
    );
    expect(shrunk.layers).toBeLessThanOrEqual(2);
    expect(shrunk.hidden).toBeLessThanOrEqual(3);
    expect(shrunk.seqLen).toBeLessThanOrEqual(3);
    expect(shrunk.batch).toBeLessThanOrEqual(2);
  });

  it('the unmodified RNN passes the same campaign', async () => {
    const report = await runCampaign({ bridge, seed: 20261128, budgetMs: 15_000, minCases: 100 });
    expect(report.failures.map((f) => f.report)).toEqual([]);
    expect(report.passed).toBe(true);
  });
});
