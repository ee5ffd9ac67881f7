// Case transfer: a case and an outcome survive the structured clone to a worker thread bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parityCase } from '../../../harness/explore/arbitraries.js';
import { caseData, caseOfData, outcomeData, outcomeOfData } from '../../../harness/parity/case-transfer.js';
import { runTs, shadowOf } from '../../../harness/parity/parity-case.js';
import { Tensor } from '../../../src/index.js';

describe('case transfer', () => {
  it('every case, and its TS outcome, comes back from a structured clone equal, tensors as Tensors', () => {
    fc.assert(
      fc.property(parityCase(), (c) => {
        const back = caseOfData(structuredClone(caseData(c)));
        expect(back).toEqual(c);
        expect(back.input).toBeInstanceOf(Tensor);
        const outcome = runTs(c);
        expect(outcomeOfData(structuredClone(outcomeData(outcome)))).toEqual(outcome);
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  it('keeps NaN, -0 and the dtype of every element, and a kwarg named __proto__ as a kwarg', () => {
    const input = Tensor.fromFlat([Number.NaN, -0, Infinity, 1e-45], [4, 1, 1], 'float32');
    const c = caseOfData(
      structuredClone(
        caseData({
          kwargs: JSON.parse('{"input_size": 1, "hidden_size": 1, "__proto__": 3}'),
          dtype: 'float32',
          init: { seed: '1' },
          training: false,
          forwardSeed: null,
          input,
          hx: null,
          packed: null,
          grad: null,
          wantWeights: false,
        }),
      ),
    );
    expect(c.input.dtype).toBe('float32');
    expect([...new Uint32Array(c.input.data.buffer)]).toEqual([...new Uint32Array(input.data.buffer)]);
    expect(Object.keys(c.kwargs)).toEqual(['input_size', 'hidden_size', '__proto__']);
  });

  it("keeps a float64 shadow's seed dtype (Note [seeded shadows])", () => {
    const [c] = fc.sample(
      parityCase().filter((c) => 'seed' in c.init && c.dtype === 'float32'),
      { numRuns: 1, seed: 5 },
    );
    const shadow = shadowOf(c!);
    expect(shadow.init).toEqual({ seed: (c!.init as { seed: string }).seed, seedDtype: 'float32' });
    expect(caseOfData(structuredClone(caseData(shadow)))).toEqual(shadow);
  });
});
