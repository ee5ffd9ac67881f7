// The quarantine: cases torch did not answer, stored beside the fixtures with the command that replays them, and the rules that expect some.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type JsonValue, canonicalJson } from './canonical-json.js';
import { caseFromDoc, caseId, caseToDoc } from './fixture.js';
import { caseDocSchema } from './fixture-schema.js';
import type { DirectoryBackend } from './store.js';
import type { ParityCase } from '../parity/parity-case.js';
import type { UnansweredStatus } from '../worker/protocol.js';

const unansweredStatus = z.enum(['worker-crash', 'timeout', 'protocol-error', 'worker-fault']);

/**
 * A deliberate rule that expects some cases to go unanswered (golden/quarantine-rules.json): a case
 * it matches is still stored and reported, but does not make the campaign INCOMPLETE.
 */
const quarantineRuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'a rule id is lower-case words joined by -'),
  reason: z.string().min(1),
  /** The unanswered status the rule expects. */
  status: unansweredStatus,
  /** A regular expression the bridge's error text must match. */
  error: z.string().min(1),
});

export type QuarantineRule = z.infer<typeof quarantineRuleSchema>;

const rulesFileSchema = z.strictObject({ format_version: z.literal(1), rules: z.array(quarantineRuleSchema) });

/**
 * The rules of `file`; none when it does not exist.
 * @throws Error naming the file and the bad field.
 */
export function loadQuarantineRules(file: string): QuarantineRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const result = rulesFileSchema.safeParse(JSON.parse(text));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  for (const rule of result.data.rules) new RegExp(rule.error);
  return result.data.rules;
}

/** The id of the first rule that expects this unanswered case, or null. */
export function quarantineRuleFor(
  rules: readonly QuarantineRule[],
  failure: { readonly status: UnansweredStatus; readonly error: string },
): string | null {
  return rules.find((rule) => rule.status === failure.status && new RegExp(rule.error).test(failure.error))?.id ?? null;
}

const recordSchema = z.strictObject({
  format_version: z.literal(1),
  id: z.string(),
  status: unansweredStatus,
  error: z.string(),
  phase: z.enum(['exploration', 'shrinking']),
  quarantined_by: z.string().nullable(),
  stderr_tail: z.array(z.string()),
  seed: z.int(),
  torch_version: z.string(),
  replay: z.string(),
  case: caseDocSchema,
});

/** One quarantined case as stored in `golden/quarantine/<id>.json`. */
export type QuarantineRecord = z.infer<typeof recordSchema>;

/** What is known of an unanswered case when it is quarantined. */
export interface Unanswered {
  readonly case: ParityCase;
  readonly status: UnansweredStatus;
  readonly error: string;
  readonly phase: QuarantineRecord['phase'];
  readonly quarantinedBy: string | null;
  readonly stderrTail: readonly string[];
}

/**
 * Stores an unanswered case atomically as `quarantine/<case id>.json` under the backend's root, with
 * the command that replays it; returns the key. The same case found again overwrites its record.
 */
export function quarantine(
  backend: DirectoryBackend,
  unanswered: Unanswered,
  context: { readonly seed: number; readonly torchVersion: string },
): string {
  const id = caseId(unanswered.case);
  const key = `quarantine/${id}.json`;
  const record: QuarantineRecord = {
    format_version: 1,
    id,
    status: unanswered.status,
    error: unanswered.error,
    phase: unanswered.phase,
    quarantined_by: unanswered.quarantinedBy,
    stderr_tail: unanswered.stderrTail.slice(-20),
    seed: context.seed,
    torch_version: context.torchVersion,
    replay: `pnpm replay ${backend.describe(key)}`,
    case: caseToDoc(unanswered.case),
  };
  backend.write(key, canonicalJson(record as unknown as JsonValue));
  return key;
}

/**
 * The case of a quarantine record, or null when `json` is not one (then it may be a fixture).
 * @throws Error naming the bad field of a record that claims to be one.
 */
export function quarantinedCase(json: unknown, source: string): ParityCase | null {
  if (typeof json !== 'object' || json === null || !('replay' in json)) return null;
  const result = recordSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return caseFromDoc(result.data.case);
}
