// The domain shrinker: greedy simplification of a failing case until every simpler case passes.
import type { ParityCase } from '../parity/parity-case.js';
import { type CaseSize, caseSize, simplifications } from './case-simplifications.js';
import type { CaseFailure, ShrinkStart } from './failures.js';

/** Runs cases through torch and TS and judges them; returns the failures (their `case` is the one given). */
export type CaseCheck = (cases: readonly ParityCase[]) => Promise<readonly CaseFailure[]>;

/** What the domain shrinker did with one failure. */
export interface DomainShrink {
  readonly failure: CaseFailure;
  /** Simplifications kept, in order (each one a case that still failed). */
  readonly steps: readonly string[];
  /** Candidate cases run. */
  readonly tried: number;
  /** True when it stopped because every simplification passed; false when the time ran out. */
  readonly localMinimum: boolean;
  readonly initialSize: CaseSize;
  readonly finalSize: CaseSize;
}

/** Candidates per worker request: the first failing one in a request is kept, so later requests are often saved. */
const CHUNK = 16;

/**
 * Greedy domain shrinking (Hypothesis's shrink passes, in miniature): run the case's simplifications
 * (harness/explore/case-simplifications.ts, most reducing first) in requests of {@link CHUNK}, keep the
 * first that still fails under the same judging, and start again from it; stop when a whole round
 * passes (a local minimum: every simpler case passes) or at `deadline` (performance.now() time).
 * It shrinks what fast-check cannot: corpus cases replayed as examples, failures answered after the
 * budget closed, and what fast-check's own shrinking left large.
 */
export async function shrinkFailure(start: CaseFailure, check: CaseCheck, deadline: number): Promise<DomainShrink> {
  let current = start;
  const steps: string[] = [];
  let tried = 0;
  let localMinimum = false;
  outer: while (performance.now() < deadline) {
    const candidates = simplifications(current.case);
    for (let from = 0; from < candidates.length; from += CHUNK) {
      if (performance.now() >= deadline) break outer;
      const chunk = candidates.slice(from, from + CHUNK);
      tried += chunk.length;
      const failures = await check(chunk.map((s) => s.case));
      const first = chunk.findIndex((s) => failures.some((f) => f.case === s.case));
      if (first >= 0) {
        current = failures.find((f) => f.case === chunk[first]!.case)!;
        steps.push(chunk[first]!.name);
        continue outer;
      }
    }
    localMinimum = true;
    break;
  }
  return { failure: current, steps, tried, localMinimum, initialSize: caseSize(start.case), finalSize: caseSize(current.case) };
}

/** The report's account of the shrunk failure: where it started, how far it was shrunk, and its size. */
export interface ShrinkSummary {
  readonly startedFrom: string;
  /** Exploration cases run until the first failure (corpus examples included). */
  readonly casesToFind: number;
  /** fast-check's shrinks (0 for a corpus case or a late failure, which fast-check cannot shrink). */
  readonly fastCheckShrinks: number;
  /** Simplifications the domain shrinker kept, and their names. */
  readonly domainSteps: number;
  readonly steps: readonly string[];
  readonly tried: number;
  readonly localMinimum: boolean;
  readonly initialSize: CaseSize;
  readonly finalSize: CaseSize;
}

/** How a start reads in reports and fixtures. */
export function describeStart(start: ShrinkStart): string {
  return start.kind === 'corpus' ? `corpus example ${start.example}` : start.kind;
}

/**
 * Shrinks each failure with {@link shrinkFailure} until `deadline`, marking each with where it
 * started (the first `limit` failures; the rest stay as found). Returns the shrunk failures and the
 * account of the first.
 */
export async function shrinkFailures(
  failures: readonly CaseFailure[],
  start: (failure: CaseFailure) => ShrinkStart,
  check: CaseCheck,
  deadline: number,
  found: { readonly casesToFind: number; readonly fastCheckShrinks: number },
  limit = 4,
): Promise<{ failures: CaseFailure[]; summary: ShrinkSummary | null }> {
  const out: CaseFailure[] = [];
  let summary: ShrinkSummary | null = null;
  for (const [i, failure] of failures.entries()) {
    if (i >= limit) {
      out.push(failure);
      continue;
    }
    const from = start(failure);
    const shrunk = await shrinkFailure(failure, check, deadline);
    const result: CaseFailure = { ...shrunk.failure, shrunkFrom: { start: from, startCase: failure.case, steps: shrunk.steps } };
    out.push(result);
    summary ??= {
      startedFrom: describeStart(from),
      casesToFind: found.casesToFind,
      fastCheckShrinks: from.kind === 'random exploration' ? found.fastCheckShrinks : 0,
      domainSteps: shrunk.steps.length,
      steps: shrunk.steps,
      tried: shrunk.tried,
      localMinimum: shrunk.localMinimum,
      initialSize: shrunk.initialSize,
      finalSize: shrunk.finalSize,
    };
  }
  return { failures: out, summary };
}
