// Rounding sensitivity: how far a case's outputs move when its weights move by a few ULP (TS only, no torch).
import { Tensor } from '../src/index.js';
import type { Sensitivity } from './compare.js';
import { type ParityCase, type RNNFactory, runTs, weightsOf } from './parity-case.js';

/** Relative nudge per weight, in ULPs of the case's dtype: the size of a reordered dot product's rounding. */
const NUDGE_ULPS = 8;
const EPSILON = { float32: 2 ** -23, float64: 2 ** -52 } as const;
const TRIALS = 2;

/** A deterministic ±1 per element and trial, so sensitivity is reproducible. */
function sign(index: number, trial: number): number {
  return (Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(trial, 0x85ebca6b)) & 1 ? 1 : -1;
}

/**
 * Per tensor, the largest move of any element over a few runs with every weight multiplied by
 * (1 ± NUDGE_ULPS·ε) of the case's dtype. See Note [rounding sensitivity] in harness/compare.ts.
 * @returns an empty record for cases that fail (errors have no sensitivity).
 */
export function roundingSensitivity(c: ParityCase, factory?: RNNFactory): Sensitivity {
  const base = runTs(c, factory);
  if (base.error !== null) return {};
  const weights = weightsOf(c);
  const nudge = NUDGE_ULPS * EPSILON[c.dtype];
  const worst: Record<string, number> = {};
  for (let trial = 1; trial <= TRIALS; trial++) {
    const stateDict: Record<string, Tensor> = {};
    let offset = 0;
    for (const [name, w] of Object.entries(weights)) {
      stateDict[name] = Tensor.fromFlat(Array.from(w.data, (v, i) => v * (1 + sign(offset + i, trial) * nudge)), w.shape, w.dtype);
      offset += w.size;
    }
    const moved = runTs({ ...c, init: { stateDict }, wantWeights: false }, factory);
    for (const [name, tensor] of Object.entries(base.tensors)) {
      const other = moved.tensors[name];
      if (other === undefined || name.startsWith('weights.')) continue;
      let max = worst[name] ?? 0;
      for (let i = 0; i < tensor.size; i++) {
        const d = Math.abs(tensor.data[i]! - other.data[i]!);
        if (Number.isFinite(d) && d > max) max = d;
      }
      worst[name] = max;
    }
  }
  return worst;
}
