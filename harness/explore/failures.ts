// Failures a campaign reports: cases TS and torch disagreed on, and cases torch never answered.
import type { Comparison } from '../parity/compare.js';
import type { Outcome, Shadow } from '../parity/outcome.js';
import type { ParityCase } from '../parity/parity-case.js';
import type { CaseResult } from '../worker/protocol.js';

/** One case TS and torch disagreed on, with everything needed to store it as a fixture. */
export interface CaseFailure {
  readonly case: ParityCase;
  readonly torch: Outcome;
  readonly ts: Outcome;
  readonly shadow: Shadow | null;
  readonly comparison: Comparison;
  readonly report: string[];
}

/** A case torch could not answer: the worker crashed, hung or garbled its reply (and was restarted). */
export interface WorkerFailure {
  readonly case: ParityCase;
  readonly status: CaseResult['status'];
  readonly error: string;
}
