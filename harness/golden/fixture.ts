// Fixture: one golden case with torch's recorded answer, and its exact mapping to and from the file format.
import path from 'node:path';
import { Tensor } from '../../src/index.js';
import { pyRepr } from '../../src/errors.js';
import { decodeJsonFloat, encodeJsonFloat } from '../../src/json-float.js';
import { canonicalJson, contentHash, type JsonValue } from './canonical-json.js';
import { REPO_ROOT } from '../paths.js';
import type { Shadow } from '../parity/outcome.js';
import {
  FIXTURE_FORMAT_VERSION,
  type CaseDoc,
  type FixtureDoc,
  type OutcomeDoc,
  type ProvenanceDoc,
  type TensorDoc,
  type WorkerDoc,
} from './fixture-schema.js';
import type { Outcome } from '../parity/outcome.js';
import { type CampaignCase, isApiCase } from '../api/api-case.js';
import { encodeArgs } from '../api/api-args.js';
import type { ParityCase, ParityInit } from '../parity/parity-case.js';
import type { Handshake } from '../worker/protocol.js';

/** Where a fixture came from: the committed baseline corpus, or a shrunk counterexample of a campaign. */
export type FixtureOrigin = 'baseline' | 'campaign';

/** How to rerun the fast-check property that found a campaign fixture. */
export interface FastCheckOrigin {
  readonly seed: number;
  readonly path: string;
  readonly numRuns: number;
}

/** Where a shrunk campaign fixture started, and the domain shrinker's simplifications (see fixture-schema.ts `shrunk_from`). */
export interface ShrunkFrom {
  readonly start: string;
  readonly steps: readonly string[];
}

/** A golden fixture, decoded: everything needed to replay the case without Python. */
export interface Fixture {
  /** {@link caseId} of `case`; also the file name. */
  readonly id: string;
  /** One line for test names and reports. */
  readonly summary: string;
  readonly origin: FixtureOrigin;
  readonly case: ParityCase;
  /** torch's answer, exact bits. */
  readonly expected: Outcome;
  /** torch's float64 answer to {@link shadowOf}(case), for float32 cases that did not raise. */
  readonly shadow: Shadow | null;
  /** What the TypeScript RNN answered when the fixture was recorded. */
  readonly tsAtRecord: Outcome;
  readonly provenance: ProvenanceDoc;
  readonly fastCheck: FastCheckOrigin | null;
  readonly shrunkFrom?: ShrunkFrom;
}

/** A tensor as a fixture stores it, bit for bit. */
export function tensorToDoc(tensor: Tensor): TensorDoc {
  return { dtype: tensor.dtype, shape: [...tensor.shape], values: Array.from(tensor.data, encodeJsonFloat) };
}

/** The tensor a {@link TensorDoc} describes (values already validated by the schema). */
export function tensorFromDoc(doc: TensorDoc): Tensor {
  return Tensor.fromFlat(
    doc.values.map((value) => decodeJsonFloat(value) ?? Number.NaN),
    doc.shape,
    doc.dtype,
  );
}

function tensorsToDoc(tensors: Readonly<Record<string, Tensor>>): Record<string, TensorDoc> {
  return Object.fromEntries(Object.entries(tensors).map(([name, tensor]) => [name, tensorToDoc(tensor)]));
}

function tensorsFromDoc(docs: Readonly<Record<string, TensorDoc>>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(docs).map(([name, doc]) => [name, tensorFromDoc(doc)]));
}

// Python float spellings of the wire protocol's { $float } (python/PROTOCOL.md), for kwargs JSON cannot carry.
const PY_FLOAT_SPELLING = new Map<string, number>([
  ['nan', Number.NaN],
  ['inf', Infinity],
  ['-inf', -Infinity],
  ['-0.0', -0],
]);

function pyFloatSpelling(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (Object.is(value, -0)) return '-0.0';
  return value > 0 ? 'inf' : '-inf';
}

/** A kwarg value as JSON: numbers JSON cannot carry become `{"$float": "nan"}` as on the wire. */
function kwargToJson(value: unknown, name: string): JsonValue {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { $float: pyFloatSpelling(value) };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => kwargToJson(item, name));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, kwargToJson(v, name)]),
    );
  }
  throw new Error(`BUG: kwarg ${name} is a ${typeof value}, which a fixture cannot store`);
}

function kwargFromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(kwargFromJson);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === '$float' && typeof entries[0]![1] === 'string') {
      return PY_FLOAT_SPELLING.get(entries[0]![1]) ?? Number(entries[0]![1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, kwargFromJson(v)]));
  }
  return value;
}

/** The case as a fixture stores it. */
export function caseToDoc(c: ParityCase): CaseDoc {
  // A shadow is derived from its case whenever it is needed (Note [seeded shadows]), never stored.
  if ('seed' in c.init && c.init.seedDtype !== undefined) throw new Error('BUG: a float64 shadow (init.seedDtype) is never stored as a fixture case');
  const kwargs: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(c.kwargs)) if (value !== undefined) kwargs[name] = kwargToJson(value, name);
  return {
    ...(c.module === undefined || c.module === 'rnn' ? {} : { module: c.module }),
    kwargs,
    dtype: c.dtype,
    init: 'seed' in c.init ? { seed: c.init.seed } : { state_dict: tensorsToDoc(c.init.stateDict) },
    training: c.training,
    forward_seed: c.forwardSeed,
    input: tensorToDoc(c.input),
    hx: c.hx === null ? null : tensorToDoc(c.hx),
    ...(c.cx == null ? {} : { cx: tensorToDoc(c.cx) }),
    packed: c.packed === null ? null : { lengths: [...c.packed.lengths], enforce_sorted: c.packed.enforceSorted },
    grad:
      c.grad === null
        ? null
        : {
            output: c.grad.output === null ? null : tensorToDoc(c.grad.output),
            h_n: c.grad.hN === null ? null : tensorToDoc(c.grad.hN),
            ...(c.grad.cN == null ? {} : { c_n: tensorToDoc(c.grad.cN) }),
          },
    want_weights: c.wantWeights,
    ...(c.accumulation === undefined ? {} : { accumulation: c.accumulation }),
  };
}

/** The {@link ParityCase} a fixture's case describes. */
export function caseFromDoc(doc: CaseDoc): ParityCase {
  const init: ParityInit = doc.init.seed !== undefined ? { seed: doc.init.seed } : { stateDict: tensorsFromDoc(doc.init.state_dict ?? {}) };
  return {
    ...(doc.module === undefined ? {} : { module: doc.module }),
    kwargs: Object.fromEntries(Object.entries(doc.kwargs).map(([name, value]) => [name, kwargFromJson(value)])),
    dtype: doc.dtype,
    init,
    training: doc.training,
    forwardSeed: doc.forward_seed,
    input: tensorFromDoc(doc.input),
    hx: doc.hx === null ? null : tensorFromDoc(doc.hx),
    ...(doc.cx === undefined ? {} : { cx: tensorFromDoc(doc.cx) }),
    packed: doc.packed === null ? null : { lengths: doc.packed.lengths, enforceSorted: doc.packed.enforce_sorted },
    grad:
      doc.grad === null
        ? null
        : {
            output: doc.grad.output === null ? null : tensorFromDoc(doc.grad.output),
            hN: doc.grad.h_n === null ? null : tensorFromDoc(doc.grad.h_n),
            ...(doc.grad.c_n === undefined ? {} : { cN: tensorFromDoc(doc.grad.c_n) }),
          },
    wantWeights: doc.want_weights,
    ...(doc.accumulation === undefined ? {} : { accumulation: doc.accumulation }),
  };
}

/** An outcome as a fixture stores it. */
export function outcomeToDoc(outcome: Outcome): OutcomeDoc {
  return { tensors: tensorsToDoc(outcome.tensors), error: outcome.error === null ? null : { ...outcome.error }, warnings: [...outcome.warnings] };
}

/** The {@link Outcome} a fixture stores. */
export function outcomeFromDoc(doc: OutcomeDoc): Outcome {
  return { tensors: tensorsFromDoc(doc.tensors), error: doc.error, warnings: doc.warnings };
}

/** A fixture's id: the content hash of its case (kwargs, dtype, parameters and input bits). */
export function caseId(c: ParityCase): string {
  return contentHash(caseToDoc(c) as JsonValue);
}

/** The content hash of a campaign case of either kind; for an RNN case, its {@link caseId}. */
export function campaignCaseId(c: CampaignCase): string {
  return isApiCase(c) ? contentHash({ kind: 'api', target: c.target, args: encodeArgs(c.args) } as JsonValue) : caseId(c);
}

/**
 * An interpreter path that names the interpreter without naming the machine: relative to the
 * repository when inside it (`python/.venv/bin/python`), else its file name (`python3`). Committed
 * fixtures must not change because a clone lives elsewhere.
 */
export function portableExecutable(executable: string): string {
  const relative = path.relative(REPO_ROOT, executable);
  if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) return relative.split(path.sep).join('/');
  return path.basename(executable);
}

/** The handshake as provenance: everything but the per-process `op` and `pid`, with no machine path. */
export function workerDoc(handshake: Handshake): WorkerDoc {
  const { op, pid, ...rest } = handshake;
  void op;
  void pid;
  return {
    ...rest,
    python_executable: portableExecutable(rest.python_executable),
    init_fingerprint: { ...rest.init_fingerprint, float32: [...rest.init_fingerprint.float32], float64: [...rest.init_fingerprint.float64] },
  };
}

/** What regeneration changed in a fixture, for the log and the dry run. */
export interface Regeneration {
  readonly fixture: Fixture;
  /** e.g. `['expected', 'shadow', 'torch 2.13.0 → 2.14.0']`. */
  readonly changes: readonly string[];
}

/**
 * The fixture `golden:regen` should write for `stored`, given torch's fresh answer, or null when
 * nothing a reviewer needs to see changed: torch's expectation (outcome and float64 shadow, bit for
 * bit) and the torch version that gave it are the same. Then the file stays as it is: a new
 * recorded_at, TS answer or worker path alone would be churn. A new torch version with the same
 * numbers is rewritten, so that provenance names the torch the expectation now stands for (replay
 * forgives cross-version error texts by it).
 */
export function regenerateFixture(
  stored: Fixture,
  answer: { readonly outcome: Outcome; readonly shadow: Shadow | null },
  update: { readonly tsAtRecord: Outcome; readonly provenance: ProvenanceDoc },
): Regeneration | null {
  const changes: string[] = [];
  if (canonicalJson(outcomeToDoc(stored.expected) as JsonValue) !== canonicalJson(outcomeToDoc(answer.outcome) as JsonValue))
    changes.push('expected');
  const shadowDoc = (shadow: Shadow | null) => canonicalJson((shadow === null ? null : tensorsToDoc(shadow)) as JsonValue);
  if (shadowDoc(stored.shadow) !== shadowDoc(answer.shadow)) changes.push('shadow');
  const [from, to] = [recordedTorch(stored), update.provenance.worker.torch_version];
  if (from !== to) changes.push(`torch ${from} → ${to}`);
  if (changes.length === 0) return null;
  return {
    fixture: { ...stored, expected: answer.outcome, shadow: answer.shadow, tsAtRecord: update.tsAtRecord, provenance: update.provenance },
    changes,
  };
}

/** What {@link newFixture} needs; the id is computed. */
export interface FixtureInput {
  readonly summary: string;
  readonly origin: FixtureOrigin;
  readonly case: ParityCase;
  readonly expected: Outcome;
  readonly shadow: Shadow | null;
  readonly tsAtRecord: Outcome;
  readonly handshake: Handshake;
  readonly harnessVersion: string;
  readonly recordedAt: Date;
  readonly fastCheck?: FastCheckOrigin | null;
  readonly shrunkFrom?: ShrunkFrom | null;
}

/** A fixture from a freshly recorded case. */
export function newFixture(input: FixtureInput): Fixture {
  return {
    id: caseId(input.case),
    summary: input.summary.replace(/\s*\n\s*/g, ' '),
    origin: input.origin,
    case: input.case,
    expected: input.expected,
    shadow: input.shadow,
    tsAtRecord: input.tsAtRecord,
    provenance: { worker: workerDoc(input.handshake), harness_version: input.harnessVersion, recorded_at: input.recordedAt.toISOString() },
    fastCheck: input.fastCheck ?? null,
    ...(input.shrunkFrom == null ? {} : { shrunkFrom: input.shrunkFrom }),
  };
}

/** The fixture file's content (before canonical JSON). */
export function fixtureToDoc(fixture: Fixture): FixtureDoc {
  return {
    format_version: FIXTURE_FORMAT_VERSION,
    id: fixture.id,
    summary: fixture.summary,
    origin: fixture.origin,
    case: caseToDoc(fixture.case),
    expected: outcomeToDoc(fixture.expected),
    shadow: fixture.shadow === null ? null : tensorsToDoc(fixture.shadow),
    ts_at_record: outcomeToDoc(fixture.tsAtRecord),
    provenance: fixture.provenance,
    fast_check:
      fixture.fastCheck === null ? null : { seed: fixture.fastCheck.seed, path: fixture.fastCheck.path, num_runs: fixture.fastCheck.numRuns },
    ...(fixture.shrunkFrom === undefined ? {} : { shrunk_from: { start: fixture.shrunkFrom.start, steps: [...fixture.shrunkFrom.steps] } }),
  };
}

/** The fixture a validated file describes. */
export function fixtureFromDoc(doc: FixtureDoc): Fixture {
  return {
    id: doc.id,
    summary: doc.summary,
    origin: doc.origin,
    case: caseFromDoc(doc.case),
    expected: outcomeFromDoc(doc.expected),
    shadow: doc.shadow === null ? null : tensorsFromDoc(doc.shadow),
    tsAtRecord: outcomeFromDoc(doc.ts_at_record),
    provenance: doc.provenance,
    fastCheck: doc.fast_check === null ? null : { seed: doc.fast_check.seed, path: doc.fast_check.path, numRuns: doc.fast_check.num_runs },
    ...(doc.shrunk_from === undefined ? {} : { shrunkFrom: doc.shrunk_from }),
  };
}

/** The torch version that recorded a fixture's expectation, e.g. `2.13.0`. */
export function recordedTorch(fixture: Fixture): string {
  return fixture.provenance.worker.torch_version;
}

/** torch's class name of each module kind (python/PROTOCOL.md `module`). */
const TORCH_CLASS: Readonly<Record<NonNullable<ParityCase['module']>, string>> = {
  rnn: 'RNN',
  lstm: 'LSTM',
  gru: 'GRU',
  rnn_cell: 'RNNCell',
  lstm_cell: 'LSTMCell',
  gru_cell: 'GRUCell',
};

/**
 * A one-line description of a case in torch's words, e.g.
 * `RNN(3, 2, num_layers=2, bidirectional=True) float32 eval; input float32 (2, 3, 3), hx (4, 2, 2)`.
 */
export function describeCase(c: ParityCase): string {
  const { input_size: inputSize, hidden_size: hiddenSize, ...rest } = c.kwargs;
  const args: string[] = [];
  let positional = true;
  for (const [name, value] of [
    ['input_size', inputSize],
    ['hidden_size', hiddenSize],
  ] as const) {
    if (value === undefined) positional = false;
    else args.push(positional ? pyRepr(value) : `${name}=${pyRepr(value)}`);
  }
  for (const [name, value] of Object.entries(rest)) if (value !== undefined) args.push(`${name}=${pyRepr(value)}`);
  const shape = (t: Tensor): string => `(${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''})`;
  const parts = [`${TORCH_CLASS[c.module ?? 'rnn']}(${args.join(', ')}) ${c.dtype} ${c.training ? 'train' : 'eval'}`];
  const io = [`input ${c.input.dtype === c.dtype ? '' : `${c.input.dtype} `}${shape(c.input)}`];
  if (c.hx !== null) io.push(`hx ${c.hx.dtype === c.dtype ? '' : `${c.hx.dtype} `}${shape(c.hx)}`);
  if (c.cx != null) io.push(`cx ${c.cx.dtype === c.dtype ? '' : `${c.cx.dtype} `}${shape(c.cx)}`);
  if (c.packed !== null) io.push(`packed lengths [${c.packed.lengths.join(', ')}]${c.packed.enforceSorted ? '' : ' unsorted'}`);
  parts.push(io.join(', '));
  if ('seed' in c.init) parts.push(`init seed ${c.init.seed}`);
  if (c.forwardSeed !== null) parts.push(`forward seed ${c.forwardSeed}`);
  if (c.wantWeights) parts.push('weights');
  if (c.grad !== null)
    parts.push(
      `grad of ${[c.grad.output === null ? null : 'output', c.grad.hN === null ? null : 'h_n', c.grad.cN == null ? null : 'c_n'].filter((x) => x !== null).join(' + ')}`,
    );
  return parts.join('; ');
}
