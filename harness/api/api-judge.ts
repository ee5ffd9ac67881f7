// The judge of API cases: exact equality of canonical values, errors by type and message, warnings in order.
import type { Difference } from '../parity/difference.js';
import type { ErrorOutcome } from '../parity/outcome.js';
import type { ApiResult } from './api-result.js';
import { type CanonicalValue, floatFromBits } from './canonical-value.js';

/**
 * Note [API error normalisation]: the one place torch's text is adjusted before comparison. Empty
 * today: every target's errors are mirrored byte for byte (style.md rule 7). A target whose torch
 * message embeds Python-only text (an object address, a traceback path) adds its rewrite here, with
 * the torch behaviour it stands for.
 */
export function normaliseApiError(error: ErrorOutcome): ErrorOutcome {
  return error;
}

/** The differences between TS's and torch's answers to one API case; empty when they agree exactly. */
export function judgeApi(ts: ApiResult, torch: ApiResult): Difference[] {
  const differences: Difference[] = [];
  const tsError = 'error' in ts ? normaliseApiError(ts.error) : null;
  const torchError = 'error' in torch ? normaliseApiError(torch.error) : null;
  if (tsError !== null || torchError !== null) {
    if (tsError?.type !== torchError?.type || tsError?.message !== torchError?.message) {
      differences.push({ kind: 'error-mismatch', actual: tsError, expected: torchError });
    }
  } else if ('value' in ts && 'value' in torch) {
    const first = firstDifference(ts.value, torch.value, 'value');
    if (first !== null) differences.push(first);
  }
  if (ts.warnings.length !== torch.warnings.length || ts.warnings.some((w, i) => w !== torch.warnings[i])) {
    differences.push({ kind: 'warnings', actual: ts.warnings, expected: torch.warnings });
  }
  return differences;
}

type Node = Exclude<CanonicalValue, null | boolean | number | string | readonly CanonicalValue[]>;

function isRecord(value: CanonicalValue): value is Node {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The first place (depth first, keys sorted) where two canonical values differ, or null. */
function firstDifference(actual: CanonicalValue, expected: CanonicalValue, path: string, dtype = ''): Difference | null {
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return valueDifference(`${path}.length`, actual.length, expected.length, dtype);
    for (let i = 0; i < actual.length; i++) {
      const d = firstDifference(actual[i]!, expected[i]!, `${path}[${i}]`, dtype);
      if (d !== null) return d;
    }
    return null;
  }
  if (isRecord(actual) && isRecord(expected)) {
    const a = actual as Readonly<Record<string, CanonicalValue>>;
    const e = expected as Readonly<Record<string, CanonicalValue>>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(e)])].sort();
    const inner = typeof e.dtype === 'string' ? e.dtype : dtype;
    for (const key of keys) {
      if (!(key in a) || !(key in e))
        return valueDifference(`${path}.${key}`, key in a ? a[key]! : '(absent)', key in e ? e[key]! : '(absent)', inner);
      const d = firstDifference(a[key]!, e[key]!, `${path}.${key}`, inner);
      if (d !== null) return d;
    }
    return null;
  }
  return actual === expected ? null : valueDifference(path, actual, expected, dtype);
}

function valueDifference(path: string, actual: CanonicalValue, expected: CanonicalValue, dtype: string): Difference {
  return { kind: 'api-value', path, actual: readable(path, actual, dtype), expected: readable(path, expected, dtype) };
}

/** A leaf as a report prints it: float bits with the number they stand for, integer bits as the integer. */
function readable(path: string, value: CanonicalValue, dtype: string): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  if (/\.float$/.test(path)) return `${value} (${floatFromBits(value)})`;
  if (!/\.bits\[\d+\]$/.test(path)) return JSON.stringify(value);
  if (dtype === 'float32' || dtype === 'float64') return `${value} (${floatFromBits(value)})`;
  return `${value} (${BigInt.asIntN(64, BigInt(`0x${value}`))})`;
}
