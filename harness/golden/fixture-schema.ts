// The golden fixture file format (format_version 1) as a zod schema, and the loader that names a bad file and field.
import { z } from 'zod';
import { decodeJsonFloat } from '../../src/json-float.js';
import { contentHash, type JsonValue } from './canonical-json.js';

/** Bumped on any change a reader of older files cannot follow. */
export const FIXTURE_FORMAT_VERSION = 1;

const FLOAT_SPELLINGS = '"NaN", "Infinity", "-Infinity", "-0"';

/**
 * A tensor in a fixture: dtype, shape and row-major values, each value bit-exact (finite values as
 * JSON numbers; the four values plain JSON cannot carry as the strings {@link FLOAT_SPELLINGS}).
 */
export const tensorDocSchema = z
  .strictObject({
    dtype: z.enum(['float32', 'float64']),
    shape: z.array(z.int().nonnegative()),
    values: z.array(z.union([z.number(), z.string()])),
  })
  .superRefine((tensor, ctx) => {
    const count = tensor.shape.reduce((n, size) => n * size, 1);
    if (tensor.values.length !== count) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `shape [${tensor.shape.join(', ')}] needs ${count} values, found ${tensor.values.length}`,
      });
      return;
    }
    for (let i = 0; i < tensor.values.length; i++) {
      const value = decodeJsonFloat(tensor.values[i]);
      if (value === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['values', i],
          message: `${JSON.stringify(tensor.values[i])} is neither a finite number nor one of ${FLOAT_SPELLINGS}`,
        });
        return;
      }
      if (tensor.dtype === 'float32' && !Number.isNaN(value) && !Object.is(Math.fround(value), value)) {
        ctx.addIssue({
          code: 'custom',
          path: ['values', i],
          message: `${value} is not exactly a float32 (a float32 tensor cannot hold it without rounding)`,
        });
        return;
      }
    }
  });

export type TensorDoc = z.infer<typeof tensorDocSchema>;

const errorDocSchema = z.strictObject({ type: z.string().min(1), message: z.string() });

/** An {@link Outcome} in a fixture: named tensors, or torch's error; warnings in order. */
export const outcomeDocSchema = z
  .strictObject({
    tensors: z.record(z.string(), tensorDocSchema),
    error: errorDocSchema.nullable(),
    warnings: z.array(z.string()),
  })
  .refine((outcome) => outcome.error === null || Object.keys(outcome.tensors).length === 0, {
    message: 'an error outcome has no tensors',
    path: ['tensors'],
  });

export type OutcomeDoc = z.infer<typeof outcomeDocSchema>;

const decimalSeed = z.string().regex(/^\d+$/, 'a seed is a non-negative decimal string');

/** The case: `nn.RNN(**kwargs, dtype=dtype)`, its parameters, and the forward (and backward) call. */
export const caseDocSchema = z.strictObject({
  /** The torch module (python/PROTOCOL.md `module`); absent in every nn.RNN case. */
  module: z.enum(['rnn', 'lstm', 'gru', 'rnn_cell', 'lstm_cell', 'gru_cell']).optional(),
  /** torch's keyword arguments, valid or not; floats JSON cannot carry are `{"$float": "nan"}` as on the wire. */
  kwargs: z.record(z.string(), z.json()),
  dtype: z.enum(['float32', 'float64']),
  init: z
    .strictObject({ seed: decimalSeed.optional(), state_dict: z.record(z.string(), tensorDocSchema).optional() })
    .refine((init) => (init.seed === undefined) !== (init.state_dict === undefined), { message: 'init is either {seed} or {state_dict}' }),
  training: z.boolean(),
  forward_seed: decimalSeed.nullable(),
  input: tensorDocSchema,
  hx: tensorDocSchema.nullable(),
  /** LSTM / LSTMCell's c_0 (only with hx); absent elsewhere. */
  cx: tensorDocSchema.optional(),
  packed: z.strictObject({ lengths: z.array(z.int()), enforce_sorted: z.boolean() }).nullable(),
  grad: z.strictObject({ output: tensorDocSchema.nullable(), h_n: tensorDocSchema.nullable(), c_n: tensorDocSchema.optional() }).nullable(),
  want_weights: z.boolean(),
  /** The TS side's `accumulation` option; absent in every case that keeps the default ('float64'). */
  accumulation: z.enum(['float64', 'float32']).optional(),
});

export type CaseDoc = z.infer<typeof caseDocSchema>;

/** The worker's handshake (harness/worker/protocol.ts `Handshake`) without the per-process `op` and `pid`. */
export const workerDocSchema = z.looseObject({
  protocol_version: z.int(),
  torch_version: z.string().min(1),
  torch_git_version: z.string(),
  python_version: z.string(),
  python_executable: z.string(),
  config_digest: z.string(),
  blas_info: z.string().nullable(),
  num_threads: z.int(),
  cpu_capability: z.string(),
  // Recorded since issue 12; older fixtures lack them (read as unknown hardware).
  cpu_model: z.string().optional(),
  mkl_cbwr: z.string().nullable().optional(),
  platform: z.string(),
  machine: z.string(),
  init_fingerprint: z.looseObject({ model: z.string(), float32: z.array(z.number()), float64: z.array(z.number()) }),
  dropout_model: z.string(),
  faults_enabled: z.boolean(),
});

export type WorkerDoc = z.infer<typeof workerDocSchema>;

/** Where an expectation came from: the torch that computed it, the harness that asked, and when. */
export const provenanceDocSchema = z.strictObject({
  worker: workerDocSchema,
  harness_version: z.string(),
  recorded_at: z.iso.datetime(),
});

export type ProvenanceDoc = z.infer<typeof provenanceDocSchema>;

/** One fixture file. */
export const fixtureDocSchema = z.strictObject({
  format_version: z.literal(FIXTURE_FORMAT_VERSION),
  id: z.string().regex(/^[0-9a-f]{16}$/, 'an id is 16 lower-case hex digits'),
  summary: z
    .string()
    .min(1)
    .regex(/^[^\n]*$/, 'a summary is one line'),
  origin: z.enum(['baseline', 'campaign']),
  case: caseDocSchema,
  expected: outcomeDocSchema,
  /** torch's answer to the float64 shadow of a float32 case, recorded with `expected`; null otherwise. */
  shadow: z.record(z.string(), tensorDocSchema).nullable(),
  ts_at_record: outcomeDocSchema,
  provenance: provenanceDocSchema,
  fast_check: z.strictObject({ seed: z.int(), path: z.string(), num_runs: z.int().positive() }).nullable(),
  /**
   * A campaign fixture shrunk by the domain shrinker: where the failure was first seen ("random
   * exploration" or "fixture <id>" for a corpus case) and the simplifications kept.
   * Absent in fixtures recorded before it existed, and in baseline fixtures.
   */
  shrunk_from: z.strictObject({ start: z.string().min(1), steps: z.array(z.string()) }).optional(),
});

export type FixtureDoc = z.infer<typeof fixtureDocSchema>;

/** A fixture file that is not valid JSON, breaks the schema, or whose id is not its case's hash. */
export class FixtureFormatError extends Error {
  override readonly name = 'FixtureFormatError';

  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field === '' ? '' : `${field}: `}${detail}`);
  }
}

/** `case.init.state_dict.weight_ih_l0.values[3]`, from zod's path. */
function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const key of path) name += typeof key === 'number' ? `[${key}]` : name === '' ? String(key) : `.${String(key)}`;
  return name;
}

type Issue = z.core.$ZodIssue;

/** A union's own message is "Invalid input"; the first branch's deepest issue says what is wrong. */
function innermost(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union' && issue.errors[0]?.[0] !== undefined) {
    const inner = innermost(issue.errors[0][0]);
    return { path: [...issue.path, ...inner.path], message: inner.message };
  }
  return { path: [...issue.path], message: issue.message };
}

/**
 * Parses and validates one fixture file.
 * @param source how to name the file in errors, e.g. `golden/baseline/0123456789abcdef.json`.
 * @param expectedId the id the file name promises, if any.
 * @throws FixtureFormatError naming the file and the first bad field.
 */
export function parseFixtureDoc(text: string, source: string, expectedId?: string): FixtureDoc {
  checkBounds(text, source);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FixtureFormatError(source, '', `not valid JSON (${(error as Error).message})`);
  }
  if (typeof json === 'object' && json !== null && 'format_version' in json && json.format_version !== FIXTURE_FORMAT_VERSION) {
    throw new FixtureFormatError(
      source,
      'format_version',
      `is ${JSON.stringify(json.format_version)}; this harness reads format ${FIXTURE_FORMAT_VERSION}`,
    );
  }
  const result = fixtureDocSchema.safeParse(json);
  if (!result.success) {
    const first = innermost(result.error.issues[0]!);
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problems)` : '';
    throw new FixtureFormatError(source, fieldName(first.path), `${first.message}${more}`);
  }
  const doc = result.data;
  checkFootprint(doc, source);
  const hash = contentHash(doc.case as JsonValue);
  if (doc.id !== hash) {
    throw new FixtureFormatError(
      source,
      'id',
      `is ${doc.id}, but the case hashes to ${hash}: a fixture's case is never edited by hand; record it anew`,
    );
  }
  if (expectedId !== undefined && doc.id !== expectedId) {
    throw new FixtureFormatError(source, 'id', `is ${doc.id}, but the file is named for ${expectedId}`);
  }
  return doc;
}

/**
 * Bounds checked before a file is parsed: the largest committed fixture is about 110 KB, so 32 MiB
 * leaves room for real cases while refusing a file that would take the parser's memory; nesting
 * deeper than 64 is no fixture (the schema's deepest path is 6) and would overflow JSON.parse's stack.
 */
export const FIXTURE_LIMITS = { bytes: 32 * 1024 * 1024, depth: 64, parameters: 64 * 1024 * 1024 } as const;

/** Refuses a file over the size or nesting bound, naming it, before JSON.parse sees it. */
function checkBounds(text: string, source: string): void {
  if (text.length > FIXTURE_LIMITS.bytes) {
    throw new FixtureFormatError(source, '', `is ${text.length} characters, over the ${FIXTURE_LIMITS.bytes}-character bound for a fixture`);
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > FIXTURE_LIMITS.depth)
        throw new FixtureFormatError(source, '', `nests deeper than ${FIXTURE_LIMITS.depth} levels (at character ${i})`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/**
 * Refuses a schema-valid fixture whose module would be too large to replay (e.g. `num_layers: 1e9`):
 * the parameter count `nn.RNN(**kwargs)` would allocate, estimated from its integer kwargs, must stay
 * within FIXTURE_LIMITS.parameters (64 Mi values, 512 MiB in float64).
 */
function checkFootprint(doc: FixtureDoc, source: string): void {
  const kwargs = doc.case.kwargs as Record<string, unknown>;
  const size = (key: string, fallback: number): number => {
    const value = kwargs[key];
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const inputSize = size('input_size', 1);
  const hiddenSize = size('hidden_size', 1);
  const numLayers = size('num_layers', 1);
  const directions = kwargs['bidirectional'] === true ? 2 : 1;
  const widest = Math.max(inputSize, hiddenSize * directions);
  const parameters = numLayers * directions * hiddenSize * (widest + hiddenSize + 2);
  if (parameters > FIXTURE_LIMITS.parameters) {
    const field = ['num_layers', 'hidden_size', 'input_size'].find((key) => size(key, 1) > 1e6) ?? 'kwargs';
    throw new FixtureFormatError(
      source,
      `case.kwargs.${field}`,
      `would build a module of about ${parameters.toExponential(2)} parameters, over the replay bound of ${FIXTURE_LIMITS.parameters}`,
    );
  }
}
