// One batch of API cases: torch answers in the worker (op `api`) while TS answers here, then the exact judge.
import { type ApiCase, apiResultFromWire, runApiTs, targetNamed, toWireApiCase } from '../api/api-case.js';
import { judgeApi } from '../api/api-judge.js';
import type { ApiResult } from '../api/api-result.js';
import type { ApiTarget } from '../api/api-target.js';
import { formatDifference } from '../parity/difference.js';
import type { CaseRunner } from '../parity/case-pool.js';
import { type ApiCaseFailure, type UnansweredCase, unansweredCase } from './failures.js';

/**
 * Runs API cases: the worker request goes out first, TS answers meanwhile, and every answered case is
 * judged exactly (harness/api/api-judge.ts). A TS-side harness error (an unknown target) is a failure
 * of its case, never an exception out of the campaign.
 */
export async function checkApiBatch(
  on: Pick<CaseRunner, 'runApi'>,
  cases: readonly ApiCase[],
  targets: readonly ApiTarget[],
  observe: (c: ApiCase, exports: readonly string[], torch: ApiResult) => void = () => {},
  onWorkerFailure: (failure: UnansweredCase) => void = () => {},
): Promise<{ failures: ApiCaseFailure[] }> {
  const failures: ApiCaseFailure[] = [];
  const runnable: ApiCase[] = [];
  for (const c of cases) {
    try {
      targetNamed(targets, c.target);
      runnable.push(c);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const result: ApiResult = { error: { type: 'HarnessError', message }, warnings: [] };
      failures.push({ case: c, torch: result, ts: result, differences: [{ kind: 'harness-error', message }], report: [`harness error: ${message}`] });
    }
  }
  const torchPromise = on.runApi(runnable.map((c, i) => toWireApiCase(c, String(i), targets)));
  const tsResults = runnable.map((c) => runApiTs(c, targets));
  const results = await torchPromise;
  runnable.forEach((c, i) => {
    const torch = apiResultFromWire(results[i]!);
    if (torch === null) {
      onWorkerFailure(unansweredCase(c, results[i]!));
      return;
    }
    const target = targetNamed(targets, c.target);
    observe(c, target.exports, torch);
    const ts = tsResults[i]!;
    const differences = target.judge?.(ts, torch, c.args) ?? judgeApi(ts, torch);
    if (differences.length > 0) failures.push({ case: c, torch, ts, differences, report: differences.map(formatDifference) });
  });
  return { failures };
}
