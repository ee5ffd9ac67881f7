// Offline replay: the TS answer to a fixture's case judged against torch's recorded answer, version-aware, under the ledger.
import { readFileSync } from 'node:fs';
import { compareOutcomes, errorCategory, formatDifference, type Comparison, type Difference, type Shadow } from './compare.js';
import { recordedTorch, type Fixture } from './fixture.js';
import { ledgerEntryFor, torchMinor, type Ledger, type LedgerEntry } from './ledger.js';
import type { Outcome } from './outcome.js';
import { layoutOf, runTs, type ParityCase, type RNNFactory } from './parity-case.js';
import { REQUIREMENTS_FILE } from './python-env.js';
import { installPlan } from './python-setup.js';
import { roundingSensitivity } from './sensitivity.js';

/**
 * The torch version python/requirements.txt pins (ignoring RNN_PARITY_TORCH_SPEC): the torch whose
 * exact messages the library follows.
 */
export function pinnedTorchVersion(requirementsText = readFileSync(REQUIREMENTS_FILE, 'utf8')): string {
  return installPlan(requirementsText, {}).torch.version;
}

/** A TS outcome judged against one torch answer. */
export interface Judgement {
  readonly passed: boolean;
  readonly differences: readonly Difference[];
  /** The answer came from a torch of another major.minor than the pinned one. */
  readonly crossVersion: boolean;
  /** Differences forgiven because they are expected across torch versions (error text, warning text). */
  readonly forgiven: readonly string[];
  /** Largest ULP distance over all compared tensors (0 when nothing was compared). */
  readonly maxUlps: number;
}

/**
 * Judges a TS outcome against torch's answer through harness/compare.ts. When the answer comes from
 * a torch of another major.minor than the pinned one, errors match by {@link errorCategory} (the
 * library follows the pinned torch's exact text and type, e.g. num_layers=0 is an IndexError in
 * torch 1.13 and a ValueError in 2.x, both category 'num_layers') and warnings by count.
 */
export function judgeOutcome(ts: Outcome, torch: Outcome, c: ParityCase, answerTorch: string, pinnedTorch: string, shadow: Shadow | null): Judgement {
  const comparison = compareCase(ts, torch, c, shadow);
  const crossVersion = torchMinor(answerTorch) !== torchMinor(pinnedTorch);
  const forgiven: string[] = [];
  const differences = comparison.differences.filter((difference) => {
    if (!crossVersion) return true;
    if (difference.kind === 'error-mismatch' && difference.actual !== null && difference.expected !== null) {
      if (errorCategory(difference.actual) === errorCategory(difference.expected)) {
        forgiven.push(`${formatDifference(difference)} (same category '${errorCategory(difference.actual)}' across torch ${answerTorch} and ${pinnedTorch})`);
        return false;
      }
    }
    if (difference.kind === 'warnings' && difference.actual.length === difference.expected.length) {
      forgiven.push(`${formatDifference(difference)} (warning text across torch ${answerTorch} and ${pinnedTorch})`);
      return false;
    }
    return true;
  });
  const maxUlps = Math.max(0, ...Object.values(comparison.stats).map((s) => s.maxUlps));
  return { passed: differences.length === 0, differences, crossVersion, forgiven, maxUlps };
}

/**
 * compareOutcomes with the judges harness/compare.ts asks for: the recorded float64 shadow, and for
 * float64 values outside the floor the case's rounding sensitivity (computed in TS, no Python), as
 * the live campaign does.
 */
export function compareCase(actual: Outcome, expected: Outcome, c: ParityCase, shadow: Shadow | null): Comparison {
  const layout = layoutOf(c);
  const first = compareOutcomes(actual, expected, layout, { shadow });
  if (!first.differences.some((d) => d.kind === 'values' && d.needs === 'sensitivity')) return first;
  return compareOutcomes(actual, expected, layout, { shadow, sensitivity: roundingSensitivity(c) });
}

/**
 * What replaying a fixture says: `pass`; `fail`; `known-divergence` (listed in the ledger and still
 * different); `fixed` (listed in the ledger but TS now matches: remove the entry).
 */
export type ReplayStatus = 'pass' | 'fail' | 'known-divergence' | 'fixed';

export interface ReplayVerdict {
  readonly status: ReplayStatus;
  readonly judgement: Judgement;
  readonly entry: LedgerEntry | null;
  /** A readable account for test failures and reports. */
  readonly message: string;
}

/** Options of {@link replayFixture}. */
export interface ReplayOptions {
  readonly pinnedTorch: string;
  readonly ledger: Ledger;
  readonly factory?: RNNFactory;
}

/** The ledger's verdict on one judgement: a listed case must still differ, an unlisted one must match. */
export function ledgerVerdict(fixture: Fixture, judgement: Judgement, ledger: Ledger): { status: ReplayStatus; entry: LedgerEntry | null; message: string } {
  const entry = ledgerEntryFor(ledger, fixture);
  const where = `${fixture.id} (${fixture.summary})`;
  if (entry !== null) {
    return judgement.passed
      ? { status: 'fixed', entry, message: `${where}: fixed — remove from the ledger: entry '${entry.id}' (${entry.reason}) lists this case, but TS now matches torch ${recordedTorch(fixture)}` }
      : { status: 'known-divergence', entry, message: `${where}: known divergence '${entry.id}': ${entry.reason}` };
  }
  if (judgement.passed) return { status: 'pass', entry: null, message: `${where}: matches torch ${recordedTorch(fixture)}` };
  return {
    status: 'fail',
    entry: null,
    message: [`${where}: TS differs from torch ${recordedTorch(fixture)}:`, ...judgement.differences.map((d) => `  - ${formatDifference(d)}`)].join('\n'),
  };
}

/** Runs the fixture's case in TS (no Python) and judges it against the recorded torch answer. */
export function replayFixture(fixture: Fixture, options: ReplayOptions): ReplayVerdict {
  const ts = runTs(fixture.case, options.factory);
  const judgement = judgeOutcome(ts, fixture.expected, fixture.case, recordedTorch(fixture), options.pinnedTorch, fixture.shadow);
  return { judgement, ...ledgerVerdict(fixture, judgement, options.ledger) };
}
