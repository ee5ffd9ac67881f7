// compare: TS outcome vs torch outcome — shapes, dtypes, values, errors, warnings — and the judges' escalation. The only home of tolerances.
import type { DType, Tensor } from '../../src/index.js';
import { type Difference, type ElementMismatch, formatDifference } from './difference.js';
import { locate } from './locate.js';
import type { CaseLayout, ErrorOutcome, Outcome, Shadow } from './outcome.js';
import { type ParityCase, type RNNFactory, defaultFactory, layoutOf } from './parity-case.js';
import { type Sensitivity, type SensitivityProbe, roundingSensitivity } from './sensitivity.js';
import { ulpDistance } from './ulp.js';

/**
 * `torch.testing.assert_close` defaults (`_DTYPE_PRECISIONS`, identical in torch 1.13 and 2.x): the
 * floor every comparison starts from.
 */
export const ASSERT_CLOSE_DEFAULTS: Readonly<Record<DType, { rtol: number; atol: number }>> = {
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
};

/**
 * Gradients run the recurrence backwards through every step and sum over the batch, so their
 * rounding noise is larger than the forward's; torch's own gradcheck uses looser tolerances too.
 */
const GRADIENT_FACTOR = 10;

/** Where a tensor's budget comes from: forward values or gradients. */
export type TensorKind = 'forward' | 'gradient' | 'exact';

/**
 * The tolerance budget of one case: assert_close defaults scaled by the depth of the computation.
 * Each recurrent step and stacked layer adds a few roundings that the next step can amplify, so the
 * budget grows linearly with steps × layers beyond 4 dependent operations, and gradients get
 * {@link GRADIENT_FACTOR} on top.
 */
export function caseBudget(dtype: DType, layout: Pick<CaseLayout, 'seqLen' | 'numLayers'>, kind: TensorKind): { rtol: number; atol: number } {
  if (kind === 'exact') return { rtol: 0, atol: 0 };
  const floor = ASSERT_CLOSE_DEFAULTS[dtype];
  const depth = Math.max(1, (layout.seqLen * layout.numLayers) / 4);
  const scale = depth * (kind === 'gradient' ? GRADIENT_FACTOR : 1);
  return { rtol: floor.rtol * scale, atol: floor.atol * scale };
}

/** Which tensors must match bit for bit: initial weights from a seed, packing metadata, indices. */
export function tensorKind(name: string): TensorKind {
  if (name.startsWith('weights.') || name.startsWith('packed.batch_sizes') || name.endsWith('_indices') || name === 'padded.lengths') return 'exact';
  if (name.startsWith('grad.')) return 'gradient';
  return 'forward';
}

/** Values at least this large count for the relative and ULP statistics of reports. */
const SIGNIFICANT = 1e-3;

/** 2^(significand bits) and the smallest normal value, per dtype. */
const PRECISION: Readonly<Record<DType, { steps: number; minNormal: number }>> = {
  float32: { steps: 2 ** 24, minNormal: 2 ** -126 },
  float64: { steps: 2 ** 53, minNormal: 2 ** -1022 },
};

/** Per-tensor summary of how far TS was from torch, for campaign reports (rel and ULP over |expected| ≥ 1e-3). */
export interface TensorErrorStats {
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly maxUlps: number;
}

export interface Comparison {
  readonly equal: boolean;
  readonly differences: readonly Difference[];
  readonly stats: Readonly<Record<string, TensorErrorStats>>;
}

/** What judges values outside the assert_close floor: the float64 shadow (float32) and the sensitivity (float64). */
export interface Judges {
  readonly shadow?: Shadow | null;
  readonly sensitivity?: Sensitivity | null;
  /** The case runs TS with `accumulation: 'float32'`: see Note [float32 overflow]. */
  readonly float32Accumulation?: boolean;
}

/**
 * Compares a TS outcome against torch's.
 * Errors: same Python type and exact message. Warnings: the same list. Tensors: the same names,
 * shapes and dtypes, non-finite values at the same positions, then |a − e| ≤ atol + rtol·|e| under
 * {@link caseBudget}, with the float64 {@link Shadow} (when given) as the judge of float32 values
 * outside the assert_close floor.
 */
export function compareOutcomes(actual: Outcome, expected: Outcome, layout: CaseLayout, judges: Judges = {}): Comparison {
  const differences: Difference[] = [];
  const stats: Record<string, TensorErrorStats> = {};
  if (!sameError(actual.error, expected.error)) {
    differences.push({ kind: 'error-mismatch', actual: actual.error, expected: expected.error });
  }
  if (actual.warnings.length !== expected.warnings.length || actual.warnings.some((w, i) => w !== expected.warnings[i])) {
    differences.push({ kind: 'warnings', actual: actual.warnings, expected: expected.warnings });
  }
  if (actual.error === null && expected.error === null) {
    const overflowed = judges.shadow != null && leftFloat32Range(expected.tensors, judges.shadow);
    // See Note [float32 overflow]: past an overflow, a float32-accumulating run has no model to hold its values to.
    const unmodelled = overflowed && judges.float32Accumulation === true;
    for (const name of Object.keys(expected.tensors)) {
      if (!(name in actual.tensors)) differences.push({ kind: 'missing', tensor: name, side: 'ts' });
    }
    for (const [name, tensor] of Object.entries(actual.tensors)) {
      const reference = expected.tensors[name];
      if (reference === undefined) {
        if (!unreachedParameter(name, tensor)) differences.push({ kind: 'missing', tensor: name, side: 'torch' });
        continue;
      }
      const result = compareTensor(
        name,
        tensor,
        reference,
        layout,
        judges.shadow?.[name] ?? null,
        judges.sensitivity === null || judges.sensitivity === undefined ? null : (judges.sensitivity[name] ?? 0),
        overflowed,
        unmodelled,
      );
      if (result.difference !== null) differences.push(result.difference);
      if (result.stats !== null) stats[name] = result.stats;
    }
  }
  return { equal: differences.length === 0, differences, stats };
}

// Note [unreached parameters]
// torch.autograd.grad(..., allow_unused=True) reports None for a parameter the differentiated outputs
// do not reach: LSTM's weight_hr of the last layer when only ∂c_n is given (c_n is computed before the
// projection). The library returns zeros there (README, "LSTM, GRU and the cells"); the worker sends
// no tensor for None. So a parameter gradient torch left out and TS gives as all zeros is the same answer.
function unreachedParameter(name: string, tensor: Tensor): boolean {
  return name.startsWith('grad.') && name !== 'grad.input' && name !== 'grad.hx' && name !== 'grad.cx' && tensor.data.every((v) => v === 0);
}

function sameError(a: ErrorOutcome | null, b: ErrorOutcome | null): boolean {
  if (a === null || b === null) return a === b;
  return a.type === b.type && a.message === b.message;
}

function compareTensor(
  name: string,
  actual: Tensor,
  expected: Tensor,
  layout: CaseLayout,
  shadow: Tensor | null,
  sensitivity: number | null,
  overflowed: boolean,
  unmodelled: boolean,
): { difference: Difference | null; stats: TensorErrorStats | null } {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((s, i) => s !== expected.shape[i])) {
    return { difference: { kind: 'shape', tensor: name, actual: actual.shape, expected: expected.shape }, stats: null };
  }
  if (actual.dtype !== expected.dtype) {
    return { difference: { kind: 'dtype', tensor: name, actual: actual.dtype, expected: expected.dtype }, stats: null };
  }
  if (unmodelled) return { difference: null, stats: null };
  const kind = tensorKind(name);
  const { rtol, atol } = caseBudget(actual.dtype, layout, kind);
  const floor = kind === 'exact' ? { rtol: 0, atol: 0 } : ASSERT_CLOSE_DEFAULTS[actual.dtype];
  let maxAbs = 0;
  let maxRel = 0;
  let maxUlps = 0;
  let firstBad = -1;
  let badCount = 0;
  let needs: 'shadow' | 'sensitivity' | null = null;
  const torchNoise = shadow === null ? 0 : float32Noise(expected, shadow);
  const precision = PRECISION[actual.dtype];
  for (let i = 0; i < actual.size; i++) {
    const a = actual.data[i]!;
    const e = expected.data[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(e)) {
      if (Number.isNaN(a) ? Number.isNaN(e) : a === e) continue;
      // See Note [float32 overflow]: the float64 shadow decides, so fetch it first.
      if (actual.dtype === 'float32' && shadow === null && kind !== 'exact') {
        needs = 'shadow';
        badCount++;
        if (firstBad < 0) firstBad = i;
        continue;
      }
      if (
        actual.dtype === 'float32' &&
        shadow !== null &&
        kind !== 'exact' &&
        (overflowed || agreesWithTruth(a, shadow.data[i]!, 2 * torchNoise + atol))
      )
        continue;
      return { difference: { kind: 'non-finite', tensor: name, mismatch: describe(name, i, a, e, actual, layout) }, stats: null };
    }
    if (kind === 'exact' && !Object.is(a, e)) {
      badCount++;
      if (firstBad < 0) firstBad = i;
      continue;
    }
    // Equal values add nothing to the statistics and pass every budget.
    if (a === e) continue;
    const abs = Math.abs(a - e);
    maxAbs = Math.max(maxAbs, abs);
    // Relative and ULP distances mean something only away from zero: near 0 (subnormals, values
    // near atol) a tiny absolute difference is a huge relative one, and assert_close forgives it.
    if (Math.abs(e) >= SIGNIFICANT) {
      maxRel = Math.max(maxRel, abs / Math.abs(e));
      // Between normal values of one sign every step is at least spacing(lo) ≥ lo·2⁻ᵖ, so the distance
      // is at most abs·2ᵖ/lo: values that cannot raise the maximum skip the exact count.
      const lo = Math.min(Math.abs(a), Math.abs(e));
      if (a * e <= 0 || lo < precision.minNormal || (abs * precision.steps) / lo > maxUlps)
        maxUlps = Math.max(maxUlps, ulpDistance(a, e, actual.dtype));
    }
    if (abs <= floor.atol + floor.rtol * Math.abs(e)) continue;
    let withinBudget: boolean;
    if (actual.dtype === 'float32' && shadow !== null) {
      const truth = shadow.data[i]!;
      withinBudget = Math.abs(a - truth) <= 2 * torchNoise + atol + rtol * Math.abs(truth) + SENSITIVITY_FACTOR * (sensitivity ?? 0);
      if (!withinBudget && sensitivity === null) needs = 'sensitivity';
    } else {
      withinBudget = abs <= atol + rtol * Math.abs(e) + SENSITIVITY_FACTOR * (sensitivity ?? 0);
      if (actual.dtype === 'float32' && shadow === null) needs = 'shadow';
      else if (!withinBudget && actual.dtype === 'float64' && sensitivity === null) needs = 'sensitivity';
    }
    if (!withinBudget) {
      badCount++;
      if (firstBad < 0) firstBad = i;
    }
  }
  const stats = { maxAbs, maxRel, maxUlps };
  if (firstBad < 0 && needs === null) return { difference: null, stats };
  const index = firstBad >= 0 ? firstBad : firstBeyondFloor(actual, expected, floor);
  return {
    difference: {
      kind: 'values',
      tensor: name,
      mismatch: describe(name, index, actual.data[index]!, expected.data[index]!, actual, layout),
      count: badCount,
      needs,
    },
    stats,
  };
}

// Note [float64 shadow]
// A float32 recurrence rounds every stored value, and the next step multiplies those rounding errors
// by the weights: with large weights or relu, honest float32 results drift from the exact answer by
// far more than assert_close allows, for torch as much as for us. So a float32 value outside the floor
// is judged against torch's float64 run of the same bits (the "truth"): TS passes if it is no further
// from the truth than twice torch-float32's own worst error on that tensor, plus the case budget.
// A real bug (a wrong bias, a swapped direction) moves values by orders of magnitude more than that.

// Note [rounding sensitivity]
// Some cases are ill-conditioned: with large weights a tanh or relu recurrence, or a deep stack,
// amplifies a 1-ULP difference in a dot product (torch's MKL sums in another order than we do) step
// after step, layer after layer, until honest results differ in the 5th digit. A float64 case has no
// more precise reference to settle that, and in a float32 case torch itself may land luckily close to
// the float64 shadow while we land unluckily far (or the reverse). So a value still outside its
// allowance is re-judged with the case's own sensitivity: TS runs the case again with every weight
// and every pre-activation nudged by a few ULP of its dtype (the second models where tanh rounds to
// exactly ±1, whose derivative is 0), and the largest resulting move of each tensor, times
// SENSITIVITY_FACTOR, is added to the allowance. A well-conditioned case has sensitivity near zero
// and keeps the tight budget; a bug moves values far beyond what a few ULP can (the planted-bug test
// holds us to that). Gradients of a relu case at a kink are unbounded: see Note [relu kinks] in
// harness/parity/sensitivity.ts.
const SENSITIVITY_FACTOR = 4;

/**
 * How the sensitivity judge shakes a case (harness/parity/sensitivity.ts): weights by 8 ULP (the size
 * of a reordered dot product's rounding); pre-activations by 4 ULP (torch's GEMM and ours round a
 * pre-activation a ULP or two apart, which decides where tanh rounds to exactly ±1, derivative 0, or to
 * 1 − 2⁻²⁴); activation outputs by 2 ULP (torch's vectorised tanh — MKL VML or SLEEF by build — is itself only within an ULP or so); two trials. A
 * relu pre-activation within 1e-5 (float32) or 1e-13 (float64) of the case's largest is at the kink
 * (Note [relu kinks]).
 */
const SENSITIVITY_PROBE: SensitivityProbe = {
  nudgeUlps: 8,
  jitterUlps: 4,
  activationUlps: 2,
  trials: 2,
  kinkMargin: { float32: 1e-5, float64: 1e-13 },
};

// Note [float32 overflow]
// When a float32 recurrence grows past 3.4e38, torch's partial sums overflow inside the GEMM in an
// order we cannot reproduce (MKL's blocking), and Inf − Inf gives NaN where the exact result is
// finite; we accumulate in float64 (Note [float32 accumulation]) and overflow only when the final
// value does. Neither side is "torch's behaviour" in a reproducible sense, so where exactly one side
// is non-finite in a float32 case, the float64 shadow decides: TS passes if it equals the float32
// rounding of the exact result (Inf where that overflows), or lies within the allowance of it.
// Once the exact result leaves the float32 range anywhere in the case (or torch-float32 shows
// Inf/NaN where the exact result is finite: an overflow inside a hidden layer or a gradient sum),
// later steps compute with ±Inf on both sides, and torch gets NaN from Inf − Inf where we may keep
// Inf, or the opposite sign after a sum: the case has left float32's domain, and its non-finite
// positions are not compared at all (finite ones still are, against the shadow).
// A case run with `accumulation: 'float32'` (Note [float32 fast path]) sums in float32 as torch does,
// in another order, so its partial sums overflow where torch's do not and the reverse: past an
// overflow its finite values follow no model either (seed 20261203's 72nd case, a 3-layer
// bidirectional relu RNN reaching 1e42: torch and the shadow 5.45e37 at one unit, TS 0 after an
// Inf − Inf its own order made). Once the shadow shows such a case overflowed, it is held to torch's
// error, warnings, tensor names, shapes and dtypes; its values go unjudged.

/**
 * Whether a float32 case left float32's domain: the exact (float64) result exceeds the float32 range
 * somewhere, or torch-float32 is non-finite where the exact result is finite (an overflow inside,
 * e.g. in a hidden layer or a gradient sum, whose Inf or NaN then spread).
 */
function leftFloat32Range(expected: Readonly<Record<string, Tensor>>, shadow: Shadow): boolean {
  for (const [name, truth] of Object.entries(shadow)) {
    const torch = expected[name];
    if (torch === undefined || torch.dtype !== 'float32') continue;
    for (let i = 0; i < truth.size; i++) {
      const t = truth.data[i]!;
      if (Math.abs(t) > 3.4028234663852886e38) return true;
      if (Number.isFinite(t) && !Number.isFinite(torch.data[i]!)) return true;
    }
  }
  return false;
}

/** Whether a float32 value matches the float64 truth rounded to float32, within `allowance`. */
function agreesWithTruth(value: number, truth: number, allowance: number): boolean {
  const rounded = Math.fround(truth);
  if (Number.isNaN(value) || Number.isNaN(rounded)) return Number.isNaN(value) && Number.isNaN(rounded);
  if (!Number.isFinite(value) || !Number.isFinite(rounded)) return value === rounded;
  return Math.abs(value - rounded) <= allowance + ASSERT_CLOSE_DEFAULTS.float32.rtol * Math.abs(rounded);
}

/** torch-float32's worst distance from the float64 shadow over a tensor: the size of honest rounding drift. */
function float32Noise(expected: Tensor, shadow: Tensor): number {
  let worst = 0;
  for (let i = 0; i < expected.size; i++) {
    const d = Math.abs(expected.data[i]! - shadow.data[i]!);
    if (Number.isFinite(d) && d > worst) worst = d;
  }
  return worst;
}

function firstBeyondFloor(actual: Tensor, expected: Tensor, floor: { rtol: number; atol: number }): number {
  for (let i = 0; i < actual.size; i++) {
    const e = expected.data[i]!;
    if (Math.abs(actual.data[i]! - e) > floor.atol + floor.rtol * Math.abs(e)) return i;
  }
  return 0;
}

function describe(name: string, index: number, actual: number, expected: number, tensor: Tensor, layout: CaseLayout): ElementMismatch {
  const absError = Math.abs(actual - expected);
  return {
    index,
    where: locate(name, index, tensor, layout),
    actual,
    expected,
    absError,
    relError: expected === 0 ? (absError === 0 ? 0 : Infinity) : absError / Math.abs(expected),
    ulps: Number.isFinite(actual) && Number.isFinite(expected) ? ulpDistance(actual, expected, tensor.dtype) : NaN,
  };
}

// Note [rounding-point tier]
// Tolerances cannot see where a float32 value is rounded: a forward that keeps the sum of the two
// projections in float64 before tanh is *closer* to the exact answer than torch and passes every
// budget above. So for (a share of) float32 cases the worker also returns its rounding-point
// reference (python/rounding_reference.py, Note [rounding points]): the same forward in float64 with
// a float32 rounding exactly where torch materialises one, the dot products summed in the TS kernels'
// order. Where TS rounds at the same points the two agree bit for bit; measured on 767 random float32
// cases (178,204 output and h_n elements; torch 2.13.0 CPU, MKL tanh in float64 for the reference,
// src/tanh.ts for TS): every element equal, 0 ULP. The budget is therefore 0 ULP: one skipped or
// added rounding shows as a 1-ULP difference somewhere and grows through the recurrence.
/** The rounding-point tier's budget: TS equals the reference bit for bit (±0 equal, NaN equal to NaN). */
export const ROUNDING_POINT_ULPS = 0;

/** The rounding-point tier: each reference tensor against TS's of the same name. See Note [rounding-point tier]. */
export function roundingPointDifferences(ts: Outcome, reference: Readonly<Record<string, Tensor>>, layout: CaseLayout): Difference[] {
  const differences: Difference[] = [];
  for (const [name, expected] of Object.entries(reference)) {
    const actual = ts.tensors[name];
    if (actual === undefined || actual.dtype !== 'float32' || actual.size !== expected.size) continue;
    let first = -1;
    let count = 0;
    for (let i = 0; i < actual.size; i++) {
      const a = actual.data[i]!;
      const e = expected.data[i]!;
      if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
      if (Number.isFinite(a) && Number.isFinite(e) && ulpDistance(a, e, 'float32') <= ROUNDING_POINT_ULPS) continue;
      count++;
      if (first < 0) first = i;
    }
    if (first >= 0)
      differences.push({
        kind: 'rounding-point',
        tensor: name,
        mismatch: describe(name, first, actual.data[first]!, expected.data[first]!, actual, layout),
        count,
        budgetUlps: ROUNDING_POINT_ULPS,
      });
  }
  return differences;
}

// ---------------------------------------------------------------------------------------------
// The judges' escalation: one call gives each case its verdict.

/** What settled a case's values: the assert_close-based budget alone, the float64 shadow, or the rounding sensitivity. */
export type JudgedBy = 'budget' | 'shadow' | 'sensitivity';

/** Where float64 shadows come from: the live worker, or a fixture's recording. Null where none can be had. */
export type ShadowSource = (cases: readonly ParityCase[]) => Promise<readonly (Shadow | null)[]>;

/** One case to judge: the TS outcome against torch's. */
export interface JudgeEntry {
  readonly case: ParityCase;
  readonly ts: Outcome;
  readonly torch: Outcome;
  /** torch's float32 forward redone with its rounding points made explicit, where the worker was asked for it. */
  readonly roundingReference?: Readonly<Record<string, Tensor>> | null;
}

export interface JudgeOptions {
  /** Asked once per call, for the float32 cases whose values the budget alone cannot settle. */
  readonly shadows: ShadowSource;
  /** Builds the module the sensitivity judge reruns (planted-bug tests pass theirs, so the bug stays in force). */
  readonly factory?: RNNFactory;
}

/** The judgement of one case and its reason. */
export interface Verdict {
  readonly passed: boolean;
  readonly comparison: Comparison;
  readonly judgedBy: JudgedBy;
  /** The shadow the verdict used, if one was needed. */
  readonly shadow: Shadow | null;
  /** One line: what settled the case, or the first difference that failed it. */
  readonly reason: string;
}

function needs(comparison: Comparison, judge: 'shadow' | 'sensitivity'): boolean {
  return comparison.differences.some((d) => d.kind === 'values' && d.needs === judge);
}

/**
 * Judges each entry: the assert_close floor and the case budget first; float32 values beyond them
 * against torch's float64 shadow (Note [float64 shadow], Note [float32 overflow]); values still beyond
 * their allowance with the case's own rounding sensitivity (Note [rounding sensitivity]). Shadows are
 * asked for once, for all entries that need one.
 */
export async function judgeCases(entries: readonly JudgeEntry[], options: JudgeOptions): Promise<Verdict[]> {
  const layouts = entries.map((e) => layoutOf(e.case));
  const comparisons = entries.map((e, i) => compareOutcomes(e.ts, e.torch, layouts[i]!));
  const judgedBy: JudgedBy[] = entries.map(() => 'budget');
  const shadows: (Shadow | null)[] = entries.map(() => null);
  const wanted = comparisons.flatMap((comparison, i) => (needs(comparison, 'shadow') ? [i] : []));
  if (wanted.length > 0) {
    const fetched = await options.shadows(wanted.map((i) => entries[i]!.case));
    wanted.forEach((i, k) => {
      const shadow = fetched[k] ?? null;
      if (shadow === null) return;
      shadows[i] = shadow;
      judgedBy[i] = 'shadow';
      comparisons[i] = compareOutcomes(entries[i]!.ts, entries[i]!.torch, layouts[i]!, {
        shadow,
        float32Accumulation: entries[i]!.case.accumulation === 'float32',
      });
    });
  }
  comparisons.forEach((comparison, i) => {
    if (!needs(comparison, 'sensitivity')) return;
    const entry = entries[i]!;
    const sensitivity = roundingSensitivity(entry.case, options.factory ?? defaultFactory, SENSITIVITY_PROBE);
    judgedBy[i] = 'sensitivity';
    comparisons[i] = compareOutcomes(entry.ts, entry.torch, layouts[i]!, {
      shadow: shadows[i] ?? null,
      sensitivity,
      float32Accumulation: entry.case.accumulation === 'float32',
    });
  });
  comparisons.forEach((comparison, i) => {
    const entry = entries[i]!;
    if (entry.roundingReference == null || entry.ts.error !== null || entry.torch.error !== null) return;
    const late = roundingPointDifferences(entry.ts, entry.roundingReference, layouts[i]!);
    if (late.length > 0) comparisons[i] = { ...comparison, equal: false, differences: [...comparison.differences, ...late] };
  });
  return comparisons.map((comparison, i) => ({
    passed: comparison.equal,
    comparison,
    judgedBy: judgedBy[i]!,
    shadow: shadows[i] ?? null,
    reason: comparison.equal ? REASONS[judgedBy[i]!] : formatDifference(comparison.differences[0]!),
  }));
}

/** Judges one case; see {@link judgeCases}. */
export async function judgeCase(entry: JudgeEntry, options: JudgeOptions): Promise<Verdict> {
  return (await judgeCases([entry], options))[0]!;
}

/** A shadow source for a case whose shadow was recorded with it (or none was): no worker needed. */
export function recordedShadow(shadow: Shadow | null): ShadowSource {
  return async (cases) => cases.map(() => shadow);
}

const REASONS: Readonly<Record<JudgedBy, string>> = {
  budget: 'within the assert_close floor and the case budget',
  shadow: "float32 values judged against torch's float64 shadow",
  sensitivity: "values judged with the case's rounding sensitivity",
};
