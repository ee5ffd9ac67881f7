// Family run: how the TS side builds and runs a ParityCase of LSTM, GRU or one of the three cells, producing the RNN's Outcome tensor names plus c_n.
import { GRU, GRUCell, LSTM, LSTMCell, PackedSequence, RNNCell, Tensor, packPaddedSequence, padPackedSequence } from '../../src/index.js';
import type { ModuleKind } from '../worker/protocol.js';

/** The modules beside the Elman RNN, in the worker's spelling (python/PROTOCOL.md `module`). */
export type FamilyKind = Exclude<ModuleKind, 'rnn'>;

/** A built family module. */
export type FamilyModule = LSTM | GRU | RNNCell | LSTMCell | GRUCell;

/**
 * Builds the family module a case names from TS options (torch's kwargs through fromTorchKwargs, plus
 * dtype, and generator / initRounding where the harness sets them). Planted-bug tests pass one that
 * returns a subclass with one seam broken.
 */
export type FamilyFactory = (kind: FamilyKind, options: Readonly<Record<string, unknown>>) => FamilyModule;

/** The library's own modules, unmodified. Options are handed over unchecked: invalid ones must raise torch's errors. */
export const defaultFamilyFactory: FamilyFactory = (kind, options) => {
  const o = options as never;
  switch (kind) {
    case 'lstm':
      return new LSTM(o);
    case 'gru':
      return new GRU(o);
    case 'rnn_cell':
      return new RNNCell(o);
    case 'lstm_cell':
      return new LSTMCell(o);
    case 'gru_cell':
      return new GRUCell(o);
  }
};

/** Whether a module kind is one of the cells (one step: no output, no layers, no packing). */
export function isCellKind(kind: ModuleKind): boolean {
  return kind.endsWith('_cell');
}

/** What the family run reads of a case; the same fields as ParityCase (kept structural to avoid an import loop). */
export interface FamilyRunInput {
  readonly input: Tensor;
  readonly hx: Tensor | null;
  readonly cx?: Tensor | null;
  readonly packed: { readonly lengths: readonly number[]; readonly enforceSorted: boolean } | null;
  readonly grad: { readonly output: Tensor | null; readonly hN: Tensor | null; readonly cN?: Tensor | null } | null;
}

function integers(values: readonly number[]): Tensor {
  return Tensor.fromFlat(values, [values.length], 'float64');
}

/** LSTM / LSTMCell's state argument as the worker builds torch's: the tuple (h_0, c_0), or hx alone when the case has no cx. */
function statePair(c: FamilyRunInput): [Tensor, Tensor] | null {
  if (c.hx === null) return null;
  const cx = c.cx ?? null;
  // The worker passes (hx, cx) only when both are given (PROTOCOL.md `cx`); a case with hx and no cx
  // passes hx alone, which torch's LSTM rejects; the TS module sees the same lone tensor.
  return cx === null ? (c.hx as unknown as [Tensor, Tensor]) : [c.hx, cx];
}

/** Records a packed output under the worker's names: packed.*, then its padded view (`pad_packed_sequence`). */
function addPacked(tensors: Record<string, Tensor>, output: PackedSequence, batchFirst: boolean): void {
  tensors['packed.data'] = output.data;
  tensors['packed.batch_sizes'] = integers(output.batchSizes);
  if (output.sortedIndices !== null) tensors['packed.sorted_indices'] = integers(output.sortedIndices);
  if (output.unsortedIndices !== null) tensors['packed.unsorted_indices'] = integers(output.unsortedIndices);
  const [padded, lengths] = padPackedSequence(output, { batchFirst });
  tensors.padded = padded;
  tensors['padded.lengths'] = integers(lengths);
}

/** Gradients under the worker's names; hx and cx have one only when the case gives them, as in torch. */
function addGrads(
  tensors: Record<string, Tensor>,
  c: FamilyRunInput,
  grads: { gradInput: Tensor; gradHx: Tensor; gradCx?: Tensor; grads: Readonly<Record<string, Tensor>> },
): void {
  tensors['grad.input'] = grads.gradInput;
  if (c.hx !== null) tensors['grad.hx'] = grads.gradHx;
  if ((c.cx ?? null) !== null && grads.gradCx !== undefined) tensors['grad.cx'] = grads.gradCx;
  for (const [name, g] of Object.entries(grads.grads)) tensors[`grad.${name}`] = g;
}

/**
 * Runs a built (and seeded, and train/eval-set) family module on the case, as the worker runs torch's
 * (python/PROTOCOL.md steps 5–8): `output` (or `packed.*` and `padded` for packed input), `h_n`, LSTM's
 * `c_n`, then with upstream gradients `grad.input`, `grad.hx`, `grad.cx` and `grad.<param>`. A cell's
 * h' is `h_n` and LSTMCell's c' is `c_n`; cells have no `output`.
 */
export function runFamily(c: FamilyRunInput, module: FamilyModule): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  const grad = c.grad;
  if (module instanceof RNNCell || module instanceof GRUCell) {
    if (grad === null) {
      tensors.h_n = module.forward(c.input, c.hx);
      return tensors;
    }
    const run = module.forwardWithGrad(c.input, c.hx);
    tensors.h_n = run.h;
    addGrads(tensors, c, run.backward(grad.hN));
    return tensors;
  }
  if (module instanceof LSTMCell) {
    if (grad === null) {
      [tensors.h_n, tensors.c_n] = module.forward(c.input, statePair(c));
      return tensors;
    }
    const run = module.forwardWithGrad(c.input, statePair(c));
    tensors.h_n = run.h;
    tensors.c_n = run.c;
    addGrads(tensors, c, run.backward(grad.hN, grad.cN ?? null));
    return tensors;
  }
  const packed =
    c.packed === null
      ? null
      : packPaddedSequence(c.input, c.packed.lengths, { batchFirst: module.batchFirst, enforceSorted: c.packed.enforceSorted });
  const input = packed ?? c.input;
  let output: Tensor | PackedSequence;
  let grads: { gradInput: Tensor; gradHx: Tensor; gradCx?: Tensor; grads: Readonly<Record<string, Tensor>> } | null = null;
  if (module instanceof LSTM) {
    if (grad === null) [output, [tensors.h_n, tensors.c_n]] = module.forward(input, statePair(c));
    else {
      const run = module.forwardWithGrad(input, statePair(c));
      [output, tensors.h_n, tensors.c_n] = [run.output, run.hN, run.cN];
      grads = run.backward(grad.output, grad.hN, grad.cN ?? null);
    }
  } else if (grad === null) [output, tensors.h_n] = module.forward(input, c.hx);
  else {
    const run = module.forwardWithGrad(input, c.hx);
    [output, tensors.h_n] = [run.output, run.hN];
    grads = run.backward(grad.output, grad.hN);
  }
  if (output instanceof PackedSequence) addPacked(tensors, output, module.batchFirst);
  else tensors.output = output;
  if (grads !== null) {
    if (packed !== null) {
      // torch differentiates the padded input it was given: the packed rows' gradient goes back to
      // their padded positions, zeros in the padding.
      const [gradInput] = padPackedSequence(new PackedSequence(grads.gradInput, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices), {
        batchFirst: module.batchFirst,
        totalLength: c.input.shape[module.batchFirst ? 1 : 0]!,
      });
      grads = { ...grads, gradInput };
    }
    addGrads(tensors, c, grads);
  }
  return tensors;
}
