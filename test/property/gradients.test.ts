// Gradient parity: random configurations through TS backpropagation and torch 2.13 autograd, every gradient compared.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseSpec, caseOf, caseSpec, fromPool, hxShapeOf, inputShapeOf, valuePool, value } from '../../harness/arbitraries.js';
import { TorchBridge } from '../../harness/bridge.js';
import { ASSERT_CLOSE_DEFAULTS } from '../../harness/compare.js';
import type { Outcome } from '../../harness/outcome.js';
import { type ParityCase, outcomeFromWire, toWireCase } from '../../harness/parity-case.js';
import {
  PackedSequence,
  RNN,
  Tensor,
  fromTorchKwargs,
  packPaddedSequence,
  padPackedSequence,
  type DType,
  type RNNOptions,
} from '../../src/index.js';
import { manualSeed } from '../../src/generator.js';
import type { ActivationKernel } from '../../src/kernels.js';

// Note [gradient parity budget]
// Each run is one worker request of up to 8 cases. GRAD_PARITY_RUNS raises the number of runs (the
// issue asks for ≥ 1,000 cases: 250 runs); FC_SEED pins the fast-check seed.
// An element passes when |ts − torch| ≤ K·(atol + rtol·|torch|), with (rtol, atol) torch.testing.assert_close's
// defaults for the dtype and K = GRADIENT_SCALE · max(1, L·num_layers/4): gradients run every step
// backwards and sum over steps and batch rows, and MKL's GEMMs and reductions sum in their own order,
// so the noise grows with the depth of the computation (the shape of harness/compare.ts's budget).
// NaN equals NaN, as with equal_nan=True.
// A float32 element outside that budget is judged by the float64 shadow (torch in float64 on the same
// bits, weights included), as harness/compare.ts's Note [float64 shadow] does: it passes if TS is no
// further from the shadow than twice torch-float32's own worst distance from it on that tensor, plus
// the budget. Exploding relu networks need this: their honest float32 gradients drift by 1e-3.
//
// A float32 value that is non-finite passes where torch-float32's is non-finite too or the shadow's
// overflows float32 (harness/compare.ts's Note [float32 overflow]: partial sums overflow in an order
// nobody can reproduce). GRAD_PARITY_SHADOW_ALL=1 shadows every float32 case, to measure how far TS and
// torch-float32 each are from the float64 result.
//
// Note [relu kinks]
// relu's gradient jumps at 0, so where the exact pre-activation lies within forward rounding noise of 0,
// torch's float32 forward (MKL sums) and ours (float64 sums, rounded once) may land on different sides,
// and that unit's gradient differs completely (seen: exact pre 1.0e-7, torch +1.19e-7, TS 0). A relu
// case that fails even the shadow is excused, and counted, only when one of its pre-activations sits
// that close to the kink: |pre| ≤ KINK_MARGIN[dtype] · max |pre| of the case.
const RUNS = Number(process.env['GRAD_PARITY_RUNS'] ?? 8);
const FC_SEED = process.env['FC_SEED'] === undefined ? undefined : Number(process.env['FC_SEED']);
const SHADOW_ALL = process.env['GRAD_PARITY_SHADOW_ALL'] === '1';
const GRADIENT_SCALE = 10;
const KINK_MARGIN: Record<DType, number> = { float32: 1e-5, float64: 1e-13 };

/** Which upstream gradients the case gives: torch.autograd.grad's roots. */
type Upstream = 'both' | 'output' | 'h_n';

interface GradDraw {
  readonly spec: CaseSpec;
  readonly inputPool: readonly number[];
  readonly hxPool: readonly number[];
  readonly gradPool: readonly number[];
  readonly upstream: Upstream;
  readonly packed: boolean;
  readonly lengthDraws: readonly number[];
  readonly enforceSorted: boolean;
}

const draws: fc.Arbitrary<GradDraw> = fc.record({
  spec: caseSpec({ maxLayers: 3 }),
  inputPool: valuePool(),
  hxPool: fc.array(value('normal'), { minLength: 1, maxLength: 16 }),
  // Upstream gradients with at least one clearly non-zero value: an all-zero pool proves nothing.
  gradPool: fc.array(value('normal'), { minLength: 1, maxLength: 24 }).filter((pool) => pool.some((v) => Math.abs(v) >= 0.1)),
  upstream: fc.constantFrom<Upstream>('both', 'both', 'output', 'h_n'),
  packed: fc.boolean(),
  lengthDraws: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 4, maxLength: 4 }),
  enforceSorted: fc.boolean(),
});

/** The case: a valid forward (packed when the draw says so and the batch allows) with upstream gradients. */
function gradCase(d: GradDraw): ParityCase {
  // caseSpec draws an empty batch one time in six; it has nothing to differentiate, so keep one in ten of those.
  const spec: CaseSpec = d.spec.batch === 0 && d.lengthDraws[0]! % 10 !== 0 ? { ...d.spec, batch: 1 + (d.lengthDraws[1]! % 4) } : d.spec;
  const D = spec.bidirectional ? 2 : 1;
  const base = caseOf(spec, fromPool(d.inputPool, inputShapeOf(spec), spec.dtype), spec.hasHx ? fromPool(d.hxPool, hxShapeOf(spec), spec.dtype) : null);
  let packed: ParityCase['packed'] = null;
  let outputShape = [...inputShapeOf(spec).slice(0, -1), D * spec.hiddenSize];
  if (d.packed && spec.batch !== null && spec.batch > 0) {
    const lengths = d.lengthDraws.slice(0, spec.batch).map((draw) => 1 + (draw % spec.seqLen));
    if (d.enforceSorted) lengths.sort((a, b) => b - a);
    packed = { lengths, enforceSorted: d.enforceSorted };
    outputShape = [lengths.reduce((sum, len) => sum + len, 0), D * spec.hiddenSize];
  }
  const hNShape = spec.batch === null ? [D * spec.numLayers, spec.hiddenSize] : [D * spec.numLayers, spec.batch, spec.hiddenSize];
  const rotated = [...d.gradPool.slice(1), d.gradPool[0]!];
  return {
    ...base,
    packed,
    grad: {
      output: d.upstream === 'h_n' ? null : fromPool(d.gradPool, outputShape, spec.dtype),
      hN: d.upstream === 'output' ? null : fromPool(rotated, hNShape, spec.dtype),
    },
  };
}

/** An RNN that records the smallest and largest |pre-activation| it saw (the activation seam). */
class ProbedRNN extends RNN {
  smallestPreActivation = Infinity;
  largestPreActivation = 0;

  protected override activation(): ActivationKernel {
    const activate = super.activation();
    return (values, offset, length) => {
      for (let j = offset; j < offset + length; j++) {
        const magnitude = Math.abs(values[j]!);
        if (magnitude < this.smallestPreActivation) this.smallestPreActivation = magnitude;
        if (magnitude > this.largestPreActivation) this.largestPreActivation = magnitude;
      }
      activate(values, offset, length);
    };
  }

  /** Whether some pre-activation sat within rounding noise of relu's kink. See Note [relu kinks]. */
  nearKink(): boolean {
    return this.nonlinearity === 'relu' && this.smallestPreActivation <= KINK_MARGIN[this.dtype] * this.largestPreActivation;
  }
}

interface TsRun {
  /** Named as outcomeFromWire names torch's: `grad.input`, `grad.hx`, `grad.<param>`. */
  readonly grads: Record<string, Tensor>;
  readonly weights: Record<string, Tensor>;
  readonly nearKink: boolean;
}

/**
 * The TS side of a case. For packed input the gradient of the packed data is scattered back through
 * pack_padded_sequence (padding positions get 0), since torch reports the padded input's gradient.
 */
function runTsGradients(c: ParityCase): TsRun {
  if (c.grad === null) throw new Error('BUG: a gradient case without upstream gradients');
  const options = { ...fromTorchKwargs(c.kwargs), dtype: c.dtype } as RNNOptions;
  if ('seed' in c.init) manualSeed(BigInt(c.init.seed));
  const rnn = new ProbedRNN(options);
  if ('stateDict' in c.init) rnn.loadStateDict(c.init.stateDict);
  const weights = Object.fromEntries(rnn.namedParameters().map(([name, p]) => [name, p.clone()]));
  rnn.train(c.training);
  if (c.forwardSeed !== null) manualSeed(BigInt(c.forwardSeed));
  let all: { gradInput: Tensor; gradHx: Tensor; grads: Readonly<Record<string, Tensor>> };
  let gradInput: Tensor;
  if (c.packed !== null) {
    const packed = packPaddedSequence(c.input, c.packed.lengths, { batchFirst: rnn.batchFirst, enforceSorted: c.packed.enforceSorted });
    all = rnn.forwardWithGrad(packed, c.hx).backward(c.grad.output, c.grad.hN);
    const gradData = new PackedSequence(all.gradInput, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices);
    gradInput = padPackedSequence(gradData, { batchFirst: rnn.batchFirst, totalLength: c.input.shape[rnn.batchFirst ? 1 : 0]! })[0];
  } else {
    all = rnn.forwardWithGrad(c.input, c.hx).backward(c.grad.output, c.grad.hN);
    gradInput = all.gradInput;
  }
  const grads: Record<string, Tensor> = { 'grad.input': gradInput, 'grad.hx': all.gradHx };
  for (const [name, g] of Object.entries(all.grads)) grads[`grad.${name}`] = g;
  return { grads, weights, nearKink: rnn.nearKink() };
}

/** The float64 shadow: the same case on the same bits (the TS module's weights, widened) in float64. */
function shadowCase(c: ParityCase, weights: Record<string, Tensor>): ParityCase {
  const widen = (t: Tensor | null): Tensor | null => (t === null ? null : t.to('float64'));
  return {
    ...c,
    dtype: 'float64',
    init: { stateDict: Object.fromEntries(Object.entries(weights).map(([name, w]) => [name, w.to('float64')])) },
    input: c.input.to('float64'),
    hx: widen(c.hx),
    grad: c.grad === null ? null : { output: widen(c.grad.output), hN: widen(c.grad.hN) },
    wantWeights: false,
  };
}

interface Figures {
  cases: number;
  elements: number;
  maxAbs: number;
  maxAbsAt: string;
  /** Largest |ts − torch| / |torch| over elements with |torch| ≥ 1e-3 (smaller ones are ruled by atol). */
  maxRel: number;
  maxRelAt: string;
  /** Largest |ts − torch| / (atol + rtol·|torch|) at assert_close's defaults: how many default budgets were used. */
  maxBudgets: number;
  maxBudgetsAt: string;
}

function emptyFigures(cases = 0): Figures {
  return { cases, elements: 0, maxAbs: 0, maxAbsAt: '', maxRel: 0, maxRelAt: '', maxBudgets: 0, maxBudgetsAt: '' };
}

function mergeFigures(into: Figures, from: Figures): void {
  into.cases += from.cases;
  into.elements += from.elements;
  if (from.maxAbs > into.maxAbs) [into.maxAbs, into.maxAbsAt] = [from.maxAbs, from.maxAbsAt];
  if (from.maxRel > into.maxRel) [into.maxRel, into.maxRelAt] = [from.maxRel, from.maxRelAt];
  if (from.maxBudgets > into.maxBudgets) [into.maxBudgets, into.maxBudgetsAt] = [from.maxBudgets, from.maxBudgetsAt];
}

const tally = {
  figures: { float32: emptyFigures(), float64: emptyFigures() } as Record<DType, Figures>,
  packed: 0,
  relu: 0,
  /** Cases where torch's gradients are all zero (empty batch, relu units all off): counted, not hidden. */
  allZero: 0,
  /** float32 cases beyond the budget that the float64 shadow passed; their figures are kept apart. */
  shadowJudged: emptyFigures(),
  /** Per shadowed case: the worst |Δ| / max|truth| over gradient tensors, for TS and for torch-float32. */
  shadowErrors: [] as [number, number][],
  excusedAtKinks: [] as string[],
};

/**
 * Compares every torch gradient with TS's under Note [gradient parity budget]; with a shadow, float32
 * elements beyond the budget get the shadow's judgement. Returns one line per tensor that fails.
 */
function compareGradients(c: ParityCase, ts: Record<string, Tensor>, torch: Record<string, Tensor>, shadow: Record<string, Tensor> | null, figures: Figures): string[] {
  const { rtol, atol } = ASSERT_CLOSE_DEFAULTS[c.dtype];
  const numLayers = Number(c.kwargs.num_layers ?? 1);
  const seqLen = c.packed !== null ? Math.max(...c.packed.lengths) : c.input.shape[c.input.ndim === 3 && c.kwargs.batch_first === true ? 1 : 0]!;
  const scale = GRADIENT_SCALE * Math.max(1, (seqLen * numLayers) / 4);
  const problems: string[] = [];
  const names = Object.keys(torch).filter((name) => name.startsWith('grad.'));
  if (names.length === 0) problems.push('torch returned no gradients');
  for (const name of names) {
    const expected = torch[name]!;
    const actual = ts[name];
    if (actual === undefined || actual.shape.join() !== expected.shape.join() || actual.dtype !== expected.dtype) {
      problems.push(`${name}: TS ${actual?.dtype} [${actual?.shape}] vs torch ${expected.dtype} [${expected.shape}]`);
      continue;
    }
    const truth = shadow?.[name] ?? null;
    let torchNoise = 0;
    if (truth !== null) {
      expected.data.forEach((e, j) => {
        const d = Math.abs(e - truth.data[j]!);
        if (Number.isFinite(d) && d > torchNoise) torchNoise = d;
      });
    }
    let bad = -1;
    for (let j = 0; j < expected.size; j++) {
      const e = expected.data[j]!;
      const a = actual.data[j]!;
      if ((Number.isNaN(a) && Number.isNaN(e)) || a === e) continue;
      const diff = Math.abs(a - e);
      const where = `${name}[${j}] ts ${a} torch ${e}`;
      if (!(diff <= figures.maxAbs)) [figures.maxAbs, figures.maxAbsAt] = [diff, where];
      if (Math.abs(e) >= 1e-3 && !(diff / Math.abs(e) <= figures.maxRel)) [figures.maxRel, figures.maxRelAt] = [diff / Math.abs(e), where];
      const budgets = diff / (atol + rtol * Math.abs(e));
      if (!(budgets <= figures.maxBudgets)) [figures.maxBudgets, figures.maxBudgetsAt] = [budgets, where];
      if (diff <= scale * (atol + rtol * Math.abs(e))) continue;
      if (truth !== null) {
        const exact = truth.data[j]!;
        if (Math.abs(a - exact) <= 2 * torchNoise + scale * (atol + rtol * Math.abs(exact))) continue;
        // Note [float32 overflow] in harness/compare.ts: past float32's range neither side is reproducible;
        // a non-finite TS value passes where torch-float32 also overflowed or the exact value does.
        if (!Number.isFinite(a) && (!Number.isFinite(e) || !Number.isFinite(Math.fround(exact)))) continue;
      }
      if (bad < 0) bad = j;
    }
    figures.elements += expected.size;
    if (bad >= 0) {
      const shadowSays = truth === null ? '' : `, shadow ${truth.data[bad]}, torch-float32 noise ${torchNoise}`;
      problems.push(`${name}[${bad}]: ts ${actual.data[bad]} vs torch ${expected.data[bad]} (budget ×${scale}${shadowSays})`);
    }
  }
  return problems;
}

/** One case of a batch on its way through the judges. */
interface Checked {
  readonly c: ParityCase;
  readonly ts: TsRun;
  readonly torch: Outcome | null;
  figures: Figures;
  problems: string[];
  judgedByShadow?: boolean;
}

function describeCase(c: ParityCase): string {
  return `${c.dtype} ${JSON.stringify(c.kwargs)} training=${c.training} input [${c.input.shape}] hx=${c.hx !== null} packed=${JSON.stringify(c.packed)}`;
}

/** With GRAD_PARITY_SHADOW_ALL: how far TS and torch-float32 each sit from the float64 shadow. */
function shadowSummary(): string {
  const errors = tally.shadowErrors;
  if (!SHADOW_ALL || errors.length === 0) return '';
  const quantile = (values: number[], q: number): string => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!.toExponential(2);
  const ts = errors.map(([t]) => t);
  const torch = errors.map(([, t]) => t);
  const tsCloser = errors.filter(([t, o]) => t < o).length;
  const equal = errors.filter(([t, o]) => t === o).length;
  return (
    `  float64 shadow of ${errors.length} float32 cases, worst |Δ|/max|truth| per case: ` +
    `TS median ${quantile(ts, 0.5)} p99 ${quantile(ts, 0.99)} max ${quantile(ts, 1)}; ` +
    `torch median ${quantile(torch, 0.5)} p99 ${quantile(torch, 0.99)} max ${quantile(torch, 1)}; ` +
    `TS closer in ${tsCloser}, equal in ${equal}, torch closer in ${errors.length - tsCloser - equal}\n`
  );
}

let bridge: TorchBridge;

beforeAll(async () => {
  bridge = await TorchBridge.start();
});

afterAll(async () => {
  await bridge.stop();
  const line = (dtype: string, f: Figures): string => {
    return (
      `${dtype}: ${f.cases} cases, ${f.elements} gradient elements; max |Δ| ${f.maxAbs.toExponential(2)}, ` +
      `max |Δ|/|torch| (|torch| ≥ 1e-3) ${f.maxRel.toExponential(2)}, max assert_close budgets used ${f.maxBudgets.toPrecision(3)}\n` +
      `      max |Δ| at ${f.maxAbsAt}\n      max rel at ${f.maxRelAt}\n      max budgets at ${f.maxBudgetsAt}`
    );
  };
  console.log(
    `gradient parity (${tally.packed} packed, ${tally.relu} relu, ${tally.allZero} with all-zero gradients):\n` +
      `  ${line('float32', tally.figures.float32)}\n  ${line('float64', tally.figures.float64)}\n` +
      `  ${line('float32 beyond the budget, passed by the float64 shadow', tally.shadowJudged)}\n` +
      shadowSummary() +
      `  excused at relu kinks (Note [relu kinks]): ${tally.excusedAtKinks.length}${tally.excusedAtKinks.map((e) => `\n    ${e}`).join('')}`,
  );
});

describe('gradients vs torch 2.13 autograd', () => {
  it('random configurations (layers, directions, bias, relu/tanh, batch_first, unbatched, packed, dropout, dtypes) give torch’s gradients', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(draws, { minLength: 1, maxLength: 8 }), async (batch) => {
        const cases = batch.map(gradCase);
        const results = await bridge.run(cases.map((c, i) => toWireCase(c, `grad-${i}`)));
        const checked = cases.map((c, i): Checked => {
          const torch = outcomeFromWire(results[i]!);
          const ts = runTsGradients(c);
          const figures = emptyFigures(1);
          if (torch === null || torch.error !== null) return { c, ts, torch: null, figures, problems: [`torch failed: ${JSON.stringify(torch?.error ?? results[i]!.status)}`] };
          return { c, ts, torch, figures, problems: compareGradients(c, ts.grads, torch.tensors, null, figures) };
        });
        // Float32 cases beyond the budget get their float64 shadow, all in one request.
        const needShadow = checked.filter((k) => (SHADOW_ALL || k.problems.length > 0) && k.torch !== null && k.c.dtype === 'float32');
        const shadows = await bridge.run(needShadow.map((k, i) => toWireCase(shadowCase(k.c, k.ts.weights), `shadow-${i}`)));
        needShadow.forEach((k, i) => {
          const shadow = outcomeFromWire(shadows[i]!);
          if (shadow === null || shadow.error !== null || k.torch === null) return;
          const failedBudget = k.problems.length > 0;
          k.figures = emptyFigures(1);
          k.problems = compareGradients(k.c, k.ts.grads, k.torch.tensors, shadow.tensors, k.figures);
          if (k.problems.length > 0) return;
          k.judgedByShadow = failedBudget;
          let [caseTsError, caseTorchError] = [0, 0];
          for (const [name, truth] of Object.entries(shadow.tensors)) {
            const [ts, torch] = [k.ts.grads[name], k.torch.tensors[name]];
            if (!name.startsWith('grad.') || ts === undefined || torch === undefined) continue;
            let [tsError, torchError] = [0, 0];
            truth.data.forEach((s, j) => {
              tsError = Math.max(tsError, Math.abs(ts.data[j]! - s) || 0);
              torchError = Math.max(torchError, Math.abs(torch.data[j]! - s) || 0);
            });
            const scaleOf = Math.max(...Array.from(truth.data, (v) => Math.abs(v) || 0), 1e-30);
            caseTsError = Math.max(caseTsError, tsError / scaleOf);
            caseTorchError = Math.max(caseTorchError, torchError / scaleOf);
          }
          tally.shadowErrors.push([caseTsError, caseTorchError]);
        });
        const problems: string[] = [];
        for (const k of checked) {
          if (k.problems.length > 0 && k.ts.nearKink && k.torch !== null) {
            tally.excusedAtKinks.push(`${describeCase(k.c)}: ${k.problems[0]}`);
            continue;
          }
          problems.push(...k.problems.map((p) => `${describeCase(k.c)}: ${p}`));
          mergeFigures(k.judgedByShadow === true ? tally.shadowJudged : tally.figures[k.c.dtype], k.figures);
          if (k.c.packed !== null) tally.packed++;
          if (k.c.kwargs.nonlinearity === 'relu') tally.relu++;
          const torchGrads = Object.entries(k.torch?.tensors ?? {}).filter(([name]) => name.startsWith('grad.'));
          if (torchGrads.every(([, t]) => t.data.every((v) => v === 0))) tally.allZero++;
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) },
    );
  });

  it('excuses at relu kinks stay rare (Note [relu kinks]): at most 2% of relu cases, or 2', () => {
    expect(tally.excusedAtKinks.length).toBeLessThanOrEqual(Math.max(2, 0.02 * tally.relu));
  });
});
