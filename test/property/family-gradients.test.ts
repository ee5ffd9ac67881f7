// Family gradient parity: LSTM, GRU and the three cells backpropagated in TS and by torch 2.13 autograd, compared by harness/parity/compare.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOutcomes, tensorKind } from '../../harness/parity/compare.js';
import { formatDifference } from '../../harness/parity/difference.js';
import type { Outcome } from '../../harness/parity/outcome.js';
import { referenceInitRounding } from '../../harness/parity/parity-case.js';
import { TorchBridge } from '../../harness/worker/bridge.js';
import type { InitRounding } from '../../src/generator.js';
import type { Tensor } from '../../src/index.js';
import { type Config, type Shape, caseOf, config, shape, values } from './family-arbitraries.js';
import { type FamilyCase, type FamilyKind, familyLayout, familyOutcomeFromWire, runFamilyTs, toFamilyWire } from './family-case.js';

// Note [family gradient runs]: cases per module. FAMILY_GRAD_RUNS=2000 is the long run reported for
// issue 17; the default keeps `pnpm test` short.
const GRAD_RUNS = Number(process.env.FAMILY_GRAD_RUNS ?? 40);
const KINDS: readonly FamilyKind[] = ['lstm', 'gru', 'rnn_cell', 'lstm_cell', 'gru_cell'];

let bridge: TorchBridge;
let rounding: InitRounding;
/** Per module and dtype: cases, the largest |ts − torch|, relative difference and ULP distance (|torch| ≥ 1e-3) over gradients, and how many gradient elements are bit-identical. */
const largest: Record<string, { cases: number; maxAbs: number; maxRel: number; maxUlps: number; elements: number; identical: number }> = {};

beforeAll(async () => {
  bridge = await TorchBridge.start();
  rounding = referenceInitRounding(bridge.handshake);
});

afterAll(async () => {
  if (Object.keys(largest).length > 0) console.log(`family gradients: ${JSON.stringify(largest)}`);
  await bridge.stop();
});

/** Which upstream gradients a case gives (at least one), from `pick`'s bits. */
function withGradients(k: FamilyCase, c: Config, s: Shape, pick: number): FamilyCase {
  const isCell = k.module.endsWith('_cell');
  const twoStates = k.module === 'lstm' || k.module === 'lstm_cell';
  const P = typeof k.options.projSize === 'number' && k.options.projSize > 0 ? k.options.projSize : c.hiddenSize;
  const D = c.bidirectional ? 2 : 1;
  const unbatched = k.input.ndim === (isCell ? 1 : 2);
  const layers = D * c.numLayers;
  const stateShape = (width: number): number[] =>
    isCell ? (unbatched ? [width] : [s.batch, width]) : unbatched ? [layers, width] : [layers, s.batch, width];
  let outputShape: number[] | null = null;
  if (!isCell) {
    if (k.packed !== null) outputShape = [k.packed.lengths.reduce((a, b) => a + b, 0), D * P];
    else if (unbatched) outputShape = [s.steps, D * P];
    else outputShape = c.batchFirst ? [s.batch, s.steps, D * P] : [s.steps, s.batch, D * P];
  }
  const choices = (pick % 7) + 1; // bits: output, h_n, c_n
  let wantsOutput = outputShape !== null && (choices & 1) !== 0;
  let wantsH = (choices & 2) !== 0;
  const wantsC = twoStates && (choices & 4) !== 0;
  if (!wantsOutput && !wantsH && !wantsC) {
    if (outputShape !== null) wantsOutput = true;
    else wantsH = true;
  }
  const seed = s.dataSeed + 11;
  const grad = (on: boolean, shapeOf: number[] | null, offset: number): Tensor | null =>
    on && shapeOf !== null ? values(seed + offset, shapeOf, k.dtype) : null;
  return {
    ...k,
    grad: {
      output: grad(wantsOutput, outputShape, 0),
      hN: grad(wantsH, stateShape(k.module === 'lstm' ? P : c.hiddenSize), 1),
      cN: grad(wantsC, stateShape(c.hiddenSize), 2),
    },
  };
}

/**
 * torch reports None for a parameter the differentiated outputs do not depend on (allow_unused), e.g.
 * W_hr of a one-layer LSTM when only c_n has an upstream gradient; the library gives zeros there.
 * Such a gradient must be all zeros, and is then left out of the comparison.
 */
function withoutUnused(ts: Outcome, expected: Readonly<Record<string, Tensor>>): Outcome {
  const tensors = { ...ts.tensors };
  for (const [name, tensor] of Object.entries(ts.tensors)) {
    if (!name.startsWith('grad.') || name in expected) continue;
    if (tensor.data.some((v) => v !== 0)) continue;
    delete tensors[name];
  }
  return { ...ts, tensors };
}

function record(
  c: FamilyCase,
  stats: Readonly<Record<string, { maxAbs: number; maxRel: number; maxUlps: number }>>,
  ts: Readonly<Record<string, Tensor>>,
  torch: Readonly<Record<string, Tensor>>,
): void {
  const key = `${c.module}/${c.dtype}`;
  const entry = (largest[key] ??= { cases: 0, maxAbs: 0, maxRel: 0, maxUlps: 0, elements: 0, identical: 0 });
  entry.cases++;
  for (const [name, s] of Object.entries(stats)) {
    if (tensorKind(name) !== 'gradient') continue;
    entry.maxAbs = Math.max(entry.maxAbs, s.maxAbs);
    entry.maxRel = Math.max(entry.maxRel, s.maxRel);
    entry.maxUlps = Math.max(entry.maxUlps, s.maxUlps);
    const [mine, theirs] = [ts[name]!.data, torch[name]!.data];
    entry.elements += theirs.length;
    for (let j = 0; j < theirs.length; j++) if (Object.is(mine[j], theirs[j]) || mine[j] === theirs[j]) entry.identical++;
  }
}

describe.each(KINDS)('%s gradients vs torch 2.13 autograd', (module) => {
  it(`${GRAD_RUNS} random configurations (every argument, packed unsorted, unbatched, batch-first, dropout masks in training) give torch's gradients`, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(config(module), shape, fc.nat(), async (c, s, pick) => {
        const k = withGradients(caseOf(c, s), c, s, pick);
        const [result] = await bridge.run([toFamilyWire(k, `grad-${checked}`)]);
        const torch = familyOutcomeFromWire(result!);
        if (torch === null) throw new Error(`worker gave no answer: ${result!.status} ${JSON.stringify(result!.error)}`);
        const expected = { ...torch, warnings: torch.warnings.filter((w) => !w.startsWith('LSTM with projections is not supported with oneDNN')) };
        const ts = withoutUnused(runFamilyTs(k, rounding), expected.tensors);
        const comparison = compareOutcomes(ts, expected, familyLayout(k));
        expect(comparison.differences.map(formatDifference)).toEqual([]);
        record(k, comparison.stats, ts.tensors, expected.tensors);
        checked++;
      }),
      { numRuns: GRAD_RUNS },
    );
    expect(checked).toBe(GRAD_RUNS);
  });
});
