// One case of the recurrent family (LSTM, GRU, the three cells) run on both sides: TS here, torch through the worker.
import { outcomeFromWire } from '../../harness/parity/parity-case.js';
import { type FamilyKind, defaultFamilyFactory, runFamily } from '../../harness/parity/family-run.js';
import type { CaseLayout, Outcome } from '../../harness/parity/outcome.js';
import type { CaseResult, PyValue, WireCase } from '../../harness/worker/protocol.js';
import { encodeTensor } from '../../harness/worker/wire-tensor.js';
import { type Tensor, TorchError, catchWarnings, toTorchKwargs, type DType } from '../../src/index.js';
import { manualSeed, type InitRounding } from '../../src/generator.js';

export type { FamilyKind };

/** One case: options in the TS spelling (valid or not, for error parity), seeded init, one forward. */
export interface FamilyCase {
  readonly module: FamilyKind;
  readonly options: Readonly<Record<string, unknown>>;
  readonly dtype: DType;
  readonly seed: string;
  readonly training: boolean;
  readonly forwardSeed: string | null;
  readonly input: Tensor;
  readonly hx: Tensor | null;
  /** LSTM / LSTMCell's c_0; given only together with hx. */
  readonly cx: Tensor | null;
  readonly packed: { readonly lengths: readonly number[]; readonly enforceSorted: boolean } | null;
  /** Upstream gradients (output for LSTM / GRU, h_n, LSTM's c_n), or null for a forward-only case. */
  readonly grad?: { readonly output: Tensor | null; readonly hN: Tensor | null; readonly cN: Tensor | null } | null;
}

function forwardTs(c: FamilyCase, initRounding: InitRounding): Record<string, Tensor> {
  manualSeed(BigInt(c.seed));
  const module = defaultFamilyFactory(c.module, { ...c.options, dtype: c.dtype, initRounding });
  const tensors: Record<string, Tensor> = {};
  for (const [name, p] of module.namedParameters()) tensors[`weights.${name}`] = p.clone();
  module.train(c.training);
  if (c.forwardSeed !== null) manualSeed(BigInt(c.forwardSeed));
  return { ...tensors, ...runFamily({ ...c, grad: c.grad ?? null }, module) };
}

/** Runs the case in TS: a TorchError is the error outcome; anything else is our bug (`JS:` type), never a match. */
export function runFamilyTs(c: FamilyCase, initRounding: InitRounding): Outcome {
  const { result, warnings } = catchWarnings((): { tensors: Record<string, Tensor> } | { error: { type: string; message: string } } => {
    try {
      return { tensors: forwardTs(c, initRounding) };
    } catch (error) {
      if (error instanceof TorchError) return { error: { type: error.name, message: error.message } };
      const e = error instanceof Error ? error : new Error(String(error));
      return { error: { type: `JS:${e.name}`, message: `${e.message}\n${e.stack ?? ''}` } };
    }
  });
  const messages = warnings.map((w) => w.message);
  return 'error' in result ? { tensors: {}, error: result.error, warnings: messages } : { tensors: result.tensors, error: null, warnings: messages };
}

/** The case as the worker takes it (python/PROTOCOL.md, field `module`). */
export function toFamilyWire(c: FamilyCase, id: string): WireCase {
  return {
    id,
    module: c.module,
    kwargs: toTorchKwargs(c.options) as Record<string, PyValue>,
    dtype: c.dtype,
    init: { seed: c.seed },
    training: c.training,
    ...(c.forwardSeed === null ? {} : { forward_seed: c.forwardSeed }),
    input: encodeTensor(c.input),
    ...(c.hx === null ? {} : { hx: encodeTensor(c.hx) }),
    ...(c.cx === null ? {} : { cx: encodeTensor(c.cx) }),
    ...(c.packed === null ? {} : { packed: { lengths: c.packed.lengths as PyValue[], enforce_sorted: c.packed.enforceSorted } }),
    ...(c.grad === undefined || c.grad === null
      ? {}
      : {
          grad: {
            ...(c.grad.output === null ? {} : { output: encodeTensor(c.grad.output) }),
            ...(c.grad.hN === null ? {} : { h_n: encodeTensor(c.grad.hN) }),
            ...(c.grad.cN === null ? {} : { c_n: encodeTensor(c.grad.cN) }),
          },
        }),
    want: { state_dict: true },
  };
}

/** torch's answer as an Outcome, with LSTM's c_n and ∂c_0 (harness/parity/parity-case.ts reads them); null when the worker gave none. */
export function familyOutcomeFromWire(result: CaseResult): Outcome | null {
  return outcomeFromWire(result);
}

/** What compare.ts needs to scale budgets and locate a mismatch; tolerant of invalid options. */
export function familyLayout(c: FamilyCase): CaseLayout {
  const o = c.options;
  const int = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback);
  const isCell = c.module.endsWith('_cell');
  const batchFirst = o.batchFirst === true;
  const batched = c.packed !== null || c.input.ndim === (isCell ? 2 : 3);
  const seqLen = isCell
    ? 1
    : c.packed !== null
      ? Math.max(1, ...c.packed.lengths)
      : ((batched && batchFirst ? c.input.shape[1] : c.input.shape[0]) ?? 1);
  return {
    hiddenSize: int(o.projSize, int(o.hiddenSize, 1)),
    numLayers: isCell ? 1 : int(o.numLayers, 1),
    directions: o.bidirectional === true ? 2 : 1,
    batchFirst,
    batched,
    batchSizes: null,
    seqLen,
  };
}

/** Elements whose bits differ between two weight sets (compare.ts's exact budget lets −0 pass for +0). */
export function bitDifferences(actual: Readonly<Record<string, Tensor>>, expected: Readonly<Record<string, Tensor>>): string[] {
  const bad: string[] = [];
  for (const [name, tensor] of Object.entries(expected)) {
    if (!name.startsWith('weights.')) continue;
    const mine = actual[name];
    if (mine === undefined || mine.dtype !== tensor.dtype || mine.data.length !== tensor.data.length) {
      bad.push(`${name}: missing or differently shaped`);
      continue;
    }
    const index = tensor.data.findIndex((value, i) => !Object.is(value, mine.data[i]));
    if (index >= 0) bad.push(`${name}[${index}]: ts ${mine.data[index]} torch ${tensor.data[index]}`);
  }
  return bad;
}
