// compare.ts: shapes, dtypes, non-finite positions, budgets, the float64 shadow and sensitivity judges, error categories.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/index.js';
import { type Difference, formatDifference } from '../../../harness/parity/difference.js';
import { caseBudget, compareOutcomes } from '../../../harness/parity/compare.js';
import { errorCategory } from '../../../harness/parity/error-category.js';
import { locate } from '../../../harness/parity/locate.js';
import { ulpDistance } from '../../../harness/parity/ulp.js';
import type { CaseLayout, Outcome } from '../../../harness/parity/outcome.js';

const layout: CaseLayout = { hiddenSize: 2, numLayers: 2, directions: 2, batchFirst: false, batched: true, batchSizes: null, seqLen: 3 };

function outcome(tensors: Record<string, Tensor>, warnings: string[] = []): Outcome {
  return { tensors, error: null, warnings };
}

function f32(values: number[], shape = [values.length]): Tensor {
  return Tensor.fromFlat(values, shape, 'float32');
}

function f64(values: number[], shape = [values.length]): Tensor {
  return Tensor.fromFlat(values, shape, 'float64');
}

function kinds(differences: readonly Difference[]): string[] {
  return differences.map((d) => d.kind);
}

describe('compareOutcomes', () => {
  it("reports each tensor's largest ULP distance over significant values exactly, whatever the signs and binades", () => {
    let state = 12345;
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (const [make, dtype] of [
      [f32, 'float32'],
      [f64, 'float64'],
    ] as const) {
      for (let trial = 0; trial < 50; trial++) {
        const expected = Array.from({ length: 64 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 8 - 4));
        // Mostly a few ULP apart, some across zero, some to a subnormal, some far.
        // Odd trials: only close values, so the maximum is a few ULP and every element could set it.
        const actual = expected.map((e) => {
          const r = trial % 2 === 1 ? 1 : random();
          if (r < 0.05) return -e;
          if (r < 0.1) return 1e-310 * Math.sign(e);
          if (r < 0.15) return e * (1 + random());
          return e * (1 + (random() - 0.5) * random() * (dtype === 'float32' ? 1e-5 : 1e-14));
        });
        const a = make(actual);
        const e = make(expected);
        let exact = 0;
        for (let i = 0; i < a.size; i++) {
          if (Math.abs(e.data[i]!) >= 1e-3) exact = Math.max(exact, ulpDistance(a.data[i]!, e.data[i]!, dtype));
        }
        expect(compareOutcomes(outcome({ output: a }), outcome({ output: e }), layout).stats.output!.maxUlps).toBe(exact);
      }
    }
  });

  it('accepts values within assert_close defaults and rejects values beyond the budget', () => {
    expect(compareOutcomes(outcome({ output: f64([1, 2]) }), outcome({ output: f64([1 + 1e-8, 2]) }), layout).equal).toBe(true);
    const far = compareOutcomes(outcome({ output: f64([1, 2]) }), outcome({ output: f64([1.001, 2]) }), layout);
    expect(kinds(far.differences)).toEqual(['values']);
  });

  it('asks for the float64 shadow before judging a float32 value beyond the floor', () => {
    const result = compareOutcomes(outcome({ output: f32([1.001]) }), outcome({ output: f32([1]) }), layout);
    expect(result.differences[0]).toMatchObject({ kind: 'values', needs: 'shadow' });
  });

  it('lets the shadow clear TS when torch-float32 drifts as far from the truth, and convict it when only TS does', () => {
    const torch = outcome({ output: f32([1.0002, 5]) });
    const shadow = { output: f64([1.0001, 5]) };
    const drifted = compareOutcomes(outcome({ output: f32([1.0, 5]) }), torch, layout, { shadow, sensitivity: {} });
    expect(drifted.equal).toBe(true);
    const wrong = compareOutcomes(outcome({ output: f32([1.0, 5.5]) }), torch, layout, { shadow, sensitivity: {} });
    expect(wrong.differences[0]).toMatchObject({ kind: 'values', needs: null });
  });

  it('asks for the rounding sensitivity of a float64 value beyond the budget, and widens the allowance by it', () => {
    const ts = outcome({ output: f64([1.001]) });
    const torch = outcome({ output: f64([1]) });
    expect(compareOutcomes(ts, torch, layout).differences[0]).toMatchObject({ needs: 'sensitivity' });
    expect(compareOutcomes(ts, torch, layout, { sensitivity: { output: 1e-3 } }).equal).toBe(true);
    expect(compareOutcomes(ts, torch, layout, { sensitivity: { output: 1e-9 } }).equal).toBe(false);
  });

  it('requires NaN and ±Inf at the same positions', () => {
    expect(compareOutcomes(outcome({ h_n: f64([NaN, Infinity]) }), outcome({ h_n: f64([NaN, Infinity]) }), layout).equal).toBe(true);
    const moved = compareOutcomes(outcome({ h_n: f64([NaN, 1]) }), outcome({ h_n: f64([1, NaN]) }), layout);
    expect(kinds(moved.differences)).toEqual(['non-finite']);
  });

  it('skips non-finite float32 positions only once the case has left the float32 range', () => {
    const ts = outcome({ output: f32([Infinity, 1]) });
    // the exact result overflows float32
    expect(compareOutcomes(ts, outcome({ output: f32([NaN, 1]) }), layout, { shadow: { output: f64([1e39, 1]) } }).equal).toBe(true);
    // torch-float32 is NaN where the exact result is finite: an overflow inside the case
    expect(compareOutcomes(ts, outcome({ output: f32([NaN, 1]) }), layout, { shadow: { output: f64([2, 1]) } }).equal).toBe(true);
    // torch-float32 is finite and right: TS's Inf is a real difference
    expect(compareOutcomes(ts, outcome({ output: f32([2, 1]) }), layout, { shadow: { output: f64([2, 1]) } }).equal).toBe(false);
  });

  it('leaves the values of a float32-accumulating case unjudged once it overflowed, and only those', () => {
    // a relu unit torch and the shadow keep at 5.45e37 where TS's own float32 sums made it 0
    const ts = outcome({ output: f32([Infinity, 0]) });
    const torch = outcome({ output: f32([NaN, 5.45e37]) });
    const overflowed = { output: f64([1e42, 5.45e37]) };
    expect(compareOutcomes(ts, torch, layout, { shadow: overflowed, sensitivity: {}, float32Accumulation: true }).equal).toBe(true);
    // the default rounding model stays judged against the shadow
    expect(compareOutcomes(ts, torch, layout, { shadow: overflowed, sensitivity: {} }).equal).toBe(false);
    // no overflow: the fast path is judged as any case
    const inRange = { output: f64([1, 5.45e37]) };
    const finite = outcome({ output: f32([1, 0]) });
    expect(
      compareOutcomes(finite, outcome({ output: f32([1, 5.45e37]) }), layout, { shadow: inRange, sensitivity: {}, float32Accumulation: true }).equal,
    ).toBe(false);
    // shapes are still held to torch's
    expect(
      kinds(
        compareOutcomes(outcome({ output: f32([1]) }), torch, layout, { shadow: overflowed, sensitivity: {}, float32Accumulation: true }).differences,
      ),
    ).toEqual(['shape']);
  });

  it('compares seeded weights and packing metadata bit for bit', () => {
    const result = compareOutcomes(
      outcome({ 'weights.weight_ih_l0': f32([0.5]) }),
      outcome({ 'weights.weight_ih_l0': f32([Math.fround(0.5 + 2 ** -24)]) }),
      layout,
    );
    expect(kinds(result.differences)).toEqual(['values']);
  });

  it('reports shape, dtype, missing tensors, warnings and errors', () => {
    expect(kinds(compareOutcomes(outcome({ output: f64([1, 2], [2]) }), outcome({ output: f64([1, 2], [1, 2]) }), layout).differences)).toEqual([
      'shape',
    ]);
    expect(kinds(compareOutcomes(outcome({ output: f32([1]) }), outcome({ output: f64([1]) }), layout).differences)).toEqual(['dtype']);
    expect(kinds(compareOutcomes(outcome({}), outcome({ h_n: f64([1]) }), layout).differences)).toEqual(['missing']);
    expect(kinds(compareOutcomes(outcome({}, ['a']), outcome({}, []), layout).differences)).toEqual(['warnings']);
    const error = { type: 'ValueError', message: 'hidden_size must be greater than zero' };
    const result = compareOutcomes({ tensors: {}, error: null, warnings: [] }, { tensors: {}, error, warnings: [] }, layout);
    expect(formatDifference(result.differences[0]!)).toBe('error: TS no error vs torch ValueError: "hidden_size must be greater than zero"');
  });

  it("takes an all-zero parameter gradient as torch's None (Note [unreached parameters]), nothing else", () => {
    const torch = outcome({ h_n: f64([1]) });
    expect(compareOutcomes(outcome({ h_n: f64([1]), 'grad.weight_hr_l0': f64([0, 0], [1, 2]) }), torch, layout).equal).toBe(true);
    expect(kinds(compareOutcomes(outcome({ h_n: f64([1]), 'grad.weight_hr_l0': f64([0, 1e-9], [1, 2]) }), torch, layout).differences)).toEqual([
      'missing',
    ]);
    expect(kinds(compareOutcomes(outcome({ h_n: f64([1]), 'grad.hx': f64([0]) }), torch, layout).differences)).toEqual(['missing']);
  });

  it('names the first bad element in torch terms, with abs, rel and ULP errors', () => {
    // output (L=3, N=1, D·H=4): flat 7 is t=1, batch 0, feature 3 = reverse unit 1 of the last layer.
    const expected = f64(
      Array.from({ length: 12 }, () => 0.5),
      [3, 1, 4],
    );
    const actual = f64(
      Array.from({ length: 12 }, (_, i) => (i === 7 ? 0.75 : 0.5)),
      [3, 1, 4],
    );
    const [difference] = compareOutcomes(outcome({ output: actual }), outcome({ output: expected }), layout).differences;
    expect(formatDifference(difference!)).toMatch(
      /^output at layer 1, reverse, unit 1, t=1, batch 0 \[flat 7\]: TS 0.75 vs torch 0.5; abs 2.500e-1, rel 5.000e-1, \d+ ULP/,
    );
  });
});

describe('helpers', () => {
  it('counts ULPs across zero and in each dtype', () => {
    expect(ulpDistance(1, 1 + 2 ** -52, 'float64')).toBe(1);
    expect(ulpDistance(1, Math.fround(1 + 2 ** -23), 'float32')).toBe(1);
    expect(ulpDistance(-0, 0, 'float32')).toBe(0);
    expect(ulpDistance(-(2 ** -149), 2 ** -149, 'float32')).toBe(2);
  });

  it('decodes h_n rows as layer·D + direction', () => {
    expect(locate('h_n', 3 * 2 + 1, Tensor.zeros([4, 1, 2], 'float64'), layout)).toBe('layer 1, reverse, batch 0, unit 1');
  });

  it('grows the budget with steps × layers and for gradients', () => {
    expect(caseBudget('float32', { seqLen: 1, numLayers: 1 }, 'forward')).toEqual({ rtol: 1.3e-6, atol: 1e-5 });
    expect(caseBudget('float64', { seqLen: 8, numLayers: 2 }, 'forward').atol).toBeCloseTo(4e-7);
    expect(caseBudget('float64', { seqLen: 1, numLayers: 1 }, 'gradient').atol).toBeCloseTo(1e-6);
  });

  it('puts version-specific wordings of one error in one category', () => {
    expect(errorCategory({ type: 'ValueError', message: 'num_layers must be greater than zero' })).toBe('num_layers');
    expect(errorCategory({ type: 'IndexError', message: 'list index out of range' })).toBe('num_layers');
    expect(errorCategory({ type: 'ValueError', message: 'proj_size has to be smaller than hidden_size' })).toBe('hidden_size');
    expect(errorCategory({ type: 'RuntimeError', message: 'expected scalar type Double but found Float' })).toBe('dtype');
  });
});
