// Coverage ledger: which values, and which pairs of values, of the categorical dimensions a campaign exercised.
import * as library from '../../src/index.js';
import type { ApiCase } from '../api/api-case.js';
import type { ApiResult } from '../api/api-result.js';
import { errorCategory } from '../parity/error-category.js';
import type { Outcome } from '../parity/outcome.js';
import { type ParityCase, moduleKindOf } from '../parity/parity-case.js';
import type { ModuleKind } from '../worker/protocol.js';

/**
 * Every categorical dimension and its possible values (valid cases only). `module` comes first, so
 * every pair with a module reads `module=… & …`; `proj` is LSTM's proj_size (0 or positive).
 */
export const DIMENSIONS: Readonly<Record<string, readonly string[]>> = {
  module: ['rnn', 'lstm', 'gru', 'rnn_cell', 'lstm_cell', 'gru_cell'],
  proj: ['0', 'positive'],
  dtype: ['float32', 'float64'],
  nonlinearity: ['tanh', 'relu'],
  bias: ['true', 'false'],
  bidirectional: ['true', 'false'],
  batch_first: ['true', 'false'],
  layout: ['batched', 'unbatched', 'packed'],
  layers: ['1', '2', '3', '4'],
  hx: ['given', 'none'],
  mode: ['eval', 'train', 'train+dropout'],
  init: ['seed', 'explicit'],
  grad: ['yes', 'no'],
};

/**
 * The dimensions and values each module has: torch.nn.RNN has every one but `proj`; LSTM and GRU have
 * no `nonlinearity` (GRU no `proj` either); a cell is one step of one layer, so it has no layers,
 * directions, batch_first, packing or inter-layer dropout (torch.nn.RNNCell, LSTMCell, GRUCell take
 * input_size, hidden_size, bias, and RNNCell nonlinearity).
 */
export function dimensionsOfModule(kind: ModuleKind): Readonly<Record<string, readonly string[]>> {
  const { module: _, proj, nonlinearity, bidirectional, batch_first, layers, layout, mode, ...common } = DIMENSIONS;
  const own = { module: [kind], ...common };
  if (kind === 'rnn')
    return {
      ...own,
      nonlinearity: nonlinearity!,
      bidirectional: bidirectional!,
      batch_first: batch_first!,
      layers: layers!,
      layout: layout!,
      mode: mode!,
    };
  const sequence = { ...own, bidirectional: bidirectional!, batch_first: batch_first!, layers: layers!, layout: layout!, mode: mode! };
  if (kind === 'lstm') return { ...sequence, proj: proj! };
  if (kind === 'gru') return sequence;
  const cell = { ...own, layout: ['batched', 'unbatched'], mode: ['eval', 'train'] };
  return kind === 'rnn_cell' ? { ...cell, nonlinearity: nonlinearity! } : cell;
}

/** The dimension values of a valid case (only the dimensions its module has: {@link dimensionsOfModule}). */
export function dimensionsOf(c: ParityCase): Record<string, string> {
  const k = c.kwargs;
  const kind = moduleKindOf(c);
  const dropout = typeof k.dropout === 'number' ? k.dropout : 0;
  const all: Record<string, string> = {
    module: kind,
    proj: typeof k.proj_size === 'number' && k.proj_size > 0 ? 'positive' : '0',
    dtype: c.dtype,
    nonlinearity: String(k.nonlinearity ?? 'tanh'),
    bias: String(k.bias ?? true),
    bidirectional: String(k.bidirectional ?? false),
    batch_first: String(k.batch_first ?? false),
    layout: c.packed !== null ? 'packed' : c.input.ndim === (kind.endsWith('_cell') ? 2 : 3) ? 'batched' : 'unbatched',
    layers: String(k.num_layers ?? 1),
    hx: c.hx === null ? 'none' : 'given',
    mode: !c.training ? 'eval' : dropout > 0 ? 'train+dropout' : 'train',
    init: 'seed' in c.init ? 'seed' : 'explicit',
    grad: c.grad === null ? 'no' : 'yes',
  };
  const own = dimensionsOfModule(kind);
  return Object.fromEntries(Object.keys(DIMENSIONS).flatMap((d) => (d in own ? [[d, all[d]!]] : [])));
}

/** Pairs of dimension values some module can produce together (the pairs the ledger expects to see). */
function possiblePairs(): Set<string> {
  const possible = new Set<string>();
  for (const kind of DIMENSIONS.module! as readonly ModuleKind[]) {
    const own = dimensionsOfModule(kind);
    const entries = Object.keys(DIMENSIONS).flatMap((d) => (own[d] ?? []).map((v) => `${d}=${v}`));
    for (let i = 0; i < entries.length; i++) for (let j = i + 1; j < entries.length; j++) possible.add(`${entries[i]} & ${entries[j]}`);
  }
  return possible;
}

const POSSIBLE_PAIRS = possiblePairs();

/**
 * The modules × values part of the coverage line: how many (module, dimension value) pairs the
 * module has ({@link dimensionsOfModule}), and which of them no valid case exercised.
 */
export function moduleValueCoverage(summary: Pick<CoverageSummary, 'missingPairs'>): { covered: number; total: number; missing: string[] } {
  const total = [...POSSIBLE_PAIRS].filter((p) => p.startsWith('module=')).length;
  const missing = summary.missingPairs.filter((p) => p.startsWith('module='));
  return { covered: total - missing.length, total, missing };
}

/** Every runtime export of src/index.ts, sorted: the rows of the API coverage line. */
export const LIBRARY_EXPORTS: readonly string[] = Object.keys(library).sort();

/**
 * The exports an RNN case exercises against torch: the module and its input, how the harness builds
 * and checks it (harness/parity/parity-case.ts runTs), packing when packed, seeding when seeded.
 */
export function exportsOf(c: ParityCase, torch: Outcome): string[] {
  const used = ['RNN', 'Tensor', 'catchWarnings', 'fromTorchKwargs', 'toTorchKwargs'];
  if (c.packed !== null) used.push('packPaddedSequence', 'padPackedSequence', 'PackedSequence');
  if ('seed' in c.init || c.forwardSeed !== null) used.push('manualSeed');
  if (torch.error !== null) used.push('TorchError');
  return used;
}

/** Cases per API target and per library export (the API coverage line). */
export interface ApiCoverage {
  readonly targets: Record<string, number>;
  /** Every runtime export of src/index.ts, zero when no case exercised it. */
  readonly exports: Record<string, number>;
}

/** A summary fit for a report. */
export interface CoverageSummary {
  readonly validCases: number;
  readonly errorCases: number;
  /** dimension → value → cases. */
  readonly values: Record<string, Record<string, number>>;
  readonly valuesCovered: number;
  readonly valuesTotal: number;
  readonly pairsCovered: number;
  readonly pairsTotal: number;
  /** Pairs never exercised, e.g. `layout=packed & mode=train+dropout`. */
  readonly missingPairs: string[];
  /** Error category (harness/parity/compare.ts errorCategory) → cases. */
  readonly errorCategories: Record<string, number>;
  readonly api: ApiCoverage;
}

/** Counts what a campaign exercised. */
export class CoverageLedger {
  private readonly values = new Map<string, number>();
  private readonly pairs = new Set<string>();
  private readonly errors = new Map<string, number>();
  private readonly targets = new Map<string, number>();
  private readonly exported = new Map<string, number>();
  private valid = 0;
  private invalid = 0;

  private countExports(names: readonly string[]): void {
    for (const name of new Set(names)) this.exported.set(name, (this.exported.get(name) ?? 0) + 1);
  }

  /** Records one API case with torch's answer: its target and the exports it exercised. */
  recordApi(c: ApiCase, exports: readonly string[], torch: ApiResult): void {
    this.targets.set(c.target, (this.targets.get(c.target) ?? 0) + 1);
    this.countExports(['catchWarnings', ...exports, ...('error' in torch ? ['TorchError'] : [])]);
  }

  /** Records one case with torch's outcome for it. */
  record(c: ParityCase, torch: Outcome): void {
    this.countExports(exportsOf(c, torch));
    if (torch.error !== null) {
      this.invalid++;
      const category = errorCategory(torch.error);
      this.errors.set(category, (this.errors.get(category) ?? 0) + 1);
      return;
    }
    this.valid++;
    const entries = Object.entries(dimensionsOf(c)).map(([d, v]) => `${d}=${v}`);
    for (const entry of entries) this.values.set(entry, (this.values.get(entry) ?? 0) + 1);
    for (let i = 0; i < entries.length; i++) for (let j = i + 1; j < entries.length; j++) this.pairs.add(`${entries[i]} & ${entries[j]}`);
  }

  /**
   * Coverage against the dimensions in use: pass `exclude` for values a campaign cannot produce
   * (e.g. `layout=packed` before packed cases exist), so they do not count as missing.
   */
  summary(exclude: readonly string[] = []): CoverageSummary {
    const names = Object.keys(DIMENSIONS);
    const domain = (d: string): string[] => DIMENSIONS[d]!.map((v) => `${d}=${v}`).filter((e) => !exclude.includes(e));
    const values: Record<string, Record<string, number>> = {};
    let valuesTotal = 0;
    let valuesCovered = 0;
    for (const d of names) {
      values[d] = {};
      for (const entry of domain(d)) {
        valuesTotal++;
        const count = this.values.get(entry) ?? 0;
        if (count > 0) valuesCovered++;
        values[d]![entry.slice(d.length + 1)] = count;
      }
    }
    const missingPairs: string[] = [];
    let pairsTotal = 0;
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        for (const a of domain(names[i]!)) {
          for (const b of domain(names[j]!)) {
            if (!POSSIBLE_PAIRS.has(`${a} & ${b}`)) continue;
            pairsTotal++;
            if (!this.pairs.has(`${a} & ${b}`)) missingPairs.push(`${a} & ${b}`);
          }
        }
      }
    }
    return {
      validCases: this.valid,
      errorCases: this.invalid,
      values,
      valuesCovered,
      valuesTotal,
      pairsCovered: pairsTotal - missingPairs.length,
      pairsTotal,
      missingPairs,
      errorCategories: Object.fromEntries([...this.errors.entries()].sort()),
      api: {
        targets: Object.fromEntries([...this.targets.entries()].sort()),
        exports: Object.fromEntries(LIBRARY_EXPORTS.map((name) => [name, this.exported.get(name) ?? 0])),
      },
    };
  }
}
