// The known-divergence ledger (golden/known-divergences.json): cases TS is known to answer differently, each with its reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { pyTypeName } from '../../src/errors.js';
import { errorCategory } from '../parity/error-category.js';
import { recordedTorch, type Fixture } from './fixture.js';
import { GOLDEN_DIR } from './store.js';

/** `golden/known-divergences.json`. */
export const LEDGER_FILE = path.join(GOLDEN_DIR, 'known-divergences.json');

/**
 * The fields a ledger predicate can test, computed from a fixture. `kwargs.<name>` is any torch
 * keyword argument as stored (absent when not given), `kwarg_type.<name>` its Python type name.
 */
export const CASE_FIELDS = {
  id: 'the fixture id',
  origin: "'baseline' | 'campaign'",
  torch_version: "the torch that recorded the expectation, e.g. '2.13.0'",
  torch_minor: "its major.minor, e.g. '1.13'",
  module: "the torch module, 'rnn' | 'lstm' | 'gru' | 'rnn_cell' | 'lstm_cell' | 'gru_cell'",
  dtype: "the module dtype, 'float32' | 'float64'",
  training: 'train mode (boolean)',
  init: "'seed' | 'state_dict'",
  layout: "'batched' | 'batch_first' | 'unbatched' | 'packed' | 'other' (input rank not 2 or 3)",
  'input.dtype': "'float32' | 'float64'",
  'input.ndim': 'input rank',
  'input.shape': 'input shape, e.g. [3, 2, 3]',
  'input.non_finite': 'the input holds NaN or ±Infinity (boolean)',
  hx: 'an initial hidden state is given (boolean)',
  cx: "LSTM's initial cell state is given (boolean)",
  packed: 'packed input (boolean)',
  grad: 'gradients are asked for (boolean)',
  want_weights: 'initial weights are compared (boolean)',
  forward_seed: 'a forward seed is set (boolean)',
  'expected.error_type': "torch's exception type, or null",
  'expected.error_category': "errorCategory of torch's exception (harness/parity/compare.ts), or null",
} as const;

type FieldValue = null | boolean | number | string | readonly FieldValue[];

/** One condition: a literal (deep equality), `{ in: [...] }`, `{ not: literal }`, or `{ absent: true }`. */
const conditionSchema = z.union([
  z.strictObject({ in: z.array(z.json()).min(1) }),
  z.strictObject({ not: z.json() }),
  z.strictObject({ absent: z.literal(true) }),
  z.json(),
]);

function isCaseField(name: string): boolean {
  return name in CASE_FIELDS || /^(kwargs|kwarg_type)\.[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

const entrySchema = z.strictObject({
  /** A short kebab-case name, unique in the ledger, shown in reports. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an entry id is kebab-case'),
  /** Why TS differs here, and what would close the gap. */
  reason: z.string().min(1),
  /** Every condition must hold (AND); an empty match would list every case, so at least one. */
  match: z.record(z.string(), conditionSchema).superRefine((match, ctx) => {
    if (Object.keys(match).length === 0) ctx.addIssue({ code: 'custom', message: 'an entry needs at least one condition' });
    for (const name of Object.keys(match)) {
      if (!isCaseField(name))
        ctx.addIssue({ code: 'custom', path: [name], message: `unknown field; use kwargs.<name> or one of: ${Object.keys(CASE_FIELDS).join(', ')}` });
    }
  }),
});

/** The ledger file. */
export const ledgerSchema = z
  .strictObject({ format_version: z.literal(1), entries: z.array(entrySchema) })
  .refine((ledger) => new Set(ledger.entries.map((e) => e.id)).size === ledger.entries.length, {
    message: 'entry ids must be unique',
    path: ['entries'],
  });

export type LedgerEntry = z.infer<typeof entrySchema>;
export type Ledger = z.infer<typeof ledgerSchema>;

/** The empty ledger. */
export const EMPTY_LEDGER: Ledger = { format_version: 1, entries: [] };

/**
 * Parses and validates a ledger.
 * @throws Error naming the source and the bad field.
 */
export function parseLedger(text: string, source: string): Ledger {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const result = ledgerSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path
      .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
      .join('')
      .replace(/^\./, '');
    throw new Error(`${source}: ${field === '' ? '' : `${field}: `}${issue.message}`);
  }
  return result.data;
}

/** The ledger at {@link LEDGER_FILE}; the empty ledger if the file does not exist. */
export function loadLedger(file = LEDGER_FILE): Ledger {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_LEDGER;
    throw error;
  }
  return parseLedger(text, path.relative(process.cwd(), file) || file);
}

/** `'1.13'` from `'1.13.0a0'`; the whole string if it does not start with major.minor. */
export function torchMinor(version: string): string {
  return /^(\d+\.\d+)/.exec(version)?.[1] ?? version;
}

/** The values of {@link CASE_FIELDS} (and `kwargs.*`) for one fixture. */
export function caseFields(fixture: Fixture): Record<string, FieldValue | undefined> {
  const c = fixture.case;
  const layout =
    c.packed !== null
      ? 'packed'
      : c.input.ndim === 2
        ? 'unbatched'
        : c.input.ndim === 3
          ? c.kwargs.batch_first === true
            ? 'batch_first'
            : 'batched'
          : 'other';
  const fields: Record<string, FieldValue | undefined> = {
    id: fixture.id,
    origin: fixture.origin,
    torch_version: recordedTorch(fixture),
    torch_minor: torchMinor(recordedTorch(fixture)),
    module: c.module ?? 'rnn',
    dtype: c.dtype,
    training: c.training,
    init: 'seed' in c.init ? 'seed' : 'state_dict',
    layout,
    'input.dtype': c.input.dtype,
    'input.ndim': c.input.ndim,
    'input.shape': [...c.input.shape],
    'input.non_finite': c.input.data.some((v) => !Number.isFinite(v)),
    hx: c.hx !== null,
    cx: c.cx != null,
    packed: c.packed !== null,
    grad: c.grad !== null,
    want_weights: c.wantWeights,
    forward_seed: c.forwardSeed !== null,
    'expected.error_type': fixture.expected.error?.type ?? null,
    'expected.error_category': fixture.expected.error === null ? null : errorCategory(fixture.expected.error),
  };
  for (const [name, value] of Object.entries(c.kwargs)) {
    fields[`kwargs.${name}`] = value as FieldValue;
    // Python's type name of the kwarg as torch receives it ('bool', 'int', 'float', 'str', 'NoneType', 'list', 'dict').
    fields[`kwarg_type.${name}`] = pyTypeName(value);
  }
  return fields;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

function isOperator(condition: unknown, key: string): condition is Record<string, unknown> {
  return condition !== null && typeof condition === 'object' && !Array.isArray(condition) && Object.keys(condition).length === 1 && key in condition;
}

function holds(value: FieldValue | undefined, condition: unknown): boolean {
  if (isOperator(condition, 'absent')) return value === undefined;
  if (isOperator(condition, 'in')) return (condition.in as unknown[]).some((option) => deepEqual(value, option));
  if (isOperator(condition, 'not')) return !deepEqual(value, condition.not);
  return deepEqual(value, condition);
}

/** Whether every condition of the entry holds for the fixture. */
export function entryMatches(entry: LedgerEntry, fixture: Fixture): boolean {
  const fields = caseFields(fixture);
  return Object.entries(entry.match).every(([name, condition]) => holds(fields[name], condition));
}

/** The first ledger entry that lists this fixture, or null. */
export function ledgerEntryFor(ledger: Ledger, fixture: Fixture): LedgerEntry | null {
  return ledger.entries.find((entry) => entryMatches(entry, fixture)) ?? null;
}
