// The API coverage line: every runtime export of src/index.ts with the cases that exercised it, the unexercised ones named.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/index.js';
import { CoverageLedger, LIBRARY_EXPORTS } from '../../../harness/explore/coverage.js';
import { apiCoverageLine } from '../../../harness/explore/report.js';
import type { ParityCase } from '../../../harness/parity/parity-case.js';

const rnnCase: ParityCase = {
  kwargs: { input_size: 1, hidden_size: 1 },
  dtype: 'float32',
  init: { seed: '0' },
  training: false,
  forwardSeed: null,
  input: Tensor.zeros([2, 1, 1]),
  hx: null,
  packed: { lengths: [2], enforceSorted: true },
  grad: null,
  wantWeights: true,
};

describe('the coverage ledger per export', () => {
  it('counts RNN cases for the exports they use and API cases for their target’s, and lists every export', () => {
    const ledger = new CoverageLedger();
    ledger.record(rnnCase, { tensors: {}, error: null, warnings: [] });
    ledger.recordApi({ kind: 'api', target: 'pad_sequence', args: {} }, ['padSequence', 'Tensor'], {
      error: { type: 'RuntimeError', message: 'm' },
      warnings: [],
    });
    const { api } = ledger.summary();
    expect(Object.keys(api.exports)).toEqual([...LIBRARY_EXPORTS]);
    expect(api.targets).toEqual({ pad_sequence: 1 });
    expect(api.exports).toMatchObject({
      RNN: 1,
      Tensor: 2,
      packPaddedSequence: 1,
      manualSeed: 1,
      padSequence: 1,
      TorchError: 1,
      writeSafetensors: 0,
    });
    const line = apiCoverageLine(api);
    expect(line).toMatch(/^API coverage: \d+\/\d+ exports exercised against torch; none for .*writeSafetensors/);
    expect(line).toContain('padSequence 1');
  });
});
