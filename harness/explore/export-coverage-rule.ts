// The rule behind the API coverage line: every runtime export of src/index.ts is exercised against torch by at least one case of a campaign.
import type { ApiTarget } from '../api/api-target.js';
import { type ApiCoverage, LIBRARY_EXPORTS } from './coverage.js';

/** The exports RNN cases always exercise (coverage.ts exportsOf, whatever the case). */
const RNN_CASE_EXPORTS = [
  'RNN',
  'Tensor',
  'catchWarnings',
  'fromTorchKwargs',
  'toTorchKwargs',
  'packPaddedSequence',
  'padPackedSequence',
  'PackedSequence',
  'manualSeed',
  'TorchError',
];

/**
 * The problem a campaign reports when some export had no case: a new export must come with its parity
 * target (issue 18). Null when every export was exercised.
 */
export function unexercisedExportsProblem(api: ApiCoverage): string | null {
  const none = Object.entries(api.exports)
    .filter(([, n]) => n === 0)
    .map(([name]) => name);
  return none.length === 0 ? null : `exports of src/index.ts no case exercised against torch (each needs a parity target): ${none.join(', ')}`;
}

/** The exports no API target names and no RNN case exercises: they can never be counted. */
export function unmappedExports(targets: readonly ApiTarget[], exports: readonly string[] = LIBRARY_EXPORTS): string[] {
  const mapped = new Set([...RNN_CASE_EXPORTS, ...targets.flatMap((t) => t.exports)]);
  return exports.filter((name) => !mapped.has(name));
}
