// Every export of src/index.ts is counted by some case kind, and a campaign with an unexercised export reports it as a problem.
import { describe, expect, it } from 'vitest';
import { API_TARGETS } from '../../../harness/api/targets.js';
import { LIBRARY_EXPORTS } from '../../../harness/explore/coverage.js';
import { unexercisedExportsProblem, unmappedExports } from '../../../harness/explore/export-coverage-rule.js';

/**
 * Exports whose targets are being written on branch api-files (issue 18: safetensors, state-dict JSON,
 * stripStateDictPrefix). Empty this list when that branch is merged.
 */
const TARGETS_ON_OTHER_BRANCHES = [
  'SafetensorsError',
  'StateDictJsonError',
  'readSafetensors',
  'stateDictFromJson',
  'stateDictToJson',
  'stripStateDictPrefix',
  'writeSafetensors',
];

describe('the API coverage rule', () => {
  it('lists the exports of src/index.ts as the module loads them (a new export is noticed)', async () => {
    const library = await import('../../../src/index.js');
    expect(LIBRARY_EXPORTS).toEqual(Object.keys(library).sort());
  });

  it('maps every export to a target or to the RNN cases, but those whose targets live on another branch', () => {
    const unmapped = unmappedExports(API_TARGETS);
    expect(unmapped.filter((name) => !TARGETS_ON_OTHER_BRANCHES.includes(name))).toEqual([]);
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
