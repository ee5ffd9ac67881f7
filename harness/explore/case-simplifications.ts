// The domain's simplifications of one valid ParityCase, each a consistent smaller case, most reducing first.
import { PackedSequence, Tensor, packPaddedSequence, padPackedSequence, type DType } from '../../src/index.js';
import { type ParityCase, weightsOf } from '../parity/parity-case.js';
import { isCellKind } from '../parity/family-run.js';
import type { ModuleKind } from '../worker/protocol.js';

/** A case's size, as the promise reads it (≤ 2 layers, hidden ≤ 3, seq ≤ 3, batch ≤ 2). */
export interface CaseSize {
  readonly layers: number;
  readonly directions: number;
  readonly hidden: number;
  readonly inputSize: number;
  readonly seqLen: number;
  /** 1 for unbatched input. */
  readonly batch: number;
}

/** One named simplification of a case. */
export interface Simplification {
  readonly name: string;
  readonly case: ParityCase;
}

/** A tensor as nested plain values: [row][column][feature] for the 3-D ones below. */
type Grid = number[][][];

/**
 * A valid case taken apart along torch's axes, so every simplification is an edit of plain arrays
 * and the case is rebuilt with consistent shapes: input, upstream gradient of the output (padded,
 * zeros past each length) and hx / grad h_n are sequence-first and batched here whatever the case's
 * layout; weights are row-major (rows, columns) per parameter name. A cell is one step of one layer:
 * its input is x[0] and its states have one row. Parameters have `gates` blocks of hidden_size rows
 * (torch's chunks: LSTM's i, f, g, o; GRU's r, z, n); with LSTM's proj_size P the output, h and the
 * recurrent columns are P wide and c is hidden_size wide.
 */
interface Parts {
  module: ModuleKind;
  gates: number;
  projSize: number;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  directions: number;
  nonlinearity: 'tanh' | 'relu';
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  dtype: DType;
  training: boolean;
  forwardSeed: string | null;
  seed: string | null;
  weights: Map<string, number[][]> | null;
  unbatched: boolean;
  /** (L, N, H_in) */
  x: Grid;
  /** (D·layers, N, H_out) */
  hx: Grid | null;
  /** LSTM's c_0: (D·layers, N, H) */
  cx: Grid | null;
  lengths: number[] | null;
  enforceSorted: boolean;
  hasGrad: boolean;
  /** (L, N, D·H), zeros past each packed length */
  gradOutput: Grid | null;
  /** (D·layers, N, H_out) */
  gradHN: Grid | null;
  /** LSTM's grad c_n: (D·layers, N, H) */
  gradCN: Grid | null;
  wantWeights: boolean;
}

const KWARG_KEYS = new Set([
  'input_size',
  'hidden_size',
  'num_layers',
  'nonlinearity',
  'bias',
  'batch_first',
  'dropout',
  'bidirectional',
  'proj_size',
]);

/** torch's gate chunks per module (`num_chunks` in RNNCellBase / `gate_size` in RNNBase). */
const GATES: Readonly<Record<ModuleKind, number>> = { rnn: 1, lstm: 4, gru: 3, rnn_cell: 1, lstm_cell: 4, gru_cell: 3 };

/** Width of output and h: proj_size when projecting, else hidden_size. */
function outWidth(p: Pick<Parts, 'projSize' | 'hiddenSize'>): number {
  return p.projSize || p.hiddenSize;
}

/** The size of any case (tolerant of invalid ones, like the planted-bug test's measure). */
export function caseSize(c: ParityCase): CaseSize {
  const positive = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 1);
  if (isCellKind(c.module ?? 'rnn')) {
    const batch = c.input.ndim === 2 ? (c.input.shape[0] ?? 0) : 1;
    return { layers: 1, directions: 1, hidden: positive(c.kwargs.hidden_size), inputSize: positive(c.kwargs.input_size), seqLen: 1, batch };
  }
  const batchFirst = c.kwargs.batch_first === true;
  const batched = c.input.ndim === 3;
  return {
    layers: positive(c.kwargs.num_layers ?? 1),
    directions: c.kwargs.bidirectional === true ? 2 : 1,
    hidden: positive(c.kwargs.hidden_size),
    inputSize: positive(c.kwargs.input_size),
    seqLen: (batched && batchFirst ? c.input.shape[1] : c.input.shape[0]) ?? 0,
    batch: batched ? (c.input.shape[batchFirst ? 0 : 1] ?? 0) : 1,
  };
}

/** One line: `2 layers × 2 directions, hidden 3, input 2, seq 3, batch 2`. */
export function formatCaseSize(size: CaseSize): string {
  return `${size.layers} layer(s) × ${size.directions} direction(s), hidden ${size.hidden}, input ${size.inputSize}, seq ${size.seqLen}, batch ${size.batch}`;
}

/**
 * Every simplification of `c` that the domain allows, most reducing first: fewer layers, one
 * direction, no packing, no gradients, no hx, a smaller batch, unbatched, fewer steps, smaller hidden
 * and input sizes, equal or shorter lengths, flags toward torch's defaults, weights by seed, and
 * values toward 0 and 1. Each is strictly simpler in one of these orders, so repeating never cycles.
 * An invalid or inconsistent case (an error case) has none: its shapes are the point of the case.
 */
export function simplifications(c: ParityCase): Simplification[] {
  const parts = partsOf(c);
  if (parts === null) return [];
  const out: Simplification[] = [];
  const original = partsKey(parts);
  const add = (name: string, edit: (p: Parts) => void): void => {
    const copy = cloneParts(parts);
    // An edit that changes nothing (ones over a tensor that padding keeps part zero) would be kept forever.
    edit(copy);
    if (partsKey(copy) === original) return;
    const simpler = caseOfParts(copy);
    if (simpler !== null) out.push({ name, case: simpler });
  };
  const p = parts;
  const N = p.x[0]?.length ?? 0;
  const L = p.x.length;
  if (p.numLayers > 1) {
    add('one layer', (q) => keepLayers(q, 1));
    if (p.numLayers > 2) add('one layer fewer', (q) => keepLayers(q, p.numLayers - 1));
  }
  if (p.directions === 2) add('one direction', oneDirection);
  if (p.lengths !== null) add('not packed', dropPacking);
  if (p.hasGrad) {
    add('no gradients', (q) => {
      q.hasGrad = false;
      q.gradOutput = q.gradHN = q.gradCN = null;
    });
    const given = [p.gradOutput, p.gradHN, p.gradCN].filter((g) => g !== null).length;
    if (given > 1) {
      if (p.gradOutput !== null)
        add('gradient of output only', (q) => {
          q.gradHN = q.gradCN = null;
        });
      if (p.gradHN !== null)
        add('gradient of h_n only', (q) => {
          q.gradOutput = q.gradCN = null;
        });
      if (p.gradCN !== null)
        add('gradient of c_n only', (q) => {
          q.gradOutput = q.gradHN = null;
        });
    }
  }
  if (p.hx !== null)
    add('no hx', (q) => {
      q.hx = q.cx = null;
    });
  if (N > 1) {
    add('batch 1', (q) => keepBatch(q, [0]));
    for (let n = 0; n < N && n < 4; n++)
      add(`without batch ${n}`, (q) =>
        keepBatch(
          q,
          Array.from({ length: N }, (_, i) => i).filter((i) => i !== n),
        ),
      );
  }
  if (N === 1 && !p.unbatched && p.lengths === null)
    add('unbatched', (q) => {
      q.unbatched = true;
    });
  if (L > 1) {
    add('one step', (q) => keepSteps(q, 0, 1));
    add('last step dropped', (q) => keepSteps(q, 0, L - 1));
    add('first step dropped', (q) => keepSteps(q, 1, L));
  }
  if (p.projSize > 1) {
    add('proj_size 1', (q) => shrinkProj(q, 1));
    if (p.projSize > 2) add('proj_size − 1', (q) => shrinkProj(q, p.projSize - 1));
  }
  // With projections hidden_size stays above proj_size (torch: `proj_size has to be smaller than hidden_size`).
  const smallestHidden = p.projSize + 1;
  if (p.hiddenSize > smallestHidden) {
    add(`hidden ${smallestHidden}`, (q) => shrinkHidden(q, smallestHidden));
    if (p.hiddenSize > smallestHidden + 1) add('hidden − 1', (q) => shrinkHidden(q, p.hiddenSize - 1));
    if (p.hiddenSize > 4 && Math.ceil(p.hiddenSize / 2) > smallestHidden) add('hidden halved', (q) => shrinkHidden(q, Math.ceil(p.hiddenSize / 2)));
    // A mismatch in one unit past the first (a rounding point, one row's weights) survives only with
    // that unit's weights kept: a seeded case's are drawn here as torch draws them, so the step both
    // shrinks hidden and makes the weights explicit ('weights from seed 0' may then seed it again).
    if (smallestHidden === 1)
      for (let u = 1; u < p.hiddenSize; u++)
        add(`unit ${u} alone`, (q) => {
          if (q.weights === null) explicitWeights(q, c);
          keepUnits(q, [u]);
        });
  }
  if (p.inputSize > 1) {
    add('input size 1', (q) => shrinkInput(q, 1));
    if (p.inputSize > 2) add('input size − 1', (q) => shrinkInput(q, p.inputSize - 1));
    if (p.inputSize > 4) add('input size halved', (q) => shrinkInput(q, Math.ceil(p.inputSize / 2)));
  }
  if (p.lengths !== null) {
    const lengths = p.lengths;
    if (lengths.some((l) => l !== L))
      add('equal lengths', (q) =>
        setLengths(
          q,
          lengths.map(() => L),
        ),
      );
    lengths.forEach((l, n) => {
      if (l > 1)
        add(`length ${n} − 1`, (q) =>
          setLengths(
            q,
            lengths.map((m, i) => (i === n ? m - 1 : m)),
          ),
        );
    });
    if (!p.enforceSorted && lengths.every((l, i) => i === 0 || l <= lengths[i - 1]!))
      add('enforce_sorted', (q) => {
        q.enforceSorted = true;
      });
  }
  if (p.training)
    add('eval mode', (q) => {
      q.training = false;
      q.forwardSeed = null;
    });
  if (p.dropout !== 0)
    add('no dropout', (q) => {
      q.dropout = 0;
      q.forwardSeed = null;
    });
  if (p.nonlinearity !== 'tanh')
    add('tanh', (q) => {
      q.nonlinearity = 'tanh';
    });
  if (p.batchFirst)
    add('batch_first=False', (q) => {
      q.batchFirst = false;
    });
  if (!p.bias) add('zero biases', addZeroBiases);
  if (p.dtype === 'float64') add('float32', toFloat32);
  if (p.weights !== null)
    add('weights from seed 0', (q) => {
      q.weights = null;
      q.seed = '0';
      q.wantWeights = false;
    });
  for (const [label, key] of [
    ['input', 'x'],
    ['hx', 'hx'],
    ['cx', 'cx'],
    ['grad output', 'gradOutput'],
    ['grad h_n', 'gradHN'],
    ['grad c_n', 'gradCN'],
  ] as const) {
    const grid = p[key];
    if (grid === null) continue;
    const values = grid.flat(2);
    const isZero = (v: number) => v === 0 && !Object.is(v, -0);
    if (values.some((v) => !isZero(v))) add(`${label} zeros`, (q) => mapGrid(q, key, () => 0));
    // Values only move down the order other → 1 → 0, so value edits cannot undo each other.
    if (values.some((v) => v !== 1 && !isZero(v))) add(`${label} ones`, (q) => mapGrid(q, key, (v) => (isZero(v) ? v : 1)));
    if (values.some((v) => Number.isFinite(v) && !Number.isInteger(v)))
      add(`${label} rounded`, (q) => mapGrid(q, key, (v) => (Number.isFinite(v) ? Math.round(v) + 0 : v)));
    let tried = 0;
    values.forEach((v, i) => {
      if (isZero(v) || tried >= 8) return;
      tried++;
      add(`${label}[${i}] = 0`, (q) => mapGrid(q, key, (w, j) => (j === i ? 0 : w)));
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Taking a case apart and putting it back together.

function partsOf(c: ParityCase): Parts | null {
  const k = c.kwargs;
  const module = c.module ?? 'rnn';
  const cell = isCellKind(module);
  if (Object.keys(k).some((key) => !KWARG_KEYS.has(key))) return null;
  // Only the keywords the module takes: anything else is an error case, whose kwargs are the point.
  const own = new Set(Object.keys(kwargsOfParts({ module, projSize: 0, directions: 1 } as Parts)));
  if (Object.keys(k).some((key) => !own.has(key))) return null;
  const int = (v: unknown, fallback: number | null): number | null =>
    v === undefined ? fallback : typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 4096 ? v : null;
  const inputSize = int(k.input_size, null);
  const hiddenSize = int(k.hidden_size, null);
  const numLayers = int(k.num_layers, 1);
  const bool = (v: unknown, fallback: boolean): boolean | null => (v === undefined ? fallback : typeof v === 'boolean' ? v : null);
  const bias = bool(k.bias, true);
  const batchFirst = bool(k.batch_first, false);
  const bidirectional = bool(k.bidirectional, false);
  const nonlinearity = k.nonlinearity === undefined ? 'tanh' : k.nonlinearity;
  const dropout = k.dropout === undefined ? 0 : k.dropout;
  if (inputSize === null || hiddenSize === null || numLayers === null || bias === null || batchFirst === null || bidirectional === null) return null;
  if ((nonlinearity !== 'tanh' && nonlinearity !== 'relu') || typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) return null;
  const projSize = k.proj_size === undefined ? 0 : k.proj_size;
  if (typeof projSize !== 'number' || !Number.isInteger(projSize) || projSize < 0 || projSize >= hiddenSize) return null;
  if (cell && (numLayers !== 1 || bidirectional || batchFirst || dropout !== 0)) return null;
  const D = bidirectional ? 2 : 1;
  const tensors = [c.input, c.hx, c.cx, c.grad?.output, c.grad?.hN, c.grad?.cN].filter((t): t is Tensor => t !== null && t !== undefined);
  if (tensors.some((t) => t.dtype !== c.dtype)) return null;
  // A cell's input is one step: (N, H_in), or (H_in) unbatched; taken here as (1, N, H_in).
  const unbatched = c.input.ndim === (cell ? 1 : 2);
  if (!unbatched && c.input.ndim !== (cell ? 2 : 3)) return null;
  const input = cell
    ? c.input.reshape([1, unbatched ? 1 : c.input.shape[0]!, c.input.shape.at(-1)!])
    : unbatched
      ? c.input.reshape([c.input.shape[0]!, 1, c.input.shape[1]!])
      : batchFirst
        ? swap01(c.input)
        : c.input;
  const [L, N, width] = input.shape as [number, number, number];
  if (L < 1 || N < 1 || width !== inputSize || (cell && c.packed !== null)) return null;
  const state = (t: Tensor | null | undefined, features: number): Grid | null | undefined => {
    if (t === null || t === undefined) return null;
    const batchedState = cell
      ? t.reshape([1, unbatched ? 1 : (t.shape[0] ?? 0), t.shape.at(-1) ?? 0])
      : unbatched && t.ndim === 2
        ? t.reshape([t.shape[0]!, 1, t.shape[1]!])
        : t;
    if (cell && t.ndim !== (unbatched ? 1 : 2)) return undefined;
    return sameShape(batchedState.shape, [D * numLayers, N, features]) ? toGrid(batchedState) : undefined;
  };
  const outputWidth = projSize || hiddenSize;
  const hx = state(c.hx, outputWidth);
  const cx = state(c.cx, hiddenSize);
  if (hx === undefined || cx === undefined || (cx !== null && hx === null)) return null;
  let lengths: number[] | null = null;
  if (c.packed !== null) {
    lengths = [...c.packed.lengths];
    if (unbatched || lengths.length !== N || lengths.some((l) => !Number.isInteger(l) || l < 1 || l > L)) return null;
    if (c.packed.enforceSorted && lengths.some((l, i) => i > 0 && l > lengths![i - 1]!)) return null;
  }
  let gradOutput: Grid | null = null;
  let gradHN: Grid | null = null;
  let gradCN: Grid | null = null;
  if (c.grad !== null) {
    if (c.grad.output !== null) {
      if (cell) return null;
      const padded = paddedGrad(c, c.grad.output, lengths, batchFirst, unbatched, L);
      if (padded === null || !sameShape(padded.shape, [L, N, D * outputWidth])) return null;
      gradOutput = toGrid(padded);
    }
    const g = state(c.grad.hN, outputWidth);
    const gc = state(c.grad.cN, hiddenSize);
    if (g === undefined || gc === undefined) return null;
    gradHN = g;
    gradCN = gc;
    if (gradOutput === null && gradHN === null && gradCN === null) return null;
  }
  const gates = GATES[module];
  let weights: Map<string, number[][]> | null = null;
  if ('stateDict' in c.init) {
    weights = new Map();
    const expected = parameterShapes({ module, gates, inputSize, hiddenSize, projSize, numLayers, directions: D, bias });
    if (Object.keys(c.init.stateDict).length !== expected.size) return null;
    for (const [name, shape] of expected) {
      const t = c.init.stateDict[name];
      if (t === undefined || t.dtype !== c.dtype || !sameShape(t.shape, shape)) return null;
      weights.set(name, toRows(t, shape));
    }
  }
  return {
    module,
    gates,
    projSize,
    inputSize,
    hiddenSize,
    numLayers,
    directions: D,
    nonlinearity,
    bias,
    batchFirst,
    dropout,
    dtype: c.dtype,
    training: c.training,
    forwardSeed: c.forwardSeed,
    seed: 'seed' in c.init ? c.init.seed : null,
    weights,
    unbatched,
    x: toGrid(input),
    hx,
    cx,
    lengths,
    enforceSorted: c.packed?.enforceSorted ?? true,
    hasGrad: c.grad !== null,
    gradOutput,
    gradHN,
    gradCN,
    wantWeights: c.wantWeights,
  };
}

function caseOfParts(p: Parts): ParityCase | null {
  const N = p.x[0]?.length ?? 0;
  const L = p.x.length;
  if (L === 0 || N === 0) return null;
  const D = p.directions;
  const cell = isCellKind(p.module);
  const kwargs = kwargsOfParts(p);
  const layout = (grid: Grid, features: number): Tensor => {
    const t = fromGrid(grid, [L, N, features], p.dtype);
    if (cell) return p.unbatched ? t.reshape([features]) : t.reshape([N, features]);
    if (p.unbatched) return t.reshape([L, features]);
    return p.batchFirst ? swap01(t) : t;
  };
  const stateTensor = (grid: Grid, features: number): Tensor => {
    const t = fromGrid(grid, [D * p.numLayers, N, features], p.dtype);
    if (cell) return p.unbatched ? t.reshape([features]) : t.reshape([N, features]);
    return p.unbatched ? t.reshape([D * p.numLayers, features]) : t;
  };
  let gradOutput: Tensor | null = null;
  if (p.hasGrad && p.gradOutput !== null) {
    const padded = layout(p.gradOutput, D * outWidth(p));
    gradOutput =
      p.lengths === null ? padded : packPaddedSequence(padded, p.lengths, { batchFirst: p.batchFirst, enforceSorted: p.enforceSorted }).data;
  }
  const gradHN = p.hasGrad && p.gradHN !== null ? stateTensor(p.gradHN, outWidth(p)) : null;
  const gradCN = p.hasGrad && p.gradCN !== null ? stateTensor(p.gradCN, p.hiddenSize) : null;
  if (p.hasGrad && gradOutput === null && gradHN === null && gradCN === null) return null;
  const lstm = p.module === 'lstm' || p.module === 'lstm_cell';
  const init =
    p.weights === null
      ? { seed: p.seed ?? '0' }
      : { stateDict: Object.fromEntries([...p.weights].map(([name, rows]) => [name, fromRows(rows, p.dtype, name.startsWith('bias'))])) };
  return {
    ...(p.module === 'rnn' ? {} : { module: p.module }),
    kwargs,
    dtype: p.dtype,
    init,
    training: p.training,
    forwardSeed: p.training && p.dropout > 0 ? (p.forwardSeed ?? '1') : null,
    input: layout(p.x, p.inputSize),
    hx: p.hx === null ? null : stateTensor(p.hx, outWidth(p)),
    ...(p.cx === null ? {} : { cx: stateTensor(p.cx, p.hiddenSize) }),
    packed: p.lengths === null ? null : { lengths: [...p.lengths], enforceSorted: p.enforceSorted },
    grad: p.hasGrad ? { output: gradOutput, hN: gradHN, ...(lstm ? { cN: gradCN } : {}) } : null,
    wantWeights: p.wantWeights,
  };
}

/** The upstream gradient of the output as (L, N, D·H) sequence-first, zeros past each packed length. */
function paddedGrad(c: ParityCase, grad: Tensor, lengths: number[] | null, batchFirst: boolean, unbatched: boolean, L: number): Tensor | null {
  try {
    if (lengths === null) {
      if (unbatched) return grad.ndim === 2 ? grad.reshape([grad.shape[0]!, 1, grad.shape[1]!]) : null;
      return grad.ndim === 3 ? (batchFirst ? swap01(grad) : grad) : null;
    }
    const packed = packPaddedSequence(c.input, lengths, { batchFirst, enforceSorted: c.packed?.enforceSorted ?? true });
    if (grad.ndim !== 2 || grad.shape[0] !== packed.data.shape[0]) return null;
    const [padded] = padPackedSequence(new PackedSequence(grad, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices), {
      totalLength: L,
    });
    return padded;
  } catch {
    return null;
  }
}

/** torch's kwargs of the parts, only those the module takes (the cells: sizes, bias, RNNCell's nonlinearity). */
function kwargsOfParts(p: Parts): Record<string, string | number | boolean> {
  const sizes = { input_size: p.inputSize, hidden_size: p.hiddenSize };
  if (p.module === 'rnn_cell') return { ...sizes, bias: p.bias, nonlinearity: p.nonlinearity };
  if (isCellKind(p.module)) return { ...sizes, bias: p.bias };
  const sequence = {
    ...sizes,
    num_layers: p.numLayers,
    bias: p.bias,
    batch_first: p.batchFirst,
    dropout: p.dropout,
    bidirectional: p.directions === 2,
  };
  if (p.module === 'lstm') return { ...sequence, proj_size: p.projSize };
  if (p.module === 'gru') return sequence;
  const { input_size, hidden_size, num_layers } = sequence;
  // nn.RNN's own order, as the arbitraries write it.
  return {
    input_size,
    hidden_size,
    num_layers,
    nonlinearity: p.nonlinearity,
    bias: p.bias,
    batch_first: p.batchFirst,
    dropout: p.dropout,
    bidirectional: p.directions === 2,
  };
}

/** Parameter shapes in torch's names: G·H rows per weight and bias, LSTM's weight_hr (P, H); a cell's names have no suffix. */
function parameterShapes(s: {
  module: ModuleKind;
  gates: number;
  inputSize: number;
  hiddenSize: number;
  projSize: number;
  numLayers: number;
  directions: number;
  bias: boolean;
}): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const H = s.hiddenSize;
  const out = s.projSize || H;
  const rows = s.gates * H;
  for (let layer = 0; layer < s.numLayers; layer++) {
    for (let dir = 0; dir < s.directions; dir++) {
      const suffix = isCellKind(s.module) ? '' : `_l${layer}${dir === 1 ? '_reverse' : ''}`;
      shapes.set(`weight_ih${suffix}`, [rows, layer === 0 ? s.inputSize : s.directions * out]);
      shapes.set(`weight_hh${suffix}`, [rows, out]);
      if (s.bias) {
        shapes.set(`bias_ih${suffix}`, [rows]);
        shapes.set(`bias_hh${suffix}`, [rows]);
      }
      if (s.projSize > 0) shapes.set(`weight_hr${suffix}`, [s.projSize, H]);
    }
  }
  return shapes;
}

// ---------------------------------------------------------------------------------------------
// The edits.

function keepLayers(p: Parts, layers: number): void {
  const D = p.directions;
  p.numLayers = layers;
  if (p.hx !== null) p.hx = p.hx.slice(0, layers * D);
  if (p.cx !== null) p.cx = p.cx.slice(0, layers * D);
  if (p.gradHN !== null) p.gradHN = p.gradHN.slice(0, layers * D);
  if (p.gradCN !== null) p.gradCN = p.gradCN.slice(0, layers * D);
  if (p.weights !== null) for (const name of [...p.weights.keys()]) if (layerOf(name) >= layers) p.weights.delete(name);
}

function oneDirection(p: Parts): void {
  const H = outWidth(p);
  const keep = (grid: Grid | null): Grid | null => (grid === null ? null : grid.filter((_, row) => row % 2 === 0));
  p.hx = keep(p.hx);
  p.cx = keep(p.cx);
  p.gradHN = keep(p.gradHN);
  p.gradCN = keep(p.gradCN);
  if (p.gradOutput !== null) p.gradOutput = p.gradOutput.map((step) => step.map((row) => row.slice(0, H)));
  if (p.weights !== null) {
    for (const name of [...p.weights.keys()]) {
      if (name.endsWith('_reverse')) p.weights.delete(name);
      else if (name.startsWith('weight_ih') && layerOf(name) > 0)
        p.weights.set(
          name,
          p.weights.get(name)!.map((row) => row.slice(0, H)),
        );
    }
  }
  p.directions = 1;
}

function dropPacking(p: Parts): void {
  p.lengths = null;
  p.enforceSorted = true;
}

function keepBatch(p: Parts, keep: readonly number[]): void {
  const pick = (grid: Grid | null): Grid | null => (grid === null ? null : grid.map((rows) => keep.map((n) => rows[n]!)));
  p.x = pick(p.x)!;
  p.hx = pick(p.hx);
  p.cx = pick(p.cx);
  p.gradOutput = pick(p.gradOutput);
  p.gradHN = pick(p.gradHN);
  p.gradCN = pick(p.gradCN);
  if (p.lengths !== null) p.lengths = keep.map((n) => p.lengths![n]!);
}

function keepSteps(p: Parts, from: number, to: number): void {
  p.x = p.x.slice(from, to);
  if (p.gradOutput !== null) p.gradOutput = p.gradOutput.slice(from, to);
  if (p.lengths !== null)
    setLengths(
      p,
      p.lengths.map((l) => Math.max(1, Math.min(l - from, to - from))),
    );
}

/** New lengths: gradients past them become padding (zeros); a sorted case stays sorted or stops enforcing. */
function setLengths(p: Parts, lengths: number[]): void {
  p.lengths = lengths;
  if (p.enforceSorted && lengths.some((l, i) => i > 0 && l > lengths[i - 1]!)) p.enforceSorted = false;
  if (p.gradOutput !== null) p.gradOutput = p.gradOutput.map((step, t) => step.map((row, n) => (t < lengths[n]! ? row : row.map(() => 0))));
}

/** A seeded case's parameters as explicit weights, drawn from its seed as torch draws them (harness/parity/parity-case.ts weightsOf). */
function explicitWeights(p: Parts, c: ParityCase): void {
  const drawn = weightsOf(c);
  const shapes = parameterShapes(p);
  p.weights = new Map([...shapes].map(([name, shape]) => [name, toRows(drawn[name]!, shape)]));
  p.seed = null;
  p.wantWeights = false;
}

/** hidden_size → `hidden`, keeping the first `hidden` units of every gate block. */
function shrinkHidden(p: Parts, hidden: number): void {
  keepUnits(
    p,
    Array.from({ length: hidden }, (_, u) => u),
  );
}

/**
 * Keeps hidden units `units` (ascending) of every gate block, so one unit where a mismatch shows can be
 * kept alone. With projections the output, h and recurrent columns stay proj_size wide; only c, the
 * gate rows and weight_hr's columns shrink.
 */
function keepUnits(p: Parts, units: readonly number[]): void {
  const H = p.hiddenSize;
  const D = p.directions;
  const projecting = p.projSize > 0;
  const pick = <T>(values: readonly T[], offset: number): T[] => units.map((u) => values[offset + u]!);
  const columns = (row: number[]): number[] => (projecting ? row : Array.from({ length: D }, (_, d) => pick(row, d * H)).flat());
  const gateRows = (rows: number[][]): number[][] => Array.from({ length: p.gates }, (_, g) => pick(rows, g * H)).flat();
  const states = (grid: Grid | null): Grid | null => (grid === null ? null : grid.map((rows) => rows.map((row) => pick(row, 0))));
  if (!projecting) {
    p.hx = states(p.hx);
    p.gradHN = states(p.gradHN);
  }
  p.cx = states(p.cx);
  p.gradCN = states(p.gradCN);
  if (p.gradOutput !== null) p.gradOutput = p.gradOutput.map((step) => step.map(columns));
  if (p.weights !== null) {
    for (const [name, rows] of p.weights) {
      if (name.startsWith('bias')) p.weights.set(name, [Array.from({ length: p.gates }, (_, g) => pick(rows[0]!, g * H)).flat()]);
      else if (name.startsWith('weight_hr'))
        p.weights.set(
          name,
          rows.map((row) => pick(row, 0)),
        );
      else if (name.startsWith('weight_hh'))
        p.weights.set(
          name,
          gateRows(rows).map((row) => (projecting ? row : pick(row, 0))),
        );
      else
        p.weights.set(
          name,
          gateRows(rows).map((row) => (layerOf(name) > 0 ? columns(row) : row)),
        );
    }
  }
  p.hiddenSize = units.length;
}

function shrinkInput(p: Parts, features: number): void {
  p.x = p.x.map((step) => step.map((row) => row.slice(0, features)));
  if (p.weights !== null) {
    for (const [name, rows] of p.weights)
      if (name.startsWith('weight_ih') && layerOf(name) === 0)
        p.weights.set(
          name,
          rows.map((row) => row.slice(0, features)),
        );
  }
  p.inputSize = features;
}

/** LSTM's proj_size → `proj`, keeping the first `proj` rows of weight_hr and the matching columns of h, the output and the recurrent weights. */
function shrinkProj(p: Parts, proj: number): void {
  const P = p.projSize;
  const D = p.directions;
  const columns = (row: number[]): number[] => Array.from({ length: D }, (_, d) => row.slice(d * P, d * P + proj)).flat();
  const states = (grid: Grid | null): Grid | null => (grid === null ? null : grid.map((rows) => rows.map((row) => row.slice(0, proj))));
  p.hx = states(p.hx);
  p.gradHN = states(p.gradHN);
  if (p.gradOutput !== null) p.gradOutput = p.gradOutput.map((step) => step.map(columns));
  if (p.weights !== null) {
    for (const [name, rows] of p.weights) {
      if (name.startsWith('weight_hr')) p.weights.set(name, rows.slice(0, proj));
      else if (name.startsWith('weight_hh'))
        p.weights.set(
          name,
          rows.map((row) => row.slice(0, proj)),
        );
      else if (name.startsWith('weight_ih') && layerOf(name) > 0) p.weights.set(name, rows.map(columns));
    }
  }
  p.projSize = proj;
}

function addZeroBiases(p: Parts): void {
  p.bias = true;
  if (p.weights === null) return;
  const weights = new Map<string, number[][]>();
  for (const [name, rows] of p.weights) {
    weights.set(name, rows);
    if (name.startsWith('weight_hh')) {
      const suffix = name.slice('weight_hh'.length);
      weights.set(`bias_ih${suffix}`, [new Array<number>(p.gates * p.hiddenSize).fill(0)]);
      weights.set(`bias_hh${suffix}`, [new Array<number>(p.gates * p.hiddenSize).fill(0)]);
    }
  }
  p.weights = weights;
}

function toFloat32(p: Parts): void {
  const round = (grid: Grid | null): Grid | null => (grid === null ? null : grid.map((rows) => rows.map((row) => row.map(Math.fround))));
  p.dtype = 'float32';
  p.x = round(p.x)!;
  p.hx = round(p.hx);
  p.cx = round(p.cx);
  p.gradOutput = round(p.gradOutput);
  p.gradHN = round(p.gradHN);
  p.gradCN = round(p.gradCN);
  if (p.weights !== null)
    for (const [name, rows] of p.weights)
      p.weights.set(
        name,
        rows.map((row) => row.map(Math.fround)),
      );
}

function mapGrid(p: Parts, key: 'x' | 'hx' | 'cx' | 'gradOutput' | 'gradHN' | 'gradCN', f: (value: number, flat: number) => number): void {
  const grid = p[key];
  if (grid === null) return;
  let i = 0;
  const mapped = grid.map((rows) => rows.map((row) => row.map((v) => f(v, i++))));
  if (key === 'x') p.x = mapped;
  else p[key] = mapped;
  // Values past a packed length are padding torch never reads; keep them zero so the case stays tidy.
  if (key === 'gradOutput' && p.lengths !== null) setLengths(p, p.lengths);
}

// ---------------------------------------------------------------------------------------------
// Plain-array helpers.

function layerOf(name: string): number {
  return Number(/_l(\d+)/.exec(name)?.[1] ?? 0);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function swap01(t: Tensor): Tensor {
  const [A, B, C] = t.shape as [number, number, number];
  const out = new Array<number>(t.size);
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) out[(b * A + a) * C + c] = t.data[(a * B + b) * C + c]!;
  return Tensor.fromFlat(out, [B, A, C], t.dtype);
}

function toGrid(t: Tensor): Grid {
  const [A, B, C] = t.shape as [number, number, number];
  return Array.from({ length: A }, (_, a) => Array.from({ length: B }, (_, b) => Array.from(t.data.subarray((a * B + b) * C, (a * B + b + 1) * C))));
}

function fromGrid(grid: Grid, shape: [number, number, number], dtype: DType): Tensor {
  return Tensor.fromFlat(grid.flat(2), shape, dtype);
}

/** A parameter as rows; a bias (1-D) is one row. */
function toRows(t: Tensor, shape: readonly number[]): number[][] {
  if (shape.length === 1) return [Array.from(t.data)];
  const columns = shape[1]!;
  return Array.from({ length: shape[0]! }, (_, r) => Array.from(t.data.subarray(r * columns, (r + 1) * columns)));
}

function fromRows(rows: number[][], dtype: DType, isBias: boolean): Tensor {
  const flat = rows.flat();
  return Tensor.fromFlat(flat, isBias ? [flat.length] : [rows.length, rows[0]?.length ?? 0], dtype);
}

/** Equal for equal parts (−0 and 0 alike): how an edit that changed nothing is recognised. */
function partsKey(p: Parts): string {
  return JSON.stringify({ ...p, weights: p.weights === null ? null : [...p.weights] });
}

function cloneParts(p: Parts): Parts {
  const grid = (g: Grid | null): Grid | null => (g === null ? null : g.map((rows) => rows.map((row) => [...row])));
  return {
    ...p,
    weights: p.weights === null ? null : new Map([...p.weights].map(([name, rows]) => [name, rows.map((row) => [...row])])),
    x: grid(p.x)!,
    hx: grid(p.hx),
    cx: grid(p.cx),
    lengths: p.lengths === null ? null : [...p.lengths],
    gradOutput: grid(p.gradOutput),
    gradHN: grid(p.gradHN),
    gradCN: grid(p.gradCN),
  };
}
