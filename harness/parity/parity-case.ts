// ParityCase: one RNN case as the harness holds it, run on the TS side and encoded for the torch worker.
import {
  PackedSequence,
  RNN,
  Tensor,
  TorchError,
  catchWarnings,
  fromTorchKwargs,
  packPaddedSequence,
  padPackedSequence,
  type DType,
  type RNNGrads,
  type RNNOptions,
  type TorchRNNKwargs,
} from '../../src/index.js';
import { Generator, manualSeed, type InitRounding } from '../../src/generator.js';
import type { Accumulation } from '../../src/accumulation.js';
import type { CaseLayout, ErrorOutcome, Outcome } from './outcome.js';
import type { CaseResult, Handshake, ModuleKind, PyValue, RnnKwargs, WireCase } from '../worker/protocol.js';
import { decodeIntegers, decodeTensor, encodeTensor } from '../worker/wire-tensor.js';
import { type FamilyFactory, type FamilyKind, type FamilyModule, defaultFamilyFactory, isCellKind, runFamily } from './family-run.js';

/**
 * Parameter values: torch's init after `manual_seed(seed)` (a decimal string), or explicit tensors.
 * `seedDtype` (only in {@link shadowOf}'s float64 shadows, never stored) draws the init in that dtype
 * and widens it to the case's dtype. See Note [seeded shadows].
 */
export type ParityInit = { readonly seed: string; readonly seedDtype?: DType } | { readonly stateDict: Readonly<Record<string, Tensor>> };

/**
 * One case: build `nn.RNN(**kwargs, dtype)` (or the family module `module` names), set its parameters,
 * run forward on `input` (packed with `lengths` if given) from `hx` (and LSTM's `cx`), optionally
 * backward from upstream gradients. `kwargs` keep torch's spelling and may be invalid on purpose, for
 * error parity.
 */
export interface ParityCase {
  /**
   * The torch module, in the worker's spelling (python/PROTOCOL.md `module`): `lstm`, `gru`,
   * `rnn_cell`, `lstm_cell`, `gru_cell`; absent means `rnn`, so every case and fixture written before
   * the family existed is unchanged. Cells take no `packed` and no `grad.output`.
   */
  readonly module?: ModuleKind;
  readonly kwargs: Readonly<TorchRNNKwargs>;
  readonly dtype: DType;
  readonly init: ParityInit;
  readonly training: boolean;
  /** `manual_seed` right before forward, so dropout masks are reproducible; null leaves the generator. */
  readonly forwardSeed: string | null;
  readonly input: Tensor;
  readonly hx: Tensor | null;
  /** LSTM / LSTMCell's c_0, only with `hx` (torch's state tuple `(h_0, c_0)`); absent or null otherwise. */
  readonly cx?: Tensor | null;
  readonly packed: { readonly lengths: readonly number[]; readonly enforceSorted: boolean } | null;
  /** Upstream gradients: of the output, of h_n, and of LSTM's c_n (`cN`, absent or null elsewhere). */
  readonly grad: { readonly output: Tensor | null; readonly hN: Tensor | null; readonly cN?: Tensor | null } | null;
  /** Ask for the parameters after init (exact comparison of seeded init). */
  readonly wantWeights: boolean;
  /**
   * The TS module's `accumulation` option (Note [float32 fast path]); absent means 'float64', the
   * default. torch never sees it: its float32 answer judges either rounding model.
   */
  readonly accumulation?: Accumulation;
}

/**
 * Builds the module under test; the planted-bug tests pass a subclass with one seam broken. Family
 * cases (LSTM, GRU, cells) are built by `family` when the factory has it (planted family bugs), else by
 * the library's own classes.
 */
export interface RNNFactory {
  (options: RNNOptions): RNN;
  readonly family?: FamilyFactory;
}

/** The library's own RNN, unmodified. */
export const defaultFactory: RNNFactory = (options) => new RNN(options);

/** The module kind of a case: `rnn` when absent. */
export function moduleKindOf(c: Pick<ParityCase, 'module'>): ModuleKind {
  return c.module ?? 'rnn';
}

/**
 * How the reference torch rounds `uniform_` (spec §3.3), from its handshake fingerprint; 'fused' (the
 * library's default, and torch's AVX2/AVX512 kernels) when the fingerprint is unknown.
 */
export function referenceInitRounding(handshake: Pick<Handshake, 'init_fingerprint'>): InitRounding {
  return handshake.init_fingerprint.model === 'unfused' ? 'unfused' : 'fused';
}

/** The module under test built as the reference torch initialises: its `uniform_` rounding. */
export function referenceFactory(handshake: Pick<Handshake, 'init_fingerprint'>): RNNFactory {
  const initRounding = referenceInitRounding(handshake);
  return Object.assign((options: RNNOptions) => new RNN({ ...options, initRounding }), {
    family: ((kind, options) => defaultFamilyFactory(kind, { ...options, initRounding })) satisfies FamilyFactory,
  });
}

/** The case as the worker's protocol carries it (python/PROTOCOL.md). */
export function toWireCase(c: ParityCase, id: string, options: { readonly roundingReference?: boolean } = {}): WireCase {
  const init =
    'seed' in c.init
      ? { seed: c.init.seed, ...(c.init.seedDtype === undefined ? {} : { seed_dtype: c.init.seedDtype }) }
      : { state_dict: Object.fromEntries(Object.entries(c.init.stateDict).map(([name, t]) => [name, encodeTensor(t)])) };
  return {
    id,
    ...(moduleKindOf(c) === 'rnn' ? {} : { module: moduleKindOf(c) }),
    kwargs: wireKwargs(c.kwargs),
    dtype: c.dtype,
    init,
    training: c.training,
    ...(c.forwardSeed === null ? {} : { forward_seed: c.forwardSeed }),
    input: encodeTensor(c.input),
    ...(c.hx === null ? {} : { hx: encodeTensor(c.hx) }),
    ...(c.cx == null ? {} : { cx: encodeTensor(c.cx) }),
    ...(c.packed === null ? {} : { packed: { lengths: c.packed.lengths as PyValue[], enforce_sorted: c.packed.enforceSorted } }),
    ...(c.grad === null
      ? {}
      : {
          grad: {
            ...(c.grad.output === null ? {} : { output: encodeTensor(c.grad.output) }),
            ...(c.grad.hN === null ? {} : { h_n: encodeTensor(c.grad.hN) }),
            ...(c.grad.cN == null ? {} : { c_n: encodeTensor(c.grad.cN) }),
          },
        }),
    ...(c.wantWeights || options.roundingReference === true
      ? { want: { ...(c.wantWeights ? { state_dict: true } : {}), ...(options.roundingReference === true ? { rounding_reference: true } : {}) } }
      : {}),
  };
}

/**
 * JSON has no NaN, ±Inf or BigInt, and Python's json reads `1e+21` as a float, so such kwargs travel
 * tagged (PROTOCOL.md): `{$float: "nan"}`, and `{$int: "…"}` for a BigInt or a JS integer ≥ 1e21,
 * which is a Python int to the caller. Lists and dicts are tagged inside.
 */
function wireKwargs(kwargs: Readonly<TorchRNNKwargs>): RnnKwargs {
  const wire: Record<string, PyValue> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (value === undefined) continue;
    Object.defineProperty(wire, key, { value: wireValue(value), enumerable: true, writable: true, configurable: true });
  }
  return wire;
}

function wireValue(value: unknown): PyValue {
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { $float: String(value).replace('Infinity', 'inf') };
    if (Number.isInteger(value) && Math.abs(value) >= 1e21) return { $int: BigInt(value).toString() };
    return value;
  }
  if (Array.isArray(value)) return value.map(wireValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, PyValue> = {};
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(out, key, { value: wireValue(item), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value as PyValue;
}

// Note [seeded shadows]
// torch's uniform_ draws 53-bit values for float64 and 24-bit ones for float32, so manual_seed(s)
// then nn.RNN(dtype=float64) is another network than manual_seed(s) then nn.RNN(dtype=float32), not
// its widening. A shadow seeded in float64 sits far from torch's float32 answer, the allowance it
// gives is wide, and a real bug passes (a bias_hh used as bias_ih did). So the shadow of a seeded
// case keeps the seed and names the dtype it was drawn in: the worker builds the module in float32
// and converts it to float64 (exact), so torch draws the parameters, not TS, whose init may carry
// the very bug being judged. The seed stays a seed: the shadow needs no state_dict on the wire.

/**
 * The float64 shadow of a float32 case: the same bits widened to float64 (exact), torch's answer to
 * which judges whether TS or torch-float32 sits closer to the truth (harness/parity/compare.ts).
 * A seeded case's parameters are torch's float32 init widened (Note [seeded shadows]).
 */
export function shadowOf(c: ParityCase): ParityCase {
  const widen = (t: Tensor | null): Tensor | null => (t === null ? null : t.to('float64'));
  const init: ParityInit =
    'seed' in c.init
      ? { seed: c.init.seed, seedDtype: c.init.seedDtype ?? c.dtype }
      : { stateDict: Object.fromEntries(Object.entries(c.init.stateDict).map(([k, t]) => [k, t.to('float64')])) };
  return {
    ...c,
    dtype: 'float64',
    init,
    input: c.input.to('float64'),
    hx: widen(c.hx),
    ...(c.cx === undefined ? {} : { cx: widen(c.cx) }),
    grad:
      c.grad === null ? null : { output: widen(c.grad.output), hN: widen(c.grad.hN), ...(c.grad.cN === undefined ? {} : { cN: widen(c.grad.cN) }) },
  };
}

// Note [oneDNN projection warning]
// torch 2.13 warns `LSTM with projections is not supported with oneDNN. Using default implementation.`
// (ATen's TORCH_WARN_ONCE in aten/src/ATen/native/RNN.cpp) for a float32 LSTM with proj_size > 0 —
// once per worker process, so whether a case sees it depends on which cases the process ran before,
// not on the case. The library runs no oneDNN and never emits it; torch's answer drops it.
const ONCE_PER_PROCESS_WARNINGS = ['LSTM with projections is not supported with oneDNN'];

/** torch's answer as an {@link Outcome}; null when the worker gave none (crash, timeout, protocol error). */
export function outcomeFromWire(result: CaseResult): Outcome | null {
  if (result.status !== 'ok' && result.status !== 'error') return null;
  const warnings = result.warnings.map((w) => w.message).filter((m) => !ONCE_PER_PROCESS_WARNINGS.some((prefix) => m.startsWith(prefix)));
  if (result.status === 'error') return { tensors: {}, error: result.error ?? { type: 'Unknown', message: '' }, warnings };
  const tensors: Record<string, Tensor> = {};
  if (result.packed !== undefined) {
    const p = result.packed;
    tensors['packed.data'] = decodeTensor(p.data);
    tensors['packed.batch_sizes'] = integerTensor(decodeIntegers(p.batch_sizes));
    if (p.sorted_indices !== null) tensors['packed.sorted_indices'] = integerTensor(decodeIntegers(p.sorted_indices));
    if (p.unsorted_indices !== null) tensors['packed.unsorted_indices'] = integerTensor(decodeIntegers(p.unsorted_indices));
    tensors.padded = decodeTensor(p.padded);
    tensors['padded.lengths'] = integerTensor(decodeIntegers(p.lengths));
  } else if (result.output !== undefined) {
    tensors.output = decodeTensor(result.output);
  }
  if (result.h_n !== undefined) tensors.h_n = decodeTensor(result.h_n);
  if (result.c_n !== undefined) tensors.c_n = decodeTensor(result.c_n);
  for (const [name, wire] of Object.entries(result.state_dict ?? {})) tensors[`weights.${name}`] = decodeTensor(wire);
  if (result.grads !== undefined) {
    if (result.grads.input) tensors['grad.input'] = decodeTensor(result.grads.input);
    if (result.grads.hx) tensors['grad.hx'] = decodeTensor(result.grads.hx);
    if (result.grads.cx) tensors['grad.cx'] = decodeTensor(result.grads.cx);
    for (const [name, wire] of Object.entries(result.grads.params)) if (wire) tensors[`grad.${name}`] = decodeTensor(wire);
  }
  return { tensors, error: null, warnings };
}

/** Integer metadata (batch sizes, indices, lengths) compared exactly as float64 values. */
function integerTensor(values: readonly number[]): Tensor {
  return Tensor.fromFlat(values, [values.length], 'float64');
}

/**
 * Runs the case on the TS side. A `TorchError` becomes the error outcome; any other exception is a
 * bug in the library and is reported as such (type `JS:<name>`), so it can never match torch.
 */
export function runTs(c: ParityCase, factory: RNNFactory = defaultFactory): Outcome {
  const { result, warnings } = catchWarnings((): { tensors: Record<string, Tensor> } | { error: ErrorOutcome } => {
    try {
      return { tensors: forwardTs(c, factory) };
    } catch (error) {
      if (error instanceof TorchError) return { error: { type: error.name, message: error.message } };
      const e = error instanceof Error ? error : new Error(String(error));
      return { error: { type: `JS:${e.name}`, message: `${e.message}\n${e.stack ?? ''}` } };
    }
  });
  const messages = warnings.map((w) => w.message);
  return 'error' in result ? { tensors: {}, error: result.error, warnings: messages } : { tensors: result.tensors, error: null, warnings: messages };
}

function forwardTs(c: ParityCase, factory: RNNFactory): Record<string, Tensor> {
  const built = moduleFor(c, factory, optionsOf(c));
  const tensors: Record<string, Tensor> = {};
  if (c.wantWeights) for (const [name, p] of built.namedParameters()) tensors[`weights.${name}`] = p.clone();
  built.train(c.training);
  if (c.forwardSeed !== null) manualSeed(BigInt(c.forwardSeed));
  if (!(built instanceof RNN)) return { ...tensors, ...runFamily(c, built) };
  const rnn = built;
  if (c.packed !== null) {
    const packed = packForCase(c, rnn.batchFirst);
    const run = c.grad === null ? null : rnn.forwardWithGrad(packed, c.hx);
    const [output, hN] = run === null ? rnn.forward(packed, c.hx) : [run.output, run.hN];
    tensors['packed.data'] = output.data;
    tensors['packed.batch_sizes'] = integerTensor(output.batchSizes);
    if (output.sortedIndices !== null) tensors['packed.sorted_indices'] = integerTensor(output.sortedIndices);
    if (output.unsortedIndices !== null) tensors['packed.unsorted_indices'] = integerTensor(output.unsortedIndices);
    const [padded, lengths] = padForCase(output, rnn.batchFirst);
    tensors.padded = padded;
    tensors['padded.lengths'] = integerTensor(lengths);
    tensors.h_n = hN;
    if (run !== null && c.grad !== null) {
      const grads = run.backward(c.grad.output, c.grad.hN);
      // torch differentiates the padded input it was given, so the packed rows' gradient goes back
      // to their padded positions, with zeros in the padding.
      const steps = c.input.shape[rnn.batchFirst ? 1 : 0]!;
      const [gradInput] = padPackedSequence(new PackedSequence(grads.gradInput, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices), {
        batchFirst: rnn.batchFirst,
        totalLength: steps,
      });
      addGrads(tensors, c, { ...grads, gradInput });
    }
  } else if (c.grad !== null) {
    const run = rnn.forwardWithGrad(c.input, c.hx);
    tensors.output = run.output;
    tensors.h_n = run.hN;
    addGrads(tensors, c, run.backward(c.grad.output, c.grad.hN));
  } else {
    const [output, hN] = rnn.forward(c.input, c.hx);
    tensors.output = output;
    tensors.h_n = hN;
  }
  return tensors;
}

/** The TS options of a case: torch's kwargs in the TS spelling, the dtype, and the RNN's accumulation if set. */
function optionsOf(c: ParityCase): RNNOptions {
  return {
    ...fromTorchKwargs(c.kwargs),
    dtype: c.dtype,
    ...(c.accumulation === undefined ? {} : { accumulation: c.accumulation }),
  } as RNNOptions;
}

/** Builds the case's module kind: the RNN through `factory`, a family module through `factory.family` (or the library's). */
function build(c: ParityCase, factory: RNNFactory, options: RNNOptions): RNN | FamilyModule {
  const kind = moduleKindOf(c);
  if (kind === 'rnn') return factory(options);
  return (factory.family ?? defaultFamilyFactory)(kind as FamilyKind, options as unknown as Record<string, unknown>);
}

/** The case's module with its init: seeded (in the seed's dtype, then converted), or a loaded state_dict. */
function moduleFor(c: ParityCase, factory: RNNFactory, options: RNNOptions): RNN | FamilyModule {
  if ('stateDict' in c.init) {
    const module = build(c, factory, options);
    module.loadStateDict(c.init.stateDict);
    return module;
  }
  const seedDtype = c.init.seedDtype ?? c.dtype;
  if (seedDtype === c.dtype) {
    manualSeed(BigInt(c.init.seed));
    return build(c, factory, options);
  }
  // See Note [seeded shadows]: torch's `module.to(dtype)` after init draws nothing, so the module
  // that receives the converted parameters draws its own init from a spare generator, and then uses
  // the global one, as torch's module would for dropout.
  const module = build(c, factory, { ...options, generator: new Generator() } as RNNOptions);
  const drawnFrom = manualSeed(BigInt(c.init.seed));
  module.loadStateDict(build(c, factory, { ...options, dtype: seedDtype } as RNNOptions).stateDict());
  module.generator = drawnFrom;
  return module;
}

/** Gradients under the names the worker uses; hx has one only when the case gives hx, as in torch. */
function addGrads(tensors: Record<string, Tensor>, c: ParityCase, grads: RNNGrads): void {
  tensors['grad.input'] = grads.gradInput;
  if (c.hx !== null) tensors['grad.hx'] = grads.gradHx;
  for (const [name, grad] of Object.entries(grads.grads)) tensors[`grad.${name}`] = grad;
}

/** Packs the case input as the worker does: `pack_padded_sequence(input, lengths, batch_first=module.batch_first, enforce_sorted)`. */
function packForCase(c: ParityCase, batchFirst: boolean): PackedSequence {
  if (c.packed === null) throw new Error('BUG: packForCase on an unpacked case');
  return packPaddedSequence(c.input, c.packed.lengths, { batchFirst, enforceSorted: c.packed.enforceSorted });
}

/** The padded view the worker reports: `pad_packed_sequence(output, batch_first=module.batch_first)`. */
function padForCase(packed: PackedSequence, batchFirst: boolean): [Tensor, number[]] {
  return padPackedSequence(packed, { batchFirst });
}

/** The case's weights as explicit tensors (drawn from the seed, as torch would, for seeded cases). */
export function weightsOf(c: ParityCase): Record<string, Tensor> {
  if ('stateDict' in c.init) return { ...c.init.stateDict };
  return moduleFor(c, defaultFactory, { ...fromTorchKwargs(c.kwargs), dtype: c.dtype } as RNNOptions).stateDict();
}

/** The layout facts compare.ts needs to decode a mismatch position; tolerant of invalid kwargs. */
export function layoutOf(c: ParityCase): CaseLayout {
  const k = c.kwargs;
  const int = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback);
  const batchFirst = k.batch_first === true;
  if (isCellKind(moduleKindOf(c))) {
    // A cell is one step of one layer: (N, H) or unbatched (H).
    return {
      hiddenSize: int(k.hidden_size, 1),
      numLayers: 1,
      directions: 1,
      batchFirst: false,
      batched: c.input.ndim === 2,
      batchSizes: null,
      seqLen: 1,
    };
  }
  const batched = c.packed !== null || c.input.ndim === 3;
  const seqLen = c.packed !== null ? Math.max(1, ...c.packed.lengths) : ((batched && batchFirst ? c.input.shape[1] : c.input.shape[0]) ?? 1);
  return {
    // LSTM with projections: output and h_n are proj_size wide (c_n is hidden_size wide; located as if proj_size).
    hiddenSize: int(k.proj_size, int(k.hidden_size, 1)),
    numLayers: int(k.num_layers, 1),
    directions: k.bidirectional === true ? 2 : 1,
    batchFirst,
    batched,
    batchSizes: c.packed === null ? null : batchSizesOf(c.packed.lengths),
    seqLen,
  };
}

/** torch's batch_sizes for valid lengths (the number of sequences longer than each step); null otherwise. */
function batchSizesOf(lengths: readonly number[]): number[] | null {
  if (lengths.length === 0 || !lengths.every((l) => Number.isInteger(l) && l > 0 && l < 1e6)) return null;
  return Array.from({ length: Math.max(...lengths) }, (_, t) => lengths.filter((l) => l > t).length);
}

/**
 * The worker's rounding-point reference for a case, under the TS outcome's names (`output`, or
 * `padded` for packed input, and `h_n`); null when none was asked for or the case is outside its model.
 */
export function roundingReferenceFromWire(c: ParityCase, result: CaseResult): Readonly<Record<string, Tensor>> | null {
  const reference = result.rounding_reference;
  if (reference === undefined) return null;
  return { [c.packed === null ? 'output' : 'padded']: decodeTensor(reference.output), h_n: decodeTensor(reference.h_n) };
}
