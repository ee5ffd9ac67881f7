// ApiCase: one drawn call of an API target, beside ParityCase in a campaign, and how both sides run it.
import fc from 'fast-check';
import type { ParityCase } from '../parity/parity-case.js';
import type { ApiCaseResult, WireApiCase } from '../worker/protocol.js';
import type { ApiArgs } from './api-args.js';
import type { ApiResult } from './api-result.js';
import type { CanonicalValue } from './canonical-value.js';
import type { ApiTarget } from './api-target.js';

/** One call of the target named `target` with `args` (its arbitrary's value). */
export interface ApiCase {
  readonly kind: 'api';
  readonly target: string;
  readonly args: ApiArgs;
}

/** What a campaign draws: an RNN case (no `kind` field) or an API case. */
export type CampaignCase = ParityCase | ApiCase;

export function isApiCase(c: CampaignCase): c is ApiCase {
  return 'kind' in c && c.kind === 'api';
}

/** The target of `name`. @throws Error (a harness bug) when no target has that name. */
export function targetNamed(targets: readonly ApiTarget[], name: string): ApiTarget {
  const target = targets.find((t) => t.name === name);
  if (target === undefined) throw new Error(`BUG: no API target named ${JSON.stringify(name)}`);
  return target;
}

/** API cases of every target, each drawn with its weight. Shrinks within a target (args shrink). */
export function apiCase(targets: readonly ApiTarget[]): fc.Arbitrary<ApiCase> {
  if (targets.length === 0) throw new Error('BUG: apiCase needs at least one target');
  return fc.oneof(
    ...targets.map((t) => ({
      weight: t.weight,
      arbitrary: t.arbitrary.map((args): ApiCase => ({ kind: 'api', target: t.name, args })),
    })),
  );
}

/** The TS answer of a case. */
export function runApiTs(c: ApiCase, targets: readonly ApiTarget[]): ApiResult {
  return targetNamed(targets, c.target).runTs(c.args);
}

/** The case as the worker's `api` op carries it (python/PROTOCOL.md). */
export function toWireApiCase(c: ApiCase, id: string, targets: readonly ApiTarget[]): WireApiCase {
  return { id, target: c.target, args: targetNamed(targets, c.target).wireArgs(c.args) };
}

/** torch's answer as an {@link ApiResult}; null when the worker gave none (crash, timeout, protocol error). */
export function apiResultFromWire(result: ApiCaseResult): ApiResult | null {
  const warnings = result.warnings.map((w) => w.message);
  if (result.status === 'error') return { error: result.error ?? { type: 'Unknown', message: '' }, warnings };
  if (result.status !== 'ok' || !('value' in result)) return null;
  return { value: (result.value ?? null) as CanonicalValue, warnings };
}

/** A one-line description for reports: the target and its args, shortened. */
export function describeApiCase(c: ApiCase): string {
  const text = JSON.stringify(c.args, (_, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  );
  return `${c.target}(${text.length > 160 ? `${text.slice(0, 160)}…` : text})`;
}
