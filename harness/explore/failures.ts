// Failures a campaign reports: cases TS and torch disagreed on, and cases torch never answered.
import type { ApiCase, CampaignCase } from '../api/api-case.js';
import type { ApiResult } from '../api/api-result.js';
import type { Comparison } from '../parity/compare.js';
import type { Difference } from '../parity/difference.js';
import type { Outcome, Shadow } from '../parity/outcome.js';
import type { ParityCase } from '../parity/parity-case.js';
import type { UnansweredStatus } from '../worker/protocol.js';

/** Where a failure was first seen: drawn at random, or a corpus case replayed first (its index in `examples`). */
export type ShrinkStart = { readonly kind: 'random exploration' } | { readonly kind: 'corpus'; readonly example: number };

/** One case TS and torch disagreed on, with everything needed to store it as a fixture. */
export interface CaseFailure {
  readonly case: ParityCase;
  readonly torch: Outcome;
  readonly ts: Outcome;
  readonly shadow: Shadow | null;
  readonly comparison: Comparison;
  readonly report: string[];
  /** Set once the domain shrinker has run on it: where the failure was first seen, and the simplifications kept. */
  shrunkFrom?: { readonly start: ShrinkStart; readonly startCase: ParityCase; readonly steps: readonly string[] };
}

/** One API case TS and torch disagreed on (harness/api/api-judge.ts), with both answers. */
export interface ApiCaseFailure {
  readonly case: ApiCase;
  readonly torch: ApiResult;
  readonly ts: ApiResult;
  readonly differences: readonly Difference[];
  readonly report: string[];
}

/** A failing case of either kind. */
export type CampaignFailure = CaseFailure | ApiCaseFailure;

/** Whether a failure is of an API case. */
export function isApiFailure(failure: CampaignFailure): failure is ApiCaseFailure {
  return 'kind' in failure.case && failure.case.kind === 'api';
}

/** When in a campaign a case was run: while exploring (answered before or after the budget closed), or while shrinking. */
export type CampaignPhase = 'exploration' | 'shrinking';

/**
 * A case torch could not answer: the worker crashed, hung, garbled its reply (and was restarted), or
 * faulted (out of memory, recursion limit: harness/worker/worker-fault.ts).
 */
export interface WorkerFailure {
  readonly case: CampaignCase;
  readonly status: UnansweredStatus;
  readonly error: string;
  readonly phase: CampaignPhase;
  /** The id of the quarantine rule that expects this (golden/quarantine-rules.json), or null. */
  readonly quarantinedBy: string | null;
  readonly stderrTail: readonly string[];
}

/** What a batch check knows of an unanswered case; the campaign adds the phase and quarantine rule. */
export type UnansweredCase = Pick<WorkerFailure, 'case' | 'status' | 'error' | 'stderrTail'>;

/** The worker's result for a case it did not answer (crash, timeout, protocol error), as an {@link UnansweredCase}. */
export function unansweredCase(
  c: CampaignCase,
  result: {
    readonly status: string;
    readonly error?: { readonly type: string; readonly message: string } | null;
    readonly stderr_tail?: readonly string[];
  },
): UnansweredCase {
  return {
    case: c,
    status: result.status as UnansweredStatus,
    error: `${result.error?.type}: ${result.error?.message}`,
    stderrTail: result.stderr_tail ?? [],
  };
}
