// Histograms of how far TS was from torch: per-tensor max ULP and max relative difference per case, by dtype and tensor kind.
import type { DType } from '../../src/index.js';
import { type TensorErrorStats, type TensorKind, tensorKind } from '../parity/compare.js';

/**
 * Counts keyed by a log2 bucket: `"zero"` for exactly 0, otherwise `"k"` for values in [2^k, 2^(k+1)).
 * Log buckets keep a campaign of millions of cases at a few dozen numbers per histogram, and ULP
 * distances span 0 to 2^63, where linear buckets would say nothing.
 */
export type Log2Counts = Record<string, number>;

/** One histogram pair per dtype and tensor kind: how many tensors had their max ULP / max rel in each bucket. */
export type DifferenceHistograms = Record<DType, Record<TensorKind, { readonly ulps: Log2Counts; readonly rel: Log2Counts }>>;

export function emptyHistograms(): DifferenceHistograms {
  const pair = () => ({ ulps: {}, rel: {} });
  return {
    float32: { forward: pair(), gradient: pair(), exact: pair() },
    float64: { forward: pair(), gradient: pair(), exact: pair() },
  };
}

/** The bucket a non-negative value falls into; non-finite values get their own bucket rather than vanishing. */
export function log2Bucket(value: number): string {
  if (value === 0) return 'zero';
  if (!Number.isFinite(value)) return 'inf';
  return String(Math.floor(Math.log2(value)));
}

/** Adds one case's per-tensor statistics (harness/parity/compare.ts) to the histograms. */
export function recordDifferences(histograms: DifferenceHistograms, dtype: DType, stats: Readonly<Record<string, TensorErrorStats>>): void {
  for (const [name, s] of Object.entries(stats)) {
    const slot = histograms[dtype][tensorKind(name)];
    const ulp = log2Bucket(s.maxUlps);
    const rel = log2Bucket(s.maxRel);
    slot.ulps[ulp] = (slot.ulps[ulp] ?? 0) + 1;
    slot.rel[rel] = (slot.rel[rel] ?? 0) + 1;
  }
}

/** Bucket keys in numeric order (`zero` first, `inf` last), for plotting. */
export function sortedBuckets(keys: Iterable<string>): string[] {
  const rank = (k: string): number => (k === 'zero' ? -Infinity : k === 'inf' ? Infinity : Number(k));
  return [...new Set(keys)].sort((a, b) => rank(a) - rank(b));
}

/** A bucket key as a reader sees it: `0`, `2^3…2^4`, `∞`. */
export function bucketLabel(key: string): string {
  if (key === 'zero') return '0';
  if (key === 'inf') return '∞';
  return `2^${key}`;
}
