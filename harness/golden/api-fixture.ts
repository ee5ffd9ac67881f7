// API fixtures (kind 'api'): a failing API case with torch's recorded answer, stored under golden/api/ and replayed without Python.
import { z } from 'zod';
import { type ApiArgs, decodeArgs, encodeArgs } from '../api/api-args.js';
import type { ApiCase } from '../api/api-case.js';
import { judgeApi } from '../api/api-judge.js';
import type { ApiResult } from '../api/api-result.js';
import type { ApiTarget } from '../api/api-target.js';
import type { CanonicalValue } from '../api/canonical-value.js';
import type { Difference } from '../parity/difference.js';
import type { Handshake } from '../worker/protocol.js';
import { type JsonValue, canonicalJson, contentHash } from './canonical-json.js';
import { type FastCheckOrigin, campaignCaseId, workerDoc } from './fixture.js';
import { FIXTURE_FORMAT_VERSION, FixtureFormatError, type ProvenanceDoc, provenanceDocSchema } from './fixture-schema.js';
import type { FixtureBackend } from './store.js';

/** Where API fixtures live under the golden root, beside baseline/ and found/ (whose readers never see them). */
export const API_FIXTURE_DIR = 'api';

const apiResultDocSchema = z.union([
  z.strictObject({ value: z.json(), warnings: z.array(z.string()) }),
  z.strictObject({ error: z.strictObject({ type: z.string().min(1), message: z.string() }), warnings: z.array(z.string()) }),
]);

/** The API case as stored: the target's name and its args tagged as on the wire (api-args.ts encodeArgs). */
const apiCaseDocSchema = z.strictObject({ kind: z.literal('api'), target: z.string().min(1), args: z.json() });

/** One API fixture file (format_version 1, kind 'api'). */
export const apiFixtureDocSchema = z.strictObject({
  format_version: z.literal(FIXTURE_FORMAT_VERSION),
  id: z.string().regex(/^[0-9a-f]{16}$/, 'an id is 16 lower-case hex digits'),
  summary: z
    .string()
    .min(1)
    .regex(/^[^\n]*$/, 'a summary is one line'),
  origin: z.literal('campaign'),
  case: apiCaseDocSchema,
  expected: apiResultDocSchema,
  ts_at_record: apiResultDocSchema,
  provenance: provenanceDocSchema,
  fast_check: z.strictObject({ seed: z.int(), path: z.string(), num_runs: z.int().positive() }).nullable(),
});

export type ApiFixtureDoc = z.infer<typeof apiFixtureDocSchema>;

/** An API fixture, decoded. */
export interface ApiFixture {
  /** campaignCaseId (fixture.ts) of `case`, the hash of its stored form; also the file name. */
  readonly id: string;
  readonly summary: string;
  readonly case: ApiCase;
  /** torch's answer, exact (canonical values). */
  readonly expected: ApiResult;
  readonly tsAtRecord: ApiResult;
  readonly provenance: ProvenanceDoc;
  readonly fastCheck: FastCheckOrigin | null;
}

function caseDoc(c: ApiCase): ApiFixtureDoc['case'] {
  return { kind: 'api', target: c.target, args: encodeArgs(c.args) as z.infer<ReturnType<typeof z.json>> };
}

function resultDoc(result: ApiResult): ApiFixtureDoc['expected'] {
  const warnings = [...result.warnings];
  return 'error' in result ? { error: { ...result.error }, warnings } : { value: result.value as z.infer<ReturnType<typeof z.json>>, warnings };
}

function resultFromDoc(doc: ApiFixtureDoc['expected']): ApiResult {
  return 'error' in doc ? { error: doc.error, warnings: doc.warnings } : { value: doc.value as CanonicalValue, warnings: doc.warnings };
}

/** The fixture for a failing API case, with torch's answer and TS's as the campaign saw them. */
export function newApiFixture(input: {
  readonly case: ApiCase;
  readonly summary: string;
  readonly expected: ApiResult;
  readonly tsAtRecord: ApiResult;
  readonly handshake: Handshake;
  readonly harnessVersion: string;
  readonly recordedAt: Date;
  readonly fastCheck: FastCheckOrigin | null;
}): ApiFixture {
  return {
    id: campaignCaseId(input.case),
    summary: input.summary.replace(/\s*\n\s*/g, ' ').slice(0, 200) || input.case.target,
    case: input.case,
    expected: input.expected,
    tsAtRecord: input.tsAtRecord,
    provenance: { worker: workerDoc(input.handshake), harness_version: input.harnessVersion, recorded_at: input.recordedAt.toISOString() },
    fastCheck: input.fastCheck,
  };
}

/** The file's content (before canonical JSON). */
export function apiFixtureToDoc(fixture: ApiFixture): ApiFixtureDoc {
  return {
    format_version: FIXTURE_FORMAT_VERSION,
    id: fixture.id,
    summary: fixture.summary,
    origin: 'campaign',
    case: caseDoc(fixture.case),
    expected: resultDoc(fixture.expected),
    ts_at_record: resultDoc(fixture.tsAtRecord),
    provenance: fixture.provenance,
    fast_check:
      fixture.fastCheck === null ? null : { seed: fixture.fastCheck.seed, path: fixture.fastCheck.path, num_runs: fixture.fastCheck.numRuns },
  };
}

/**
 * Parses and validates one API fixture file.
 * @throws FixtureFormatError naming the file and the first bad field, or an id that is not the case's hash.
 */
export function parseApiFixture(text: string, source: string): ApiFixture {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FixtureFormatError(source, '', `not valid JSON (${(error as Error).message})`);
  }
  const result = apiFixtureDocSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new FixtureFormatError(source, issue.path.map(String).join('.'), issue.message);
  }
  const doc = result.data;
  const hash = contentHash(doc.case as JsonValue);
  if (doc.id !== hash) throw new FixtureFormatError(source, 'id', `is ${doc.id}, but the case hashes to ${hash}`);
  let args: ApiArgs;
  try {
    args = decodeArgs(doc.case.args);
  } catch (error) {
    throw new FixtureFormatError(source, 'case.args', (error as Error).message);
  }
  return {
    id: doc.id,
    summary: doc.summary,
    case: { kind: 'api', target: doc.case.target, args },
    expected: resultFromDoc(doc.expected),
    tsAtRecord: resultFromDoc(doc.ts_at_record),
    provenance: doc.provenance,
    fastCheck: doc.fast_check === null ? null : { seed: doc.fast_check.seed, path: doc.fast_check.path, numRuns: doc.fast_check.num_runs },
  };
}

/** Writes the fixture atomically under `api/<id>.json`; returns its key. */
export function saveApiFixture(backend: FixtureBackend, fixture: ApiFixture): string {
  const key = `${API_FIXTURE_DIR}/${fixture.id}.json`;
  backend.write(key, canonicalJson(apiFixtureToDoc(fixture) as JsonValue));
  return key;
}

/** Every API fixture that loads, and one problem per file that does not. */
export function loadApiFixtures(backend: FixtureBackend): { fixtures: { key: string; fixture: ApiFixture }[]; problems: string[] } {
  const fixtures: { key: string; fixture: ApiFixture }[] = [];
  const problems: string[] = [];
  for (const key of backend.keys(API_FIXTURE_DIR)) {
    try {
      fixtures.push({ key, fixture: parseApiFixture(backend.read(key) ?? '', backend.describe(key)) });
    } catch (error) {
      problems.push(error instanceof FixtureFormatError ? error.message : `${backend.describe(key)}: ${(error as Error).message}`);
    }
  }
  return { fixtures, problems };
}

/**
 * Replays an API fixture without Python: TS's answer now (the target of the fixture's name in
 * `targets`) judged exactly against torch's recorded one. An unknown target is a difference.
 */
export function replayApiFixture(fixture: ApiFixture, targets: readonly ApiTarget[]): { passed: boolean; differences: Difference[] } {
  const target = targets.find((t) => t.name === fixture.case.target);
  if (target === undefined) {
    return { passed: false, differences: [{ kind: 'harness-error', message: `no API target named ${JSON.stringify(fixture.case.target)}` }] };
  }
  const differences = judgeApi(target.runTs(fixture.case.args), fixture.expected);
  return { passed: differences.length === 0, differences };
}
