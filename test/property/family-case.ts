// One case of the recurrent family (LSTM, GRU, the three cells) run on both sides: TS here, torch through the worker.
import { outcomeFromWire } from '../../harness/parity/parity-case.js';
import type { CaseLayout, Outcome } from '../../harness/parity/outcome.js';
import type { CaseResult, ModuleKind, PyValue, WireCase } from '../../harness/worker/protocol.js';
import { decodeTensor, encodeTensor } from '../../harness/worker/wire-tensor.js';
import {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  PackedSequence,
  RNNCell,
  Tensor,
  TorchError,
  catchWarnings,
  packPaddedSequence,
  padPackedSequence,
  toTorchKwargs,
  type DType,
} from '../../src/index.js';
import { manualSeed, type InitRounding } from '../../src/generator.js';

/** The family's kinds; the Elman RNN has its own harness (harness/parity-case.ts). */
export type FamilyKind = Exclude<ModuleKind, 'rnn'>;

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

type Module = LSTM | GRU | RNNCell | LSTMCell | GRUCell;

function build(c: FamilyCase, initRounding: InitRounding): Module {
  const options = { ...c.options, dtype: c.dtype, initRounding } as never;
  switch (c.module) {
    case 'lstm':
      return new LSTM(options);
    case 'gru':
      return new GRU(options);
    case 'rnn_cell':
      return new RNNCell(options);
    case 'lstm_cell':
      return new LSTMCell(options);
    case 'gru_cell':
      return new GRUCell(options);
  }
}

function integers(values: readonly number[]): Tensor {
  return Tensor.fromFlat(values, [values.length], 'float64');
}

function forwardTs(c: FamilyCase, initRounding: InitRounding): Record<string, Tensor> {
  manualSeed(BigInt(c.seed));
  const module = build(c, initRounding);
  const tensors: Record<string, Tensor> = {};
  for (const [name, p] of module.namedParameters()) tensors[`weights.${name}`] = p.clone();
  module.train(c.training);
  if (c.forwardSeed !== null) manualSeed(BigInt(c.forwardSeed));
  if (c.grad !== undefined && c.grad !== null) {
    Object.assign(tensors, gradientsTs(c, module, c.grad));
    return tensors;
  }
  if (module instanceof RNNCell || module instanceof GRUCell) {
    tensors.h_n = module.forward(c.input, c.hx);
    return tensors;
  }
  if (module instanceof LSTMCell) {
    [tensors.h_n, tensors.c_n] = module.forward(c.input, c.hx === null ? null : [c.hx, c.cx!]);
    return tensors;
  }
  const input =
    c.packed === null
      ? c.input
      : packPaddedSequence(c.input, c.packed.lengths, { batchFirst: module.batchFirst, enforceSorted: c.packed.enforceSorted });
  let output: Tensor | PackedSequence;
  if (module instanceof LSTM) {
    [output, [tensors.h_n, tensors.c_n]] = module.forward(input, c.hx === null ? null : [c.hx, c.cx!]);
  } else {
    [output, tensors.h_n] = module.forward(input, c.hx);
  }
  if (output instanceof PackedSequence) {
    tensors['packed.data'] = output.data;
    tensors['packed.batch_sizes'] = integers(output.batchSizes);
    if (output.sortedIndices !== null) tensors['packed.sorted_indices'] = integers(output.sortedIndices);
    if (output.unsortedIndices !== null) tensors['packed.unsorted_indices'] = integers(output.unsortedIndices);
    const [padded, lengths] = padPackedSequence(output, { batchFirst: module.batchFirst });
    tensors.padded = padded;
    tensors['padded.lengths'] = integers(lengths);
  } else {
    tensors.output = output;
  }
  return tensors;
}

/** The forward through `forwardWithGrad`, then backward: outputs and gradients under the worker's names. */
function gradientsTs(c: FamilyCase, module: Module, grad: NonNullable<FamilyCase['grad']>): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  let grads: { gradInput: Tensor; gradHx: Tensor; gradCx?: Tensor; grads: Readonly<Record<string, Tensor>> };
  if (module instanceof RNNCell || module instanceof GRUCell) {
    const run = module.forwardWithGrad(c.input, c.hx);
    tensors.h_n = run.h;
    grads = run.backward(grad.hN);
  } else if (module instanceof LSTMCell) {
    const run = module.forwardWithGrad(c.input, c.hx === null ? null : [c.hx, c.cx!]);
    tensors.h_n = run.h;
    tensors.c_n = run.c;
    grads = run.backward(grad.hN, grad.cN);
  } else {
    const input =
      c.packed === null
        ? c.input
        : packPaddedSequence(c.input, c.packed.lengths, { batchFirst: module.batchFirst, enforceSorted: c.packed.enforceSorted });
    const run = module instanceof LSTM ? module.forwardWithGrad(input, c.hx === null ? null : [c.hx, c.cx!]) : module.forwardWithGrad(input, c.hx);
    if ('cN' in run) tensors.c_n = run.cN;
    tensors.h_n = run.hN;
    grads = module instanceof LSTM && 'cN' in run ? run.backward(grad.output, grad.hN, grad.cN) : run.backward(grad.output, grad.hN);
    const { output } = run;
    if (output instanceof PackedSequence) {
      tensors['packed.data'] = output.data;
      tensors['packed.batch_sizes'] = integers(output.batchSizes);
      if (output.sortedIndices !== null) tensors['packed.sorted_indices'] = integers(output.sortedIndices);
      if (output.unsortedIndices !== null) tensors['packed.unsorted_indices'] = integers(output.unsortedIndices);
      const [padded, lengths] = padPackedSequence(output, { batchFirst: module.batchFirst });
      tensors.padded = padded;
      tensors['padded.lengths'] = integers(lengths);
      // torch differentiates the padded input it was given: the packed rows' gradient goes back to
      // their padded positions, zeros in the padding.
      const [gradInput] = padPackedSequence(new PackedSequence(grads.gradInput, output.batchSizes, output.sortedIndices, output.unsortedIndices), {
        batchFirst: module.batchFirst,
        totalLength: c.input.shape[module.batchFirst ? 1 : 0]!,
      });
      grads = { ...grads, gradInput };
    } else {
      tensors.output = output;
    }
  }
  tensors['grad.input'] = grads.gradInput;
  if (c.hx !== null) tensors['grad.hx'] = grads.gradHx;
  if (c.cx !== null && grads.gradCx !== undefined) tensors['grad.cx'] = grads.gradCx;
  for (const [name, g] of Object.entries(grads.grads)) tensors[`grad.${name}`] = g;
  return tensors;
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

/** torch's answer as an Outcome, with LSTM's c_n and ∂c_0; null when the worker gave none. */
export function familyOutcomeFromWire(result: CaseResult): Outcome | null {
  const outcome = outcomeFromWire(result);
  if (outcome === null) return outcome;
  const tensors = { ...outcome.tensors };
  if (result.c_n !== undefined) tensors.c_n = decodeTensor(result.c_n);
  if (result.grads?.cx) tensors['grad.cx'] = decodeTensor(result.grads.cx);
  return { ...outcome, tensors };
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
