// Campaign: fast-check explores cases in batches, real torch judges each one, and a failure shrinks to a minimal case.
import fc from 'fast-check';
import type { DType } from '../../src/index.js';
import { parityCase, supplementCase } from './arbitraries.js';
import { type ApiCase, type CampaignCase, isApiCase } from '../api/api-case.js';
import type { ApiResult } from '../api/api-result.js';
import type { ApiTarget } from '../api/api-target.js';
import { apiTargets } from '../api/targets.js';
import { checkApiBatch } from './api-batch.js';
import { TorchBridge } from '../worker/bridge.js';
import { type Comparison, type JudgeEntry, type JudgedBy, type Verdict, judgeCases, tensorKind } from '../parity/compare.js';
import { roundingTierApplies } from '../parity/rounding-tier.js';
import type { Outcome } from '../parity/outcome.js';
import { formatDifference } from '../parity/difference.js';
import { CoverageLedger, type CoverageSummary } from './coverage.js';
import { liveShadows } from '../parity/live-shadows.js';
import {
  type ParityCase,
  type RNNFactory,
  outcomeFromWire,
  referenceFactory,
  referenceInitRounding,
  roundingReferenceFromWire,
} from '../parity/parity-case.js';
import type { Handshake, UnansweredStatus } from '../worker/protocol.js';
import {
  type CampaignFailure,
  type CampaignPhase,
  type CaseFailure,
  type UnansweredCase,
  type WorkerFailure,
  isApiFailure,
  unansweredCase,
} from './failures.js';
import { localiseFailure } from './localise.js';
import { type DifferenceHistograms, emptyHistograms, recordDifferences } from './histogram.js';
import { type Shard, inShard } from './shard.js';
import { type ShrinkSummary, shrinkFailures } from './shrink-case.js';
import { type CaseRunner, singleWorker } from '../parity/case-pool.js';

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  readonly bridge: TorchBridge;
  /** fast-check seed; printed in every report so a run can be repeated. */
  readonly seed: number;
  /** Most property runs (batches). Default 10 000: the time budget usually ends a run first. */
  readonly numRuns?: number;
  /** Wall-time budget for exploration in ms. Default 60 s. */
  readonly budgetMs?: number;
  /** Wall-time limit for shrinking a failure, on top of the budget. Default 120 s. */
  readonly shrinkBudgetMs?: number;
  /** Most cases per batch (one worker request). Default 32. */
  readonly maxBatch?: number;
  /** Fewer executed cases than this fails the campaign (a tripwire against silent no-op runs). Default 50. */
  readonly minCases?: number;
  /** Builds the module under test (planted-bug tests swap it). With a `pool`, the pool's factory is used and this must be absent. */
  readonly factory?: RNNFactory;
  /**
   * Runs the batches: N torch workers and the TS side in threads (harness/parity/case-pool.ts); its
   * worker 0 is `bridge`. Default: `bridge` alone, TS on this thread. See Note [pool determinism].
   */
  readonly pool?: CaseRunner;
  readonly arbitrary?: fc.Arbitrary<CampaignCase>;
  /**
   * Cases drawn beside each batch of `arbitrary`'s (Note [campaign supplement]); null for none. Default:
   * API cases and packed-unsorted-gradient RNN cases (arbitraries.ts supplementCase) when `arbitrary`
   * is the default, none when a caller gives its own `arbitrary`.
   */
  readonly supplement?: fc.Arbitrary<CampaignCase> | null;
  /** The API targets API cases are run with (planted-bug tests swap one). Default: the registry, harness/api/targets.ts. */
  readonly apiTargets?: readonly ApiTarget[];
  /** Cases replayed first, before anything random (the golden corpus). */
  readonly examples?: readonly CampaignCase[];
  /** fast-check path to replay one exact counterexample. */
  readonly path?: string;
  readonly onProgress?: (progress: CampaignProgress) => void;
  /** Runs checked at once while exploring (Note [pipelined exploration]); 1 is one at a time. Default 3. */
  readonly pipelineDepth?: number;
  /** Explore (and replay examples of) only this shard's cases; see Note [sharding by content hash]. */
  readonly shard?: Shard | null;
  /**
   * The quarantine rule (its id) that deliberately expects an unanswered case, or null. An unanswered
   * case no rule covers makes the campaign INCOMPLETE.
   */
  readonly quarantine?: (failure: Pick<WorkerFailure, 'case' | 'status' | 'error'>) => string | null;
}

export interface CampaignProgress {
  readonly cases: number;
  readonly elapsedMs: number;
  readonly failures: number;
  readonly shrinking: boolean;
}

/** Largest TS-vs-torch error seen per dtype and tensor kind. */
export type LargestErrors = Record<
  DType,
  Record<'forward' | 'gradient' | 'exact', { maxAbs: number; maxRel: number; maxUlps: number; tensor: string }>
>;

/**
 * PASS: every explored case was answered by torch and judged equal. FAIL: a mismatch, or a problem
 * (tripwire, harness error). INCOMPLETE: no mismatch, but a case went unanswered and no quarantine
 * rule expects it — never a PASS.
 */
export type CampaignStatus = 'PASS' | 'FAIL' | 'INCOMPLETE';

/** Where every case went: `cases` = `compared` + `unanswered`, at any moment of a run. */
export interface CaseAccount {
  readonly cases: number;
  readonly compared: number;
  readonly unanswered: number;
}

export interface CampaignReport {
  readonly seed: number;
  /** The part of the seed's case stream this run explored; null for all of it. */
  readonly shard: Shard | null;
  readonly status: CampaignStatus;
  /** status === 'PASS'. */
  readonly passed: boolean;
  readonly casesExplored: number;
  readonly casesInShrinking: number;
  /** Exploration (including cases answered after the budget closed) and shrinking, each accounted for. */
  readonly accounting: { readonly exploration: CaseAccount; readonly shrinking: CaseAccount; readonly quarantined: number };
  /** Worker restarts, and unanswered case results by cause, over the whole run. */
  readonly worker: { readonly restarts: number; readonly unanswered: Readonly<Record<UnansweredStatus, number>> };
  readonly batches: number;
  readonly elapsedMs: number;
  readonly casesPerSecond: number;
  readonly minCases: number;
  /** The shrunk counterexample's failing cases (empty when passed). */
  readonly failures: readonly CampaignFailure[];
  readonly fastCheck: { readonly seed: number; readonly path: string | null; readonly numRuns: number; readonly shrinks: number } | null;
  /** Where the (first) failure started, cases to find it, shrink steps and final size; null when nothing failed. */
  readonly shrink: ShrinkSummary | null;
  readonly workerFailures: readonly WorkerFailure[];
  readonly coverage: CoverageSummary;
  /** Over cases the budget settled on its own: how close TS is to torch on well-conditioned cases. */
  readonly largestErrors: LargestErrors;
  /** Over every case, the judged ones (ill-conditioned, overflowing) included. */
  readonly largestErrorsAll: LargestErrors;
  /** Per-tensor max ULP and max rel of every answered case, bucketed by log2 (the report's distributions). */
  readonly differences: DifferenceHistograms;
  /** How many valid cases each judge settled. */
  readonly judged: Readonly<Record<JudgedBy, number>>;
  readonly torch: Handshake;
  /** Whether train-mode dropout masks were compared exactly (the worker reproduces torch's masks). */
  readonly exactDropout: boolean;
  /** Why the campaign failed other than by a mismatch (tripwire, harness error). */
  readonly problems: readonly string[];
}

/** Runs in flight at once while exploring; see Note [pipelined exploration]. */
const PIPELINE_DEPTH = 3;

/** The domain shrinker's least time after fast-check's shrinking used up the shrink budget. */
const DOMAIN_SHRINK_MIN_MS = 10_000;

/** The outcome of checking one batch: its failures, and what torch said for each case. */
interface BatchCheck {
  readonly failures: CaseFailure[];
}

/**
 * Runs one batch: torch in the worker(s) while TS computes (here, or in a pool's threads), then judges
 * every answered case in one call to harness/parity/compare.ts (which asks worker 0 for float64
 * shadows where it needs them).
 */
export async function checkBatch(
  on: TorchBridge | CaseRunner,
  cases: readonly ParityCase[],
  factory: RNNFactory = on instanceof TorchBridge ? referenceFactory(on.handshake) : on.factory,
  observe: (c: ParityCase, torch: Outcome, comparison: Comparison, judged: JudgedBy) => void = () => {},
  onWorkerFailure: (failure: UnansweredCase) => void = () => {},
  asksRoundingReference: (c: ParityCase) => boolean = roundingTierApplies,
): Promise<BatchCheck> {
  const runner = on instanceof TorchBridge ? singleWorker(on, factory) : on;
  const { torch: results, ts: tsOutcomes } = await runner.run(cases, asksRoundingReference);
  const entries: JudgeEntry[] = [];
  cases.forEach((c, i) => {
    const torch = outcomeFromWire(results[i]!);
    if (torch === null) {
      onWorkerFailure(unansweredCase(c, results[i]!));
      return;
    }
    entries.push({ case: c, ts: tsOutcomes[i]!, torch, roundingReference: roundingReferenceFromWire(c, results[i]!) });
  });
  let verdicts: Verdict[];
  try {
    verdicts = await judgeCases(entries, { shadows: liveShadows(runner.bridge), factory });
  } catch (error) {
    // Judging must never end a campaign: a case the harness could not judge is a failure of that case.
    verdicts = entries.map(() => harnessErrorVerdict(error));
  }
  const failures: CaseFailure[] = [];
  entries.forEach((entry, i) => {
    const verdict = verdicts[i]!;
    observe(entry.case, entry.torch, verdict.comparison, verdict.judgedBy);
    if (!verdict.passed) {
      failures.push({
        case: entry.case,
        torch: entry.torch,
        ts: entry.ts,
        shadow: verdict.shadow,
        comparison: verdict.comparison,
        report: verdict.comparison.differences.map(formatDifference),
      });
    }
  });
  return { failures };
}

/** The verdict for cases whose judging threw: a harness error is reported against the case, never swallowed. */
function harnessErrorVerdict(error: unknown): Verdict {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const comparison: Comparison = { equal: false, differences: [{ kind: 'harness-error', message: `judging the case threw ${message}` }], stats: {} };
  return { passed: false, comparison, judgedBy: 'budget', shadow: null, reason: comparison.differences.map(formatDifference)[0]! };
}

function emptyLargest(): LargestErrors {
  const zero = () => ({ maxAbs: 0, maxRel: 0, maxUlps: 0, tensor: '' });
  return {
    float32: { forward: zero(), gradient: zero(), exact: zero() },
    float64: { forward: zero(), gradient: zero(), exact: zero() },
  };
}

// Note [campaign supplement]
// Each run of the campaign property draws a tuple: the batch of RNN cases exactly as before API
// targets existed, then a short list of supplement cases (API cases, and RNN corners random drawing
// rarely reaches). fast-check draws a tuple's parts in order from the run's own random stream, so
// the RNN batch of every run, and the shrinking of an RNN failure (a tuple shrinks its first part
// first), are the same as without the supplement: RNN bugs are found and shrunk as they were,
// while the supplement adds cases (up to one per four of the batch) rather than displacing them.
// One per four, not eight: API targets are cheap and many, and at one per eight the rarer API corners
// (an LSTM with train(false), a prefix without its dot) took over 2,000 cases to reach.

/**
 * Explores random cases for the time budget, in batches of up to `maxBatch` cases per worker
 * request. The property is "every case in the batch matches torch", so fast-check's shrinking
 * removes passing cases and simplifies the failing one down to a minimal counterexample.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const budgetMs = options.budgetMs ?? 60_000;
  const minCases = options.minCases ?? 50;
  const maxBatch = options.maxBatch ?? 32;
  // Train-mode dropout is compared exactly only where the reference torch draws masks as ours do
  // (spec §3.4; the handshake measures it). Elsewhere such cases run in eval mode here, and dropout
  // is held to its statistics instead (test/unit/dropout.test.ts).
  const exactDropout = options.bridge.handshake.dropout_model === 'mt19937-bernoulli';
  // Seeded cases draw their weights as the reference torch does (fused or unfused uniform_).
  if (options.pool !== undefined && options.factory !== undefined)
    throw new Error('BUG: with a pool, pass the factory to the pool (by module), not to the campaign');
  const factory = options.pool?.factory ?? options.factory ?? referenceFactory(options.bridge.handshake);
  const runner = options.pool ?? singleWorker(options.bridge, factory);
  const targets = options.apiTargets ?? apiTargets(referenceInitRounding(options.bridge.handshake));
  const evalUnlessExact = (c: CampaignCase): CampaignCase =>
    isApiCase(c) || exactDropout || !c.training ? c : { ...c, training: false, forwardSeed: null };
  const arbitrary = (options.arbitrary ?? parityCase()).map(evalUnlessExact);
  const supplementArbitrary =
    options.supplement === undefined ? (options.arbitrary === undefined ? supplementCase(targets) : null) : options.supplement;
  const supplement = supplementArbitrary === null ? null : supplementArbitrary.map(evalUnlessExact);
  const ledger = new CoverageLedger();
  const largest = emptyLargest();
  const workerFailures: WorkerFailure[] = [];
  const start = performance.now();
  let batches = 0;

  const largestAll = emptyLargest();
  const judged: Record<JudgedBy, number> = { budget: 0, shadow: 0, sensitivity: 0 };
  const differences = emptyHistograms();
  const observeApi = (c: ApiCase, exports: readonly string[], torch: ApiResult): void => ledger.recordApi(c, exports, torch);
  const observe = (c: ParityCase, torch: Outcome, comparison: Comparison, how: JudgedBy): void => {
    ledger.record(c, torch);
    if (torch.error === null) judged[how]++;
    recordDifferences(differences, c.dtype, comparison.stats);
    for (const table of how === 'budget' ? [largest, largestAll] : [largestAll]) {
      for (const [name, stats] of Object.entries(comparison.stats)) {
        const slot = table[c.dtype][tensorKind(name)];
        if (stats.maxAbs > slot.maxAbs || slot.tensor === '') Object.assign(slot, { maxAbs: Math.max(slot.maxAbs, stats.maxAbs), tensor: name });
        slot.maxRel = Math.max(slot.maxRel, stats.maxRel);
        slot.maxUlps = Math.max(slot.maxUlps, stats.maxUlps);
      }
    }
  };

  let shrinking = false;
  // fast-check's time limit can return while runs are still awaiting torch; they are still counted
  // and judged when their answers arrive, and the campaign waits for them before the bridge is stopped.
  const exploreAccount: { cases: number; compared: number; unanswered: number } = { cases: 0, compared: 0, unanswered: 0 };
  const shrinkAccount: { cases: number; compared: number; unanswered: number } = { cases: 0, compared: 0, unanswered: 0 };
  const unansweredBefore = runner.unanswered;
  const restartsBefore = runner.restarts;
  // See Note [campaign supplement].
  const extras = supplement === null ? fc.constant<CampaignCase[]>([]) : fc.array(supplement, { maxLength: Math.max(1, Math.ceil(maxBatch / 4)) });
  const runArbitrary = fc.tuple(fc.array(arbitrary, { minLength: 1, maxLength: maxBatch }), extras);

  /** Checks one run's cases (this shard's only, while exploring) and returns its failures; never throws for a mismatch. */
  const checkRun = async (drawn: readonly CampaignCase[], inShrinkPhase: boolean): Promise<{ cases: number; failures: CampaignFailure[] }> => {
    // See Note [sharding by content hash]: exploration keeps this shard's cases, shrinking keeps all.
    const cases = inShrinkPhase ? drawn : drawn.filter((c) => inShard(options.shard, c));
    if (cases.length === 0) return { cases: 0, failures: [] };
    const account = inShrinkPhase ? shrinkAccount : exploreAccount;
    batches++;
    account.cases += cases.length;
    let unansweredHere = 0;
    const onWorkerFailure = (f: UnansweredCase): void => {
      unansweredHere++;
      const phase: CampaignPhase = inShrinkPhase ? 'shrinking' : 'exploration';
      workerFailures.push({ ...f, phase, quarantinedBy: options.quarantine?.(f) ?? null });
    };
    // API cases and RNN cases of one batch go to the worker as two requests, both in flight at once.
    const apiCases = cases.filter(isApiCase);
    const rnnCases = cases.filter((c): c is ParityCase => !isApiCase(c));
    const apiCheck = apiCases.length === 0 ? null : checkApiBatch(runner, apiCases, targets, inShrinkPhase ? () => {} : observeApi, onWorkerFailure);
    const rnnCheck = rnnCases.length === 0 ? null : checkBatch(runner, rnnCases, factory, inShrinkPhase ? () => {} : observe, onWorkerFailure);
    const failures: CampaignFailure[] = [...((await rnnCheck)?.failures ?? []), ...((await apiCheck)?.failures ?? [])];
    account.unanswered += unansweredHere;
    account.compared += cases.length - unansweredHere;
    return { cases: cases.length, failures };
  };

  // Note [pipelined exploration]
  // A run's verdict takes a round trip to torch; awaited one run at a time, torch and TS each sat
  // idle over half the time (measured: worker busy 40%, main thread 42%). So exploration keeps up to
  // `pipelineDepth` runs in flight: the property starts run j and returns once run j − depth (and
  // every run before it) is judged, and fast-check draws the next run while torch works. fast-check
  // never sees an exploration verdict; the campaign keeps each run's result by its run index
  // (fast-check's path; examples first). Run j starts unless a run ≤ j − depth failed, a set of runs
  // already judged when j is drawn, so which runs start depends on the seed and depth alone, never on
  // timing or the number of workers: a failing run k is always followed by runs k+1 … k+depth−1,
  // answered and judged like any other (counted, never dropped), and then exploration stops. Phase 2
  // replays run k's path with sequential verdicts, so k shrinks exactly as fast-check would have
  // shrunk it with one run at a time: the same seed finds the same first failure at any depth.
  const depth = Math.max(1, options.pipelineDepth ?? PIPELINE_DEPTH);
  const runs: { cases: number; failures: CampaignFailure[] }[] = [];
  const judgedRuns: Promise<void>[] = [];
  let judgedPrefix = 0;
  let firstFailing = -1;
  let harnessError: unknown = null;
  // Set once fc.check returns. fast-check's time limit abandons a run still waiting for its turn (its
  // body goes on in the background): without this flag that run would start after the campaign
  // stopped waiting, counted as explored but judged after the report was made (seen: explored 118,870
  // = compared 118,866 + unanswered 0, reported PASS).
  let explorationClosed = false;
  const explore = fc.asyncProperty(runArbitrary, async ([drawn, extra]) => {
    const index = runs.length;
    runs.push({ cases: 0, failures: [] });
    while (judgedPrefix <= index - depth) await judgedRuns[judgedPrefix++];
    if (explorationClosed) return;
    // Ends phase 1; the failing run's index, not this one, is the path replayed.
    if ((firstFailing >= 0 && firstFailing <= index - depth) || harnessError !== null) throw new Error('exploration stopped at a failing run');
    judgedRuns.push(
      checkRun([...drawn, ...extra], false).then(
        (result) => {
          runs[index] = result;
          if (result.failures.length > 0 && (firstFailing < 0 || index < firstFailing)) firstFailing = index;
          options.onProgress?.({ cases: exploreAccount.cases, elapsedMs: performance.now() - start, failures: firstFailing < 0 ? 0 : 1, shrinking });
        },
        (error: unknown) => {
          harnessError ??= error;
        },
      ),
    );
  });
  let lastFailure: CampaignFailure[] = [];
  const shrinkProperty = fc.asyncProperty(runArbitrary, async ([drawn, extra]) => {
    const { failures } = await checkRun([...drawn, ...extra], true);
    options.onProgress?.({ cases: exploreAccount.cases, elapsedMs: performance.now() - start, failures: 1, shrinking });
    if (failures.length > 0) {
      lastFailure = failures;
      throw new Error(failures.flatMap((f) => f.report).join('\n'));
    }
  });

  // Phase 1 explores until the budget or the first failure; phase 2 replays that failure's path and
  // shrinks it under its own time limit, so a late failure still gets a minimal counterexample.
  // Every shard keeps every example, so each takes the same runs and draws the same stream after
  // them; checkRun skips the examples of other shards (see Note [sharding by content hash]).
  const examples = (options.examples ?? []).map((c): [[CampaignCase[], CampaignCase[]]] => [[[c], []]]);
  const exploration = await fc.check(explore, {
    seed: options.seed,
    numRuns: options.numRuns ?? 1_000_000,
    examples,
    ...(options.path === undefined ? {} : { path: options.path }),
    endOnFailure: true,
    interruptAfterTimeLimit: budgetMs,
    markInterruptAsFailure: false,
  });
  explorationClosed = true;
  await Promise.all(judgedRuns);
  const exploredAt = performance.now();
  const casesToFind = firstFailing < 0 ? 0 : runs.slice(0, firstFailing + 1).reduce((sum, r) => sum + r.cases, 0);
  let details: fc.RunDetails<[[CampaignCase[], CampaignCase[]]]> | null = null;
  if (firstFailing >= 0 && harnessError === null) {
    shrinking = true;
    options.onProgress?.({ cases: exploreAccount.cases, elapsedMs: performance.now() - start, failures: 1, shrinking });
    // With `path`, phase 1 ran that one counterexample (and what follows it), so its runs count from there.
    const path = options.path === undefined ? String(firstFailing) : firstFailing === 0 ? options.path : null;
    if (path !== null) {
      const replay = await fc.check(shrinkProperty, {
        seed: exploration.seed,
        path,
        examples,
        interruptAfterTimeLimit: options.shrinkBudgetMs ?? 120_000,
        markInterruptAsFailure: false,
      });
      // A replay that does not fail again (a flaky answer) leaves the failure as first seen.
      if (replay.failed && lastFailure.length > 0) details = replay;
    }
  }
  const firstRun = firstFailing < 0 ? null : runs[firstFailing]!;
  // Every failure ends at a local minimum of the domain shrinker, wherever it was first seen: see
  // harness/explore/shrink-case.ts. Its candidates are accounted for as shrinking.
  const exampleIndex = new Map((options.examples ?? []).map((c, i) => [c, i]));
  // API failures are shrunk by fast-check alone (their args come from arbitraries); the domain
  // shrinker knows RNN cases.
  const found = details !== null ? lastFailure : (firstRun?.failures ?? []);
  const shrunk = await shrinkFailures(
    found.filter((f): f is CaseFailure => !isApiFailure(f)),
    (f) => {
      const example = exampleIndex.get(f.case);
      return example !== undefined ? { kind: 'corpus', example } : { kind: 'random exploration' };
    },
    async (cases) => {
      batches++;
      shrinkAccount.cases += cases.length;
      let unansweredHere = 0;
      const { failures } = await checkBatch(
        runner,
        cases,
        factory,
        () => {},
        (f) => {
          unansweredHere++;
          workerFailures.push({ ...f, phase: 'shrinking', quarantinedBy: options.quarantine?.(f) ?? null });
        },
      );
      shrinkAccount.unanswered += unansweredHere;
      shrinkAccount.compared += cases.length - unansweredHere;
      return failures;
    },
    performance.now() + Math.max(DOMAIN_SHRINK_MIN_MS, (options.shrinkBudgetMs ?? 120_000) - (performance.now() - exploredAt)),
    { casesToFind, fastCheckShrinks: details?.numShrinks ?? 0 },
  );
  const failures: CampaignFailure[] = [...shrunk.failures, ...found.filter(isApiFailure)];
  for (const failure of failures) {
    if (isApiFailure(failure)) continue; // an API case has no layers to localise
    // Localisation is a hint: if it throws, that is said in the failure's report, never raised.
    try {
      const where = await localiseFailure(runner.bridge, failure, factory);
      if (where !== null) failure.report.push(where);
    } catch (error) {
      failure.report.push(`localisation failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const elapsedMs = performance.now() - start;
  const problems: string[] = [];
  if (harnessError !== null) problems.push(`harness error: ${harnessError instanceof Error ? harnessError.message : String(harnessError)}`);
  else if (exploration.failed && firstFailing < 0) problems.push(`harness error: ${String(exploration.errorInstance ?? 'unknown')}`);
  // A failure ends exploration early on purpose: the tripwire is for runs that did nothing, and
  // firing it then would report one fault twice.
  if (failures.length === 0 && exploreAccount.cases < minCases)
    problems.push(`tripwire: only ${exploreAccount.cases} cases ran (minimum ${minCases})`);
  const quarantined = workerFailures.filter((f) => f.quarantinedBy !== null).length;
  const unexpected = workerFailures.length - quarantined;
  const status: CampaignStatus = failures.length > 0 || problems.length > 0 ? 'FAIL' : unexpected > 0 ? 'INCOMPLETE' : 'PASS';
  const unansweredNow = runner.unanswered;
  return {
    seed: options.seed,
    shard: options.shard ?? null,
    status,
    passed: status === 'PASS',
    casesExplored: exploreAccount.cases,
    casesInShrinking: shrinkAccount.cases,
    accounting: { exploration: { ...exploreAccount }, shrinking: { ...shrinkAccount }, quarantined },
    worker: {
      restarts: runner.restarts - restartsBefore,
      unanswered: Object.fromEntries(Object.entries(unansweredNow).map(([k, n]) => [k, n - unansweredBefore[k as UnansweredStatus]])) as Record<
        UnansweredStatus,
        number
      >,
    },
    batches,
    elapsedMs,
    casesPerSecond: exploreAccount.cases / (elapsedMs / 1000),
    minCases,
    failures,
    fastCheck:
      firstFailing < 0
        ? null
        : {
            seed: exploration.seed,
            path: details?.counterexamplePath ?? options.path ?? String(firstFailing),
            numRuns: firstFailing + 1,
            shrinks: details?.numShrinks ?? 0,
          },
    shrink: shrunk.summary,
    workerFailures,
    coverage: ledger.summary(),
    largestErrors: largest,
    largestErrorsAll: largestAll,
    differences,
    exactDropout,
    judged,
    torch: options.bridge.handshake,
    problems,
  };
}
