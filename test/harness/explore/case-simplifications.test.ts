// Every simplification of a valid case is itself a valid, consistent case, and strictly simpler.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CaseSize, caseSize, simplifications } from '../../../harness/explore/case-simplifications.js';
import { invalidCase, validCase } from '../../../harness/explore/arbitraries.js';
import { runTs } from '../../../harness/parity/parity-case.js';

/** A simplification never grows a case along any of the sizes the planted-bug test bounds. */
function expectNoLarger(after: CaseSize, before: CaseSize): void {
  expect(after.layers).toBeLessThanOrEqual(before.layers);
  expect(after.hidden).toBeLessThanOrEqual(before.hidden);
  expect(after.seqLen).toBeLessThanOrEqual(before.seqLen);
  expect(after.batch).toBeLessThanOrEqual(before.batch);
}

describe('case simplifications', () => {
  it('turn a valid case only into cases TS runs without an error, never larger', () => {
    fc.assert(
      fc.property(validCase({ maxLayers: 3, maxSeqLen: 4, largeSizes: false }), (c) => {
        const before = caseSize(c);
        for (const s of simplifications(c)) {
          const outcome = runTs(s.case);
          expect(outcome.error, `${s.name}: ${outcome.error?.message}`).toBeNull();
          expectNoLarger(caseSize(s.case), before);
        }
      }),
      { numRuns: 150, seed: 20261128 },
    );
  });

  it.each(['lstm', 'gru', 'rnn_cell', 'lstm_cell', 'gru_cell'] as const)(
    'take %s cases apart too: every simplification runs, keeps the module, and the sizes shrink',
    (module) => {
      let shrinkable = 0;
      fc.assert(
        fc.property(validCase({ maxLayers: 3, maxSeqLen: 4, largeSizes: false, modules: { [module]: 1 } }), (c) => {
          const before = caseSize(c);
          const all = simplifications(c);
          if (before.hidden > 1 && before.batch > 0 && (c.kwargs.proj_size ?? 0) === 0) {
            expect(all.map((s) => s.name)).toContain('hidden 1');
            shrinkable++;
          }
          for (const s of all) {
            expect(s.case.module).toBe(module);
            const outcome = runTs(s.case);
            expect(outcome.error, `${s.name}: ${outcome.error?.message}`).toBeNull();
            expectNoLarger(caseSize(s.case), before);
          }
        }),
        { numRuns: 80, seed: 20261128 },
      );
      expect(shrinkable).toBeGreaterThan(0);
    },
  );

  it('offer the big steps for a big case: one layer, one direction, unpacked, no gradients, no hx, batch 1', () => {
    const big = fc.sample(
      validCase({ maxLayers: 3, maxSeqLen: 4, largeSizes: false }).filter(
        (c) => c.kwargs.bidirectional === true && c.packed !== null && c.grad !== null && c.hx !== null && Number(c.kwargs.num_layers) > 1,
      ),
      { numRuns: 1, seed: 7 },
    )[0]!;
    const names = simplifications(big).map((s) => s.name);
    const expected = ['one layer', ...(Number(big.kwargs.num_layers) > 2 ? ['one layer fewer'] : []), 'one direction', 'not packed', 'no gradients'];
    expect(names.slice(0, expected.length)).toEqual(expected);
    expect(names).toContain('no hx');
    expect(names).toContain('batch 1');
  });

  it('leave an invalid case alone: its shapes are what it tests', () => {
    const invalid = fc.sample(
      invalidCase().filter((c) => c.kwargs.hidden_size === 0),
      { numRuns: 3, seed: 1 },
    );
    for (const c of invalid) expect(simplifications(c)).toEqual([]);
  });
});
