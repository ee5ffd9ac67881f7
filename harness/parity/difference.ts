// How a TS outcome differs from torch's, and one readable line per difference for reports and test failures.
import type { DType } from '../../src/index.js';
import type { ErrorOutcome } from './outcome.js';

/** The first element that broke the comparison, with everything needed to read the report. */
export interface ElementMismatch {
  readonly index: number;
  /** The element's position decoded into torch's terms, e.g. `layer 1, reverse, t=2, batch 0, unit 3`. */
  readonly where: string;
  readonly actual: number;
  readonly expected: number;
  readonly absError: number;
  readonly relError: number;
  readonly ulps: number;
}

/** One way the TS outcome differs from torch's. */
export type Difference =
  | { readonly kind: 'error-mismatch'; readonly actual: ErrorOutcome | null; readonly expected: ErrorOutcome | null }
  | { readonly kind: 'warnings'; readonly actual: readonly string[]; readonly expected: readonly string[] }
  | { readonly kind: 'missing'; readonly tensor: string; readonly side: 'ts' | 'torch' }
  | { readonly kind: 'shape'; readonly tensor: string; readonly actual: readonly number[]; readonly expected: readonly number[] }
  | { readonly kind: 'dtype'; readonly tensor: string; readonly actual: DType; readonly expected: DType }
  | { readonly kind: 'non-finite'; readonly tensor: string; readonly mismatch: ElementMismatch }
  | {
      readonly kind: 'values';
      readonly tensor: string;
      readonly mismatch: ElementMismatch;
      readonly count: number;
      readonly needs: 'shadow' | 'sensitivity' | null;
    }
  /**
   * The float32 forward differs from the rounding-point reference (python/rounding_reference.py): TS
   * rounds to float32 somewhere torch does not materialise a float32 value, or skips a point where it does.
   */
  | {
      readonly kind: 'rounding-point';
      readonly tensor: string;
      readonly mismatch: ElementMismatch;
      readonly count: number;
      readonly budgetUlps: number;
    }
  /** An API case's canonical values differ first at `path` (harness/api/api-judge.ts); leaves as printed. */
  | { readonly kind: 'api-value'; readonly path: string; readonly actual: string; readonly expected: string }
  /** The harness itself failed on the case (running, judging or localising it threw): reported, never swallowed. */
  | { readonly kind: 'harness-error'; readonly message: string };
/** A one-paragraph, human-readable account of a difference. */
export function formatDifference(difference: Difference): string {
  switch (difference.kind) {
    case 'error-mismatch':
      return `error: TS ${formatError(difference.actual)} vs torch ${formatError(difference.expected)}`;
    case 'harness-error':
      return `harness error: ${difference.message}`;
    case 'rounding-point': {
      const m = difference.mismatch;
      // A few ULP is a rounding point skipped or added; more is a wrong value the tier saw first.
      const why = m.ulps <= 4 ? 'TS rounds float32 elsewhere than torch materialises it' : "TS's value is not torch's forward";
      return `${difference.tensor} at ${m.where} [flat ${m.index}]: TS ${m.actual} vs the rounding-point reference ${m.expected}, ${m.ulps} ULP (${difference.count} elements beyond ${difference.budgetUlps} ULP): ${why}`;
    }
    case 'api-value':
      return `${difference.path}: TS ${difference.actual} vs torch ${difference.expected}`;
    case 'warnings':
      return `warnings: TS ${JSON.stringify(difference.actual)} vs torch ${JSON.stringify(difference.expected)}`;
    case 'missing':
      return `${difference.tensor}: produced only by ${difference.side === 'ts' ? 'torch' : 'TS'}`;
    case 'shape':
      return `${difference.tensor}: shape TS [${difference.actual.join(', ')}] vs torch [${difference.expected.join(', ')}]`;
    case 'dtype':
      return `${difference.tensor}: dtype TS ${difference.actual} vs torch ${difference.expected}`;
    case 'non-finite':
    case 'values': {
      const m = difference.mismatch;
      const count =
        difference.kind === 'values'
          ? ` (${difference.count} elements beyond budget${difference.needs === null ? '' : `; ${difference.needs} needed`})`
          : '';
      return `${difference.tensor} at ${m.where} [flat ${m.index}]: TS ${m.actual} vs torch ${m.expected}; abs ${m.absError.toExponential(3)}, rel ${m.relError.toExponential(3)}, ${m.ulps} ULP${count}`;
    }
  }
}

function formatError(error: ErrorOutcome | null): string {
  return error === null ? 'no error' : `${error.type}: ${JSON.stringify(error.message)}`;
}
