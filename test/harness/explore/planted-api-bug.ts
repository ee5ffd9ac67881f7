// One planted API bug, found by a campaign with the corpus replay off and shrunk: the procedure the planted-API-bug tests share.
import { expect } from 'vitest';
import type { InitRounding } from '../../../src/index.js';
import type { ApiTarget } from '../../../harness/api/api-target.js';
import { apiTargets } from '../../../harness/api/targets.js';
import { runCampaign } from '../../../harness/explore/campaign.js';
import { isApiFailure } from '../../../harness/explore/failures.js';
import { referenceInitRounding } from '../../../harness/parity/parity-case.js';
import type { TorchBridge } from '../../../harness/worker/bridge.js';

/** A bug planted in one API target: the target it breaks, rebuilt with the bug. */
export interface PlantedApiBug {
  readonly target: string;
  readonly build: (rounding: InitRounding) => ApiTarget;
  /** Exploration budget; default 20 s. Verify's own 45 s where the bug needs more cases than a loaded 20 s gives. */
  readonly budgetMs?: number;
}

/**
 * Runs the campaign (seed 20261128, no examples: random exploration alone) with `bug` in place of its
 * target, and expects exactly one failure, on that target; logs cases to find, shrinks and the shrunk size.
 */
export async function expectFoundAndShrunk(bridge: TorchBridge, name: string, bug: PlantedApiBug): Promise<void> {
  const rounding = referenceInitRounding(bridge.handshake);
  const targets = apiTargets(rounding).map((t) => (t.name === bug.target ? bug.build(rounding) : t));
  const report = await runCampaign({
    bridge,
    seed: 20261128,
    budgetMs: bug.budgetMs ?? 20_000,
    shrinkBudgetMs: 30_000,
    minCases: 1,
    apiTargets: targets,
  });
  expect(report.passed).toBe(false);
  const failure = report.failures[0]!;
  if (!isApiFailure(failure)) throw new Error(`the API bug was reported on an RNN case: ${failure.report[0]}`);
  expect(failure.case.target).toBe(bug.target);
  const target = targets.find((t) => t.name === bug.target)!;
  const size = target.size?.(failure.case.args) ?? JSON.stringify(target.wireArgs(failure.case.args)).length;
  console.log(
    `${name}: ${report.casesExplored} cases to find, ${report.fastCheck?.shrinks} shrinks → size ${size}`,
    JSON.stringify(target.wireArgs(failure.case.args)).slice(0, 400),
    failure.report[0]?.slice(0, 300),
  );
  expect(report.failures).toHaveLength(1);
}
