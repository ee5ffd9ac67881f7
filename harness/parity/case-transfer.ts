// Case transfer: parity cases and TS outcomes as plain data, so they cross to a worker thread and back intact.
import { type FloatArray, Tensor } from '../../src/index.js';
import type { Outcome } from './outcome.js';
import type { ParityCase, ParityInit } from './parity-case.js';

/**
 * A tensor as the structured clone algorithm carries it: the typed array (copied, bit for bit) and
 * the shape. A `Tensor` itself would arrive as a plain object without its prototype.
 */
export interface TensorData {
  readonly data: FloatArray;
  readonly shape: readonly number[];
}

/** A {@link ParityCase} with every tensor as {@link TensorData}; the kwargs are plain data already. */
export interface CaseData {
  readonly module?: ParityCase['module'];
  readonly kwargs: ParityCase['kwargs'];
  readonly dtype: ParityCase['dtype'];
  readonly init: { readonly seed: string; readonly seedDtype?: ParityCase['dtype'] } | { readonly stateDict: Readonly<Record<string, TensorData>> };
  readonly training: boolean;
  readonly forwardSeed: string | null;
  readonly input: TensorData;
  readonly hx: TensorData | null;
  readonly cx?: TensorData | null;
  readonly packed: ParityCase['packed'];
  readonly grad: { readonly output: TensorData | null; readonly hN: TensorData | null; readonly cN?: TensorData | null } | null;
  readonly wantWeights: boolean;
  readonly accumulation?: ParityCase['accumulation'];
}

/** An {@link Outcome} with every tensor as {@link TensorData}. */
export interface OutcomeData {
  readonly tensors: Readonly<Record<string, TensorData>>;
  readonly error: Outcome['error'];
  readonly warnings: readonly string[];
}

function tensorData(t: Tensor): TensorData {
  return { data: t.data, shape: t.shape };
}

function tensorOf(d: TensorData): Tensor {
  return new Tensor(d.data, d.shape);
}

function optional<A, B>(value: A | null, convert: (a: A) => B): B | null {
  return value === null ? null : convert(value);
}

function mapRecord<A, B>(record: Readonly<Record<string, A>>, convert: (a: A) => B): Record<string, B> {
  const out: Record<string, B> = {};
  // defineProperty, not assignment: a key such as `__proto__` stays an ordinary key.
  for (const [key, value] of Object.entries(record))
    Object.defineProperty(out, key, { value: convert(value), enumerable: true, writable: true, configurable: true });
  return out;
}

/** The case as plain data. */
export function caseData(c: ParityCase): CaseData {
  const { cx, ...rest } = c;
  return {
    ...rest,
    init: 'seed' in c.init ? { ...c.init } : { stateDict: mapRecord(c.init.stateDict, tensorData) },
    input: tensorData(c.input),
    hx: optional(c.hx, tensorData),
    ...(cx === undefined ? {} : { cx: optional(cx, tensorData) }),
    grad: optional(c.grad, (g) => ({
      output: optional(g.output, tensorData),
      hN: optional(g.hN, tensorData),
      ...(g.cN === undefined ? {} : { cN: optional(g.cN, tensorData) }),
    })),
  };
}

/** The case again, from {@link caseData}'s form. */
export function caseOfData(d: CaseData): ParityCase {
  const init: ParityInit = 'seed' in d.init ? { ...d.init } : { stateDict: mapRecord(d.init.stateDict, tensorOf) };
  const { cx, ...rest } = d;
  return {
    ...rest,
    init,
    input: tensorOf(d.input),
    hx: optional(d.hx, tensorOf),
    ...(cx === undefined ? {} : { cx: optional(cx, tensorOf) }),
    grad: optional(d.grad, (g) => ({
      output: optional(g.output, tensorOf),
      hN: optional(g.hN, tensorOf),
      ...(g.cN === undefined ? {} : { cN: optional(g.cN, tensorOf) }),
    })),
  };
}

/** The outcome as plain data. */
export function outcomeData(o: Outcome): OutcomeData {
  return { tensors: mapRecord(o.tensors, tensorData), error: o.error, warnings: o.warnings };
}

/** The outcome again, from {@link outcomeData}'s form. */
export function outcomeOfData(d: OutcomeData): Outcome {
  return { tensors: mapRecord(d.tensors, tensorOf), error: d.error, warnings: d.warnings };
}
