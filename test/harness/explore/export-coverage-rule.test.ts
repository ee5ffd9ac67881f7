// Every export of src/index.ts is counted by some case kind, and a campaign with an unexercised export reports it as a problem.
import { describe, expect, it } from 'vitest';
import { API_TARGETS } from '../../../harness/api/targets.js';
import { LIBRARY_EXPORTS } from '../../../harness/explore/coverage.js';
import { unexercisedExportsProblem, unmappedExports } from '../../../harness/explore/export-coverage-rule.js';

describe('the API coverage rule', () => {
  it('lists the exports of src/index.ts as the module loads them (a new export is noticed)', async () => {
    const library = await import('../../../src/index.js');
    expect(LIBRARY_EXPORTS).toEqual(Object.keys(library).sort());
  });

  it('maps every export to a target or to the RNN cases', () => {
    expect(unmappedExports(API_TARGETS)).toEqual([]);
  });

  it('notices an export no target names', () => {
    expect(unmappedExports(API_TARGETS, [...LIBRARY_EXPORTS, 'brandNewExport'])).toContain('brandNewExport');
  });

  it('reports each export with no case, and nothing when all had one', () => {
    const exports = Object.fromEntries(LIBRARY_EXPORTS.map((name) => [name, 3]));
    expect(unexercisedExportsProblem({ targets: {}, exports })).toBeNull();
    expect(unexercisedExportsProblem({ targets: {}, exports: { ...exports, MT19937: 0, invertPermutation: 0 } })).toBe(
      'exports of src/index.ts no case exercised against torch (each needs a parity target): MT19937, invertPermutation',
    );
  });
});
