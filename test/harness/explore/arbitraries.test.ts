// Arbitraries: valid cases run, invalid cases fail with a torch error, and shapes follow the spec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  caseSpec,
  cxShapeOf,
  hxShapeOf,
  inputShapeOf,
  invalidCase,
  lengthsOf,
  outputShapeOf,
  projSizeOf,
  validCase,
} from '../../../harness/explore/arbitraries.js';
import { isCellKind } from '../../../harness/parity/family-run.js';
import { CoverageLedger, dimensionsOf } from '../../../harness/explore/coverage.js';
import { runTs } from '../../../harness/parity/parity-case.js';

describe('arbitraries', () => {
  it('packedUnsorted cases are packed with enforce_sorted off and gradients, and most reorder the batch (issue 13 found them out of random reach)', () => {
    const cases = fc.sample(validCase({ packedUnsorted: true, withGrad: true, maxLayers: 2, maxSeqLen: 5 }), { numRuns: 500, seed: 20261128 });
    const unsorted = cases.filter((c) => c.packed?.lengths.some((l, i) => i > 0 && l > c.packed!.lengths[i - 1]!));
    expect(cases.every((c) => c.packed !== null && !c.packed.enforceSorted && c.grad !== null)).toBe(true);
    expect(unsorted.length).toBeGreaterThan(cases.length / 2);
  });

  it('a valid case runs without error in TS and yields output, h_n and any gradients it asks for', () => {
    fc.assert(
      fc.property(validCase({ maxLayers: 2, maxSeqLen: 4, largeSizes: false }), (c) => {
        const outcome = runTs(c);
        expect(outcome.error).toBeNull();
        expect(Object.keys(outcome.tensors)).toContain('h_n');
        if (c.module === 'lstm' || c.module === 'lstm_cell') expect(Object.keys(outcome.tensors)).toContain('c_n');
        if (c.grad !== null) expect(Object.keys(outcome.tensors)).toContain('grad.input');
      }),
      { numRuns: 200 },
    );
  });

  it('an invalid case fails with a TorchError (never a JS crash, never a number)', () => {
    fc.assert(
      fc.property(invalidCase(), (c) => {
        const outcome = runTs(c);
        expect(outcome.error).not.toBeNull();
        expect(outcome.error!.type).not.toMatch(/^JS:/);
      }),
      { numRuns: 300 },
    );
  });

  it('packed lengths lie in 1..L, sorted when enforce_sorted, and the gradient shapes match the outputs', () => {
    fc.assert(
      fc.property(caseSpec({ maxSeqLen: 6 }), (spec) => {
        const lengths = lengthsOf(spec);
        for (const length of lengths) expect(length).toBeGreaterThanOrEqual(1);
        for (const length of lengths) expect(length).toBeLessThanOrEqual(spec.seqLen);
        if (spec.enforceSorted) expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
        const D = spec.bidirectional ? 2 : 1;
        const width = projSizeOf(spec) || spec.hiddenSize;
        expect(projSizeOf(spec)).toBeLessThan(spec.hiddenSize);
        expect(outputShapeOf(spec).at(-1)).toBe(D * width);
        expect(inputShapeOf(spec).at(-1)).toBe(spec.inputSize);
        expect(hxShapeOf(spec).at(-1)).toBe(width);
        expect(cxShapeOf(spec).at(-1)).toBe(spec.hiddenSize);
        if (isCellKind(spec.module)) expect([spec.numLayers, D, spec.seqLen, spec.packed, spec.dropout]).toEqual([1, 1, 1, false, 0]);
        else expect(hxShapeOf(spec)[0]).toBe(D * spec.numLayers);
      }),
    );
  });
});

describe('coverage ledger', () => {
  it('counts values and pairs of valid cases, and error categories of invalid ones', () => {
    const ledger = new CoverageLedger();
    const [c] = fc.sample(validCase({ largeSizes: false }), { numRuns: 1, seed: 1 });
    ledger.record(c!, { tensors: {}, error: null, warnings: [] });
    ledger.record(c!, { tensors: {}, error: { type: 'ValueError', message: 'num_layers must be greater than zero' }, warnings: [] });
    const summary = ledger.summary();
    expect(summary.validCases).toBe(1);
    expect(summary.errorCases).toBe(1);
    expect(summary.errorCategories).toEqual({ num_layers: 1 });
    expect(summary.valuesCovered).toBe(Object.keys(dimensionsOf(c!)).length);
    expect(summary.pairsCovered).toBe((summary.valuesCovered * (summary.valuesCovered - 1)) / 2);
  });
});
