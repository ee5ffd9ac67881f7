// Which float32 cases ask the worker for the rounding-point reference (Note [rounding-point tier] in compare.ts).
import type { ParityCase } from './parity-case.js';

/**
 * The reference costs the worker a few small torch ops per step, layer and direction (several times
 * torch's fused forward), so only cases up to this many layer·direction·step recurrences ask for it:
 * a rounding point skipped anywhere shows in the smallest case, and the shrinker makes cases small.
 */
export const ROUNDING_TIER_MAX_WORK = 12;

/**
 * Whether the rounding-point tier can judge `c`: a float32 case with valid-looking sizes, no dropout
 * between layers in training mode (the reference does not draw torch's masks), and at most
 * {@link ROUNDING_TIER_MAX_WORK} recurrences. A case torch rejects simply gets no reference. Cases run
 * with `accumulation: 'float32'` sum in another order on purpose (Note [float32 fast path]), so the
 * reference, which sums in the default kernels' order, does not apply to them.
 */
export function roundingTierApplies(c: ParityCase): boolean {
  // The reference models nn.RNN's kernels only (python/rounding_reference.py); LSTM, GRU and the cells
  // are judged by the tolerance budget, the float64 shadow and the sensitivity, not this tier.
  if ((c.module ?? 'rnn') !== 'rnn') return false;
  if (c.dtype !== 'float32' || (c.accumulation ?? 'float64') !== 'float64') return false;
  const k = c.kwargs;
  const layers = k.num_layers ?? 1;
  const dropout = k.dropout ?? 0;
  if (typeof layers !== 'number' || !Number.isInteger(layers) || layers < 1) return false;
  if (c.training && (typeof dropout !== 'number' || dropout !== 0) && layers > 1) return false;
  if (c.input.ndim !== 2 && c.input.ndim !== 3) return false;
  const steps = c.input.ndim === 3 && k.batch_first === true ? c.input.shape[1]! : c.input.shape[0]!;
  const directions = k.bidirectional === true ? 2 : 1;
  return layers * directions * steps <= ROUNDING_TIER_MAX_WORK;
}
