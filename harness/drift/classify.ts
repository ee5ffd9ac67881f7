// Drift: every fixture's case replayed through another torch, each classified by how torch's answer moved and what that does to TS.
import { hardwareNote, hardwareOf } from './hardware.js';
import type { TorchBridge } from '../worker/bridge.js';
import { judgeCase, recordedShadow } from '../parity/compare.js';
import { formatDifference } from '../parity/difference.js';
import { ulpDistance } from '../parity/ulp.js';
import type { Shadow } from '../parity/outcome.js';
import { recordedTorch, workerDoc, type Fixture } from '../golden/fixture.js';
import type { WorkerDoc } from '../golden/fixture-schema.js';
import type { StoredFixture } from '../golden/store.js';
import type { Ledger } from '../golden/ledger.js';
import type { Outcome } from '../parity/outcome.js';
import { runTs, type ParityCase } from '../parity/parity-case.js';
import { askTorch, type TorchAnswer } from '../golden/record.js';
import { judgeOutcome, ledgerVerdict } from '../golden/replay.js';

/**
 * How torch's answer moved between the fixture's torch and the replaying one. `no-answer`: the
 * worker crashed or hung on the case (reported, never thrown).
 */
export type TorchDrift =
  | 'bit-identical'
  | 'within-few-ulp'
  | 'moved-within-tolerance'
  | 'moved-beyond-tolerance'
  | 'error-type-changed'
  | 'error-message-changed'
  | 'no-answer';

/** The TS verdict against the recorded answer (before) and the replaying torch's answer (now). */
export type TsDrift = 'passes' | 'fails' | 'now-passes' | 'now-fails';

export const TORCH_DRIFTS: readonly TorchDrift[] = [
  'bit-identical',
  'within-few-ulp',
  'moved-within-tolerance',
  'moved-beyond-tolerance',
  'error-type-changed',
  'error-message-changed',
  'no-answer',
];

export const TS_DRIFTS: readonly TsDrift[] = ['passes', 'now-passes', 'now-fails', 'fails'];

/** Human labels for reports. */
export const DRIFT_LABEL: Readonly<Record<TorchDrift | TsDrift, string>> = {
  'bit-identical': 'bit-identical',
  'within-few-ulp': 'within a few ULP',
  'moved-within-tolerance': 'moved within tolerance',
  'moved-beyond-tolerance': 'moved beyond tolerance',
  'error-type-changed': 'error type changed',
  'error-message-changed': 'error message changed',
  'no-answer': 'no answer (worker failed)',
  passes: 'TS passes',
  fails: 'TS fails',
  'now-passes': 'TS now passes',
  'now-fails': 'TS now fails',
};

/**
 * A reporting bucket, not a tolerance: pass/fail is always decided by harness/parity/compare.ts. Values
 * this close moved by reordered or fused roundings, not by a change of formula.
 */
export const FEW_ULPS = 4;

/** One fixture's drift. */
export interface FixtureDrift {
  readonly id: string;
  readonly key: string;
  readonly summary: string;
  readonly recorded_torch: string;
  readonly torch: TorchDrift;
  readonly ts: TsDrift;
  /** What moved, e.g. `IndexError → ValueError` or `h_n: 3 ULP`. */
  readonly detail: string;
  /** Largest ULP distance between the two torch answers over all tensors; null when either raised. */
  readonly max_ulps: number | null;
  /** The ledger entry listing the fixture; `fixed` when TS now matches the replaying torch. */
  readonly ledger: { readonly entry: string; readonly status: 'known-divergence' | 'fixed' } | null;
  /** Why TS fails against the replaying torch, if it does. */
  readonly ts_differences: readonly string[];
}

/** The whole report: provenance of both sides, counts per class, and one entry per fixture. */
export interface DriftReport {
  readonly generated_at: string;
  readonly pinned_torch: string;
  /** Distinct provenance of the fixtures' expectations. */
  readonly recorded_with: readonly WorkerDoc[];
  readonly replayed_with: WorkerDoc;
  readonly fixtures: number;
  readonly counts: { readonly torch: Readonly<Record<TorchDrift, number>>; readonly ts: Readonly<Record<TsDrift, number>> };
  /** Set when the replaying worker's hardware differs from a recording's (harness/drift/hardware.ts): then the hardware may be the cause. */
  readonly hardware_note: string | null;
  /** Reasons the run fails: TS now fails (unlisted), ledger entries fixed, worker failures. Empty when it passes. */
  readonly failures: readonly string[];
  readonly entries: readonly FixtureDrift[];
}

function formatError(outcome: Outcome): string {
  return outcome.error === null ? 'no error' : outcome.error.type;
}

function bitsEqual(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Classifies how torch's answer moved from `before` (the fixture) to `after` (the replaying torch).
 * Tensors are judged by harness/parity/compare.ts with the replaying torch's shadow, as TS would be.
 */
export async function classifyTorchDrift(
  before: Outcome,
  after: Outcome,
  c: ParityCase,
  shadowAfter: Shadow | null,
): Promise<{ torch: TorchDrift; detail: string; maxUlps: number | null }> {
  const warningsMoved = before.warnings.length !== after.warnings.length || before.warnings.some((w, i) => w !== after.warnings[i]);
  if (before.error !== null || after.error !== null) {
    if (before.error === null || after.error === null || before.error.type !== after.error.type) {
      const now = after.error === null ? 'no error' : `${after.error.type}: ${JSON.stringify(after.error.message)}`;
      return { torch: 'error-type-changed', detail: `${formatError(before)} → ${now}`, maxUlps: null };
    }
    if (before.error.message !== after.error.message) {
      return {
        torch: 'error-message-changed',
        detail: `${before.error.type}: ${JSON.stringify(before.error.message)} → ${JSON.stringify(after.error.message)}`,
        maxUlps: null,
      };
    }
    if (warningsMoved)
      return {
        torch: 'error-message-changed',
        detail: `warnings ${JSON.stringify(before.warnings)} → ${JSON.stringify(after.warnings)}`,
        maxUlps: null,
      };
    return { torch: 'bit-identical', detail: '', maxUlps: null };
  }
  const names = new Set([...Object.keys(before.tensors), ...Object.keys(after.tensors)]);
  let maxUlps = 0;
  let worst = '';
  let changed = 0;
  for (const name of [...names].sort()) {
    const b = before.tensors[name];
    const a = after.tensors[name];
    if (b === undefined || a === undefined || b.dtype !== a.dtype || b.shape.join() !== a.shape.join()) {
      return {
        torch: 'moved-beyond-tolerance',
        detail: `${name}: ${b === undefined ? 'new' : a === undefined ? 'gone' : `shape/dtype ${b.dtype} [${b.shape.join(', ')}] → ${a.dtype} [${a.shape.join(', ')}]`}`,
        maxUlps: null,
      };
    }
    for (let i = 0; i < a.size; i++) {
      if (bitsEqual(a.data[i]!, b.data[i]!)) continue;
      changed++;
      const ulps = Number.isFinite(a.data[i]!) && Number.isFinite(b.data[i]!) ? ulpDistance(a.data[i]!, b.data[i]!, a.dtype) : Infinity;
      if (ulps > maxUlps) {
        maxUlps = ulps;
        worst = name;
      }
    }
  }
  const warnings = warningsMoved ? `; warnings ${JSON.stringify(before.warnings)} → ${JSON.stringify(after.warnings)}` : '';
  if (changed === 0) {
    return warningsMoved
      ? { torch: 'error-message-changed', detail: warnings.slice(2), maxUlps: 0 }
      : { torch: 'bit-identical', detail: '', maxUlps: 0 };
  }
  const detail = `${changed} values moved, largest ${maxUlps === Infinity ? 'non-finite change' : `${maxUlps} ULP`} in ${worst}${warnings}`;
  if (!(await judgeCase({ case: c, ts: after, torch: before }, { shadows: recordedShadow(shadowAfter) })).passed)
    return { torch: 'moved-beyond-tolerance', detail, maxUlps };
  return { torch: maxUlps <= FEW_ULPS ? 'within-few-ulp' : 'moved-within-tolerance', detail, maxUlps };
}

/** Options of {@link driftFixtures}. */
export interface DriftOptions {
  readonly pinnedTorch: string;
  readonly ledger: Ledger;
  readonly now?: Date;
}

/** The report, and the replaying torch's answers (input order) for `golden:regen`. */
export interface DriftRun {
  readonly report: DriftReport;
  readonly answers: readonly (TorchAnswer | { readonly noAnswer: string })[];
}

/** One fixture's drift from the replaying torch's answer. */
export async function fixtureDrift(
  stored: StoredFixture,
  answer: TorchAnswer | { readonly noAnswer: string },
  replayingTorch: string,
  options: DriftOptions,
): Promise<FixtureDrift> {
  const { fixture, key } = stored;
  const common = { id: fixture.id, key, summary: fixture.summary, recorded_torch: recordedTorch(fixture) };
  if ('noAnswer' in answer) {
    return { ...common, torch: 'no-answer', ts: 'fails', detail: answer.noAnswer, max_ulps: null, ledger: null, ts_differences: [] };
  }
  const moved = await classifyTorchDrift(fixture.expected, answer.outcome, fixture.case, answer.shadow);
  const ts = runTs(fixture.case);
  const before = await judgeOutcome(ts, fixture.expected, fixture.case, recordedTorch(fixture), options.pinnedTorch, fixture.shadow);
  const after = await judgeOutcome(ts, answer.outcome, fixture.case, replayingTorch, options.pinnedTorch, answer.shadow);
  const tsDrift: TsDrift = before.passed ? (after.passed ? 'passes' : 'now-fails') : after.passed ? 'now-passes' : 'fails';
  // The ledger judges against the replaying torch: that is the answer a regenerated fixture would hold.
  const verdict = ledgerVerdict(asRecordedBy(fixture, replayingTorch), after, options.ledger);
  const ledger =
    verdict.entry === null
      ? null
      : { entry: verdict.entry.id, status: verdict.status === 'fixed' ? ('fixed' as const) : ('known-divergence' as const) };
  return {
    ...common,
    torch: moved.torch,
    ts: tsDrift,
    detail: moved.detail,
    max_ulps: moved.maxUlps,
    ledger,
    ts_differences: after.differences.map(formatDifference),
  };
}

function asRecordedBy(fixture: Fixture, torchVersion: string): Fixture {
  return { ...fixture, provenance: { ...fixture.provenance, worker: { ...fixture.provenance.worker, torch_version: torchVersion } } };
}

/** Why a drift run fails: TS newly (or still) failing outside the ledger, a fixed ledger entry, or a non-answer. */
export function driftFailures(entries: readonly FixtureDrift[]): string[] {
  const failures: string[] = [];
  for (const e of entries) {
    if (e.torch === 'no-answer') failures.push(`${e.id}: the worker gave no answer (${e.detail})`);
    else if (e.ledger?.status === 'fixed') failures.push(`${e.id}: fixed — remove from the ledger: entry '${e.ledger.entry}'`);
    else if (e.ledger === null && (e.ts === 'now-fails' || e.ts === 'fails')) failures.push(`${e.id}: ${DRIFT_LABEL[e.ts]} (${e.summary})`);
  }
  return failures;
}

/** Builds the report from per-fixture drift. */
export function driftReport(
  entries: readonly FixtureDrift[],
  fixtures: readonly Fixture[],
  replayedWith: WorkerDoc,
  options: DriftOptions,
): DriftReport {
  const torchCounts = Object.fromEntries(TORCH_DRIFTS.map((k) => [k, 0])) as Record<TorchDrift, number>;
  const tsCounts = Object.fromEntries(TS_DRIFTS.map((k) => [k, 0])) as Record<TsDrift, number>;
  for (const e of entries) {
    torchCounts[e.torch]++;
    tsCounts[e.ts]++;
  }
  const recorded = new Map<string, WorkerDoc>();
  for (const f of fixtures) {
    const { worker } = f.provenance;
    recorded.set(
      `${worker.torch_version}|${worker.config_digest}|${worker.cpu_capability}|${worker.num_threads}|${worker.init_fingerprint.model}|${hardwareOf(worker)}`,
      worker,
    );
  }
  return {
    generated_at: (options.now ?? new Date()).toISOString(),
    pinned_torch: options.pinnedTorch,
    recorded_with: [...recorded.values()],
    replayed_with: replayedWith,
    hardware_note: hardwareNote([...recorded.values()], replayedWith),
    fixtures: entries.length,
    counts: { torch: torchCounts, ts: tsCounts },
    failures: driftFailures(entries),
    entries,
  };
}

/**
 * Replays every fixture's case (and float32 shadow) through the bridge's torch and classifies it.
 * Worker failures become `no-answer` entries; nothing here throws for a difference.
 */
export async function driftFixtures(bridge: TorchBridge, stored: readonly StoredFixture[], options: DriftOptions): Promise<DriftRun> {
  const answers = await askTorch(
    bridge,
    stored.map((s) => s.fixture.case),
  );
  const replayedWith = workerDoc(bridge.handshake);
  const entries: FixtureDrift[] = [];
  for (const [i, s] of stored.entries()) entries.push(await fixtureDrift(s, answers[i]!, replayedWith.torch_version, options));
  return {
    report: driftReport(
      entries,
      stored.map((s) => s.fixture),
      replayedWith,
      options,
    ),
    answers,
  };
}
