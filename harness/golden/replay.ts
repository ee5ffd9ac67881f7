// Offline replay: the TS answer to a fixture's case judged against torch's recorded answer, version-aware, under the ledger.
import { judgeCase, recordedShadow } from '../parity/compare.js';
import { errorCategory } from '../parity/error-category.js';
import { formatDifference, type Difference } from '../parity/difference.js';
import { recordedTorch, type Fixture } from './fixture.js';
import { ledgerEntryFor, torchMinor, type Ledger, type LedgerEntry } from './ledger.js';
import type { Outcome, Shadow } from '../parity/outcome.js';
import { runTs, type ParityCase, type RNNFactory } from '../parity/parity-case.js';

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
 * Judges a TS outcome against torch's answer through harness/parity/compare.ts. When the answer comes from
 * a torch of another major.minor than the pinned one, errors match by {@link errorCategory} (the
 * library follows the pinned torch's exact text and type, e.g. num_layers=0 is an IndexError in
 * torch 1.13 and a ValueError in 2.x, both category 'num_layers') and warnings by count.
 */
export async function judgeOutcome(
  ts: Outcome,
  torch: Outcome,
  c: ParityCase,
  answerTorch: string,
  pinnedTorch: string,
  shadow: Shadow | null,
  factory?: RNNFactory,
): Promise<Judgement> {
  const { comparison } = await judgeCase({ case: c, ts, torch }, { shadows: recordedShadow(shadow), ...(factory === undefined ? {} : { factory }) });
  const crossVersion = torchMinor(answerTorch) !== torchMinor(pinnedTorch);
  const forgiven: string[] = [];
  const differences = comparison.differences.filter((difference) => {
    if (!crossVersion) return true;
    if (difference.kind === 'error-mismatch' && difference.actual !== null && difference.expected !== null) {
      if (errorCategory(difference.actual) === errorCategory(difference.expected)) {
        forgiven.push(
          `${formatDifference(difference)} (same category '${errorCategory(difference.actual)}' across torch ${answerTorch} and ${pinnedTorch})`,
        );
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
export function ledgerVerdict(
  fixture: Fixture,
  judgement: Judgement,
  ledger: Ledger,
): { status: ReplayStatus; entry: LedgerEntry | null; message: string } {
  const entry = ledgerEntryFor(ledger, fixture);
  const where = `${fixture.id} (${fixture.summary})`;
  if (entry !== null) {
    return judgement.passed
      ? {
          status: 'fixed',
          entry,
          message: `${where}: fixed — remove from the ledger: entry '${entry.id}' (${entry.reason}) lists this case, but TS now matches torch ${recordedTorch(fixture)}`,
        }
      : { status: 'known-divergence', entry, message: `${where}: known divergence '${entry.id}': ${entry.reason}` };
  }
  if (judgement.passed) return { status: 'pass', entry: null, message: `${where}: matches torch ${recordedTorch(fixture)}` };
  return {
    status: 'fail',
    entry: null,
    message: [`${where}: TS differs from torch ${recordedTorch(fixture)}:`, ...judgement.differences.map((d) => `  - ${formatDifference(d)}`)].join(
      '\n',
    ),
  };
}

/** Runs the fixture's case in TS (no Python) and judges it against the recorded torch answer. */
export async function replayFixture(fixture: Fixture, options: ReplayOptions): Promise<ReplayVerdict> {
  const ts = runTs(fixture.case, options.factory);
  const judgement = await judgeOutcome(
    ts,
    fixture.expected,
    fixture.case,
    recordedTorch(fixture),
    options.pinnedTorch,
    fixture.shadow,
    options.factory,
  );
  return { judgement, ...ledgerVerdict(fixture, judgement, options.ledger) };
}
