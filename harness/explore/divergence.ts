// Where a failing case diverges: every differing element of its differing tensors, in torch's terms (layer, direction, t, batch, unit).

import { locate } from '../parity/locate.js';
import { layoutOf } from '../parity/parity-case.js';
import { ulpDistance } from '../parity/ulp.js';
import type { CaseFailure } from './failures.js';
import type { DivergencePoint } from './report-schema.js';

/** Enough points to see a pattern across t and unit, few enough to keep a report small. */
const MAX_POINTS_PER_TENSOR = 400;

/**
 * Scans the tensors a failure's comparison named (values, non-finite and rounding-point differences)
 * element by element against torch's. The comparison itself keeps only the first bad element; the
 * report's picture needs all.
 */
export function divergenceOf(failure: CaseFailure): DivergencePoint[] {
  const layout = layoutOf(failure.case);
  const names = new Set<string>();
  for (const d of failure.comparison.differences)
    if (d.kind === 'values' || d.kind === 'non-finite' || d.kind === 'rounding-point') names.add(d.tensor);
  const points: DivergencePoint[] = [];
  for (const name of names) {
    const ts = failure.ts.tensors[name];
    const torch = failure.torch.tensors[name];
    if (ts === undefined || torch === undefined || ts.data.length !== torch.data.length) continue;
    const here: DivergencePoint[] = [];
    for (let i = 0; i < ts.data.length; i++) {
      const a = ts.data[i]!;
      const e = torch.data[i]!;
      if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
      // NaN against a number has no ULP distance: rank it above every finite one.
      const ulps = Number.isNaN(a) || Number.isNaN(e) ? Number.MAX_VALUE : ulpDistance(a, e, torch.dtype);
      here.push({ tensor: name, ...coordinates(locate(name, i, torch, layout)), ts: finite(a), torch: finite(e), ulps });
    }
    here.sort((p, q) => q.ulps - p.ulps);
    points.push(...here.slice(0, MAX_POINTS_PER_TENSOR));
  }
  return points;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Reads locate()'s text back into fields: `layer 1, reverse, unit 3, t=2, batch 0`, `layer 0,
 * forward, batch 1, unit 2` (h_n), `…, t=4, sorted batch 1` (packed); `grad.weight_ih_l0[2, 1]` has none.
 */
export function coordinates(where: string): Pick<DivergencePoint, 'where' | 'layer' | 'direction' | 't' | 'batch' | 'unit'> {
  const int = (re: RegExp): number | null => {
    const m = re.exec(where);
    return m === null ? null : Number(m[1]);
  };
  const direction = /\b(forward|reverse)\b/.exec(where)?.[1];
  return {
    where,
    layer: int(/\blayer (\d+)/),
    direction: direction === 'forward' || direction === 'reverse' ? direction : null,
    t: int(/\bt=(\d+)/),
    batch: int(/\bbatch (\d+)/),
    unit: int(/\bunit (\d+)/),
  };
}
