// Rounding sensitivity: how far a case's outputs move under a few ULP of rounding noise (TS only, no torch).
import { RNN, Tensor, type FloatArray, type RNNOptions } from '../../src/index.js';
import type { ActivationKernel } from '../../src/kernels.js';
import { type ParityCase, type RNNFactory, runTs, weightsOf } from './parity-case.js';

/**
 * How hard a case is shaken to measure its sensitivity; the numbers are judge constants and live in
 * harness/parity/compare.ts (SENSITIVITY_PROBE) with their reasons.
 */
export interface SensitivityProbe {
  /** Relative nudge per weight, in ULPs of the case's dtype. */
  readonly nudgeUlps: number;
  /** Relative jitter of each pre-activation, in ULPs. */
  readonly jitterUlps: number;
  /** Relative jitter of each activation output, in ULPs. */
  readonly activationUlps: number;
  /** Runs with independent signs; the largest move counts. */
  readonly trials: number;
  /** A relu pre-activation within this fraction of the case's largest counts as at the kink. */
  readonly kinkMargin: Readonly<Record<'float32' | 'float64', number>>;
}

/**
 * How far each tensor of a case moves when its weights move by a few ULP: the case's own rounding
 * sensitivity. See Note [rounding sensitivity] in harness/parity/compare.ts.
 */
export type Sensitivity = Readonly<Record<string, number>>;

const EPSILON = { float32: 2 ** -23, float64: 2 ** -52 } as const;

/** A deterministic ±1 per element and trial, so sensitivity is reproducible. */
function sign(index: number, trial: number): number {
  return (Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(trial, 0x85ebca6b)) & 1 ? 1 : -1;
}

/**
 * The module from `factory`, with its activation seam wrapped so every pre-activation is multiplied
 * by (1 ± jitterUlps·ε) first and every result by (1 ∓ activationUlps·ε) after. The wrapper goes on the instance, so a planted bug in the
 * factory's class stays in force.
 */
function jittered(factory: RNNFactory, trial: number, epsilon: number, probe: SensitivityProbe): RNNFactory {
  // LSTM, GRU and the cells have no activation seam: for them the probe nudges the weights only, and
  // `family` passes through so a planted family bug stays in force.
  const family = factory.family === undefined ? {} : { family: factory.family };
  return Object.assign((options: RNNOptions) => {
    const rnn = factory(options);
    const seam = rnn as unknown as { activation(): ActivationKernel };
    const activation = seam.activation.bind(rnn);
    let calls = 0;
    seam.activation = () => {
      const activate = activation();
      return (values: FloatArray, offset: number, length: number) => {
        calls++;
        for (let j = offset; j < offset + length; j++) values[j] = values[j]! * (1 + sign(j + calls * 7919, trial) * probe.jitterUlps * epsilon);
        activate(values, offset, length);
        // torch's tanh (MKL VML or SLEEF) is itself only within an ULP or so: move the results by ULPs too, which is
        // what decides a saturated unit's derivative 1 − y² (0 at exactly ±1).
        for (let j = offset; j < offset + length; j++)
          values[j] = values[j]! * (1 - sign(j + calls * 104729, trial) * probe.activationUlps * epsilon);
      };
    };
    return rnn;
  }, family);
}

/**
 * Per tensor, the largest move of any element over `probe.trials` runs with every weight multiplied by
 * (1 ± nudgeUlps·ε) and every pre-activation by (1 ± jitterUlps·ε), ε of the case's dtype. See
 * Note [rounding sensitivity] in harness/parity/compare.ts.
 * @returns an empty record for cases that fail (errors have no sensitivity).
 */
export function roundingSensitivity(c: ParityCase, factory: RNNFactory, probe: SensitivityProbe): Sensitivity {
  const base = runTs(c, factory);
  if (base.error !== null) return {};
  const weights = weightsOf(c);
  const nudge = probe.nudgeUlps * EPSILON[c.dtype];
  const worst: Record<string, number> = {};
  for (let trial = 1; trial <= probe.trials; trial++) {
    const stateDict: Record<string, Tensor> = {};
    let offset = 0;
    for (const [name, w] of Object.entries(weights)) {
      stateDict[name] = Tensor.fromFlat(
        Array.from(w.data, (v, i) => v * (1 + sign(offset + i, trial) * nudge)),
        w.shape,
        w.dtype,
      );
      offset += w.size;
    }
    const moved = runTs({ ...c, init: { stateDict }, wantWeights: false }, jittered(factory, trial, EPSILON[c.dtype], probe));
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
  if (nearReluKink(c, probe.kinkMargin)) {
    for (const name of Object.keys(worst)) if (name.startsWith('grad.')) worst[name] = Infinity;
  }
  return worst;
}

// Note [relu kinks]
// relu's derivative jumps at 0. Where a pre-activation lies within rounding noise of 0 — a subnormal,
// or a value tiny next to the case's largest — torch's float32 GEMM (MKL's order, float32 partial
// sums) and ours (float64 sums, one rounding) may land on different sides of the kink, and every
// gradient flowing through that unit differs completely while both forwards agree (seen once in
// 488,754 campaign cases: subnormal inputs, torch's pre-activation +1.4e-45, ours 0). No nudge of
// the weights reproduces that, so for such relu cases the gradients are ill-conditioned by
// definition: their sensitivity is unbounded and only the forward tensors are held to torch. Exact
// zeros are not kinks here: both sides compute them exactly.
const SMALLEST_NORMAL = { float32: 2 ** -126, float64: 2 ** -1022 } as const;

/** Records the smallest non-zero and the largest |pre-activation| of a forward pass. */
class KinkProbe extends RNN {
  smallest = Infinity;
  largest = 0;

  protected override activation(): ActivationKernel {
    const activate = super.activation();
    return (values: FloatArray, offset: number, length: number) => {
      for (let j = offset; j < offset + length; j++) {
        const magnitude = Math.abs(values[j]!);
        if (magnitude > 0 && magnitude < this.smallest) this.smallest = magnitude;
        if (magnitude > this.largest) this.largest = magnitude;
      }
      activate(values, offset, length);
    };
  }
}

/** Whether a relu case has a pre-activation within rounding noise of the kink. See Note [relu kinks]. */
export function nearReluKink(c: ParityCase, kinkMargin: SensitivityProbe['kinkMargin']): boolean {
  if (c.kwargs.nonlinearity !== 'relu' || c.grad === null) return false;
  let probe: KinkProbe | null = null;
  const outcome = runTs(c, (options) => (probe = new KinkProbe(options)));
  if (outcome.error !== null || probe === null) return false;
  const { smallest, largest } = probe as KinkProbe;
  return smallest < SMALLEST_NORMAL[c.dtype] || smallest <= kinkMargin[c.dtype] * largest;
}
