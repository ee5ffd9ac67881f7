// Family parity: LSTM, GRU, RNNCell, LSTMCell and GRUCell against torch 2.13 — seeded init bit for bit, forward over random configurations, errors on invalid ones.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge } from '../../harness/worker/bridge.js';
import { compareOutcomes } from '../../harness/parity/compare.js';
import { formatDifference } from '../../harness/parity/difference.js';
import { referenceInitRounding } from '../../harness/parity/parity-case.js';
import type { InitRounding } from '../../src/generator.js';
import { Tensor, type DType } from '../../src/index.js';
import { type Config, caseOf, config, shape, values } from './family-arbitraries.js';
import { bitDifferences, familyLayout, familyOutcomeFromWire, runFamilyTs, toFamilyWire, type FamilyCase, type FamilyKind } from './family-case.js';

// Note [family parity runs]: runs per module and property. Issue 17 asks for ≥ 500 seeded inits per
// module: FAMILY_INIT_RUNS=500 does that; the defaults keep `pnpm test` short.
const INIT_RUNS = Number(process.env.FAMILY_INIT_RUNS ?? 60);
const FORWARD_RUNS = Number(process.env.FAMILY_FORWARD_RUNS ?? 60);
const ERROR_RUNS = Number(process.env.FAMILY_ERROR_RUNS ?? 60);
const KINDS: readonly FamilyKind[] = ['lstm', 'gru', 'rnn_cell', 'lstm_cell', 'gru_cell'];

let bridge: TorchBridge;
let rounding: InitRounding;
/** Largest |ts − torch| per module and dtype over the forward property, for the report. */
const largest: Record<string, number> = {};

beforeAll(async () => {
  bridge = await TorchBridge.start();
  rounding = referenceInitRounding(bridge.handshake);
});

afterAll(async () => {
  if (Object.keys(largest).length > 0) console.log(`family forward: largest |ts − torch| ${JSON.stringify(largest)}`);
  await bridge.stop();
});

async function torchOutcome(c: FamilyCase, id: string) {
  const [result] = await bridge.run([toFamilyWire(c, id)]);
  const torch = familyOutcomeFromWire(result!);
  if (torch === null) throw new Error(`worker gave no answer: ${result!.status} ${JSON.stringify(result!.error)}`);
  // torch's C++ TORCH_WARN_ONCE for a float32 LSTM with projections (it cannot use oneDNN) appears in
  // the first such case of a worker process only; the library does not emit it (see the report).
  return { ...torch, warnings: torch.warnings.filter((w) => !w.startsWith('LSTM with projections is not supported with oneDNN')) };
}

function record(c: FamilyCase, stats: Readonly<Record<string, { maxAbs?: number }>>): void {
  const key = `${c.module}/${c.dtype}`;
  for (const s of Object.values(stats)) if (typeof s.maxAbs === 'number') largest[key] = Math.max(largest[key] ?? 0, s.maxAbs);
}

describe.each(KINDS)('%s vs torch 2.13', (module) => {
  it(`${INIT_RUNS} random seeded initialisations are bit-identical to torch's`, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(config(module), shape, async (c, s) => {
        const k = caseOf(c, { ...s, training: false });
        const torch = await torchOutcome(k, `init-${checked}`);
        const ts = runFamilyTs(k, rounding);
        expect(ts.error).toBeNull();
        expect(bitDifferences(ts.tensors, torch.tensors)).toEqual([]);
        expect(Object.keys(ts.tensors).filter((n) => n.startsWith('weights.'))).toEqual(
          Object.keys(torch.tensors).filter((n) => n.startsWith('weights.')),
        );
        checked++;
      }),
      { numRuns: INIT_RUNS },
    );
    expect(checked).toBe(INIT_RUNS);
  });

  it(`${FORWARD_RUNS} random configurations (every argument, batched / unbatched / batch-first / packed, train and eval) give torch's outputs`, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(config(module), shape, async (c, s) => {
        const k = caseOf(c, s);
        const torch = await torchOutcome(k, `forward-${checked}`);
        const ts = runFamilyTs(k, rounding);
        const comparison = compareOutcomes(ts, torch, familyLayout(k));
        expect(comparison.differences.map(formatDifference)).toEqual([]);
        record(k, comparison.stats as Record<string, { maxAbs?: number }>);
        checked++;
      }),
      { numRuns: FORWARD_RUNS },
    );
    expect(checked).toBe(FORWARD_RUNS);
  });

  it(`${ERROR_RUNS} invalid arguments and inputs raise torch's error, type and text`, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(config(module), shape, fc.nat(), async (c, s, pick) => {
        const k = breakCase(caseOf(c, { ...s, training: false }), c, pick);
        const torch = await torchOutcome(k, `error-${checked}`);
        const ts = runFamilyTs(k, rounding);
        const comparison = compareOutcomes(ts, torch, familyLayout(k));
        expect(comparison.differences.map(formatDifference)).toEqual([]);
        checked++;
      }),
      { numRuns: ERROR_RUNS },
    );
  });
});

/** One mutation that makes a valid case invalid (or, for the warning, noisy), chosen by `pick`. */
function breakCase(k: FamilyCase, c: Config, pick: number): FamilyCase {
  const isCell = k.module.endsWith('_cell');
  const other: DType = k.dtype === 'float32' ? 'float64' : 'float32';
  const withOptions = (patch: Record<string, unknown>): FamilyCase => ({ ...k, options: { ...k.options, ...patch } });
  const reshaped = (t: Tensor, shape: number[]): Tensor => values(7, shape, t.dtype);
  const common: (() => FamilyCase)[] = [
    () => withOptions({ hiddenSize: -1 }),
    () => withOptions({ inputSize: -2 }),
    () => withOptions({ hiddenSize: 1.5 }),
    () => withOptions({ fooBar: 1 }),
    () => ({ ...k, input: k.input.to(other) }),
    () => ({ ...k, input: reshaped(k.input, [...k.input.shape.slice(0, -1), c.inputSize + 1]) }),
    () => ({ ...k, input: reshaped(k.input, [1, 1, 1, 1]), packed: null }),
  ];
  if (k.hx !== null) {
    common.push(
      () => ({ ...k, hx: k.hx!.to(other), cx: k.cx === null ? null : k.cx.to(other) }),
      () => ({ ...k, hx: reshaped(k.hx!, [...k.hx!.shape.slice(0, -1), k.hx!.shape.at(-1)! + 1]) }),
    );
    // one rank too many; an unbatched cell's (H+1, H) hx becomes (1, H+1, H) and fails the size check
    // (a (1, H, H) one would pass it, and torch then broadcasts to an (H, H) result)
    const tooManyDims = isCell && k.input.ndim === 1 ? [k.hx.shape[0]! + 1, ...k.hx.shape] : [2, ...k.hx.shape];
    if (k.packed === null) common.push(() => ({ ...k, hx: reshaped(k.hx!, tooManyDims) }));
    if (k.cx !== null) common.push(() => ({ ...k, cx: reshaped(k.cx!, [...k.cx!.shape.slice(0, -1), k.cx!.shape.at(-1)! + 1]) }));
  }
  if (isCell) {
    common.push(() => ({ ...k, input: reshaped(k.input, [c.inputSize + 1, 2, c.inputSize]) }));
    if (k.module === 'rnn_cell') common.push(() => withOptions({ nonlinearity: 'sigmoid' }));
  } else {
    common.push(
      () => withOptions({ numLayers: 0 }),
      () => withOptions({ dropout: 1.5 }),
      () => withOptions({ dropout: 0.5, numLayers: 1 }),
      () => withOptions({ bias: 1 }),
      () => withOptions({ batchFirst: 'yes' }),
      () => withOptions({ nonlinearity: 'relu' }),
    );
    if (k.packed === null && k.input.ndim === 3) {
      const steps = k.options.batchFirst === true ? 1 : 0;
      const shape = [...k.input.shape];
      shape[steps] = 0;
      common.push(() => ({ ...k, input: Tensor.zeros(shape, k.dtype) }));
    }
    if (k.module === 'lstm') {
      common.push(
        () => withOptions({ projSize: -1 }),
        () => withOptions({ projSize: c.hiddenSize }),
        () => withOptions({ projSize: null }),
        () => withOptions({ projSize: 0.5 }),
      );
    } else {
      common.push(
        () => withOptions({ projSize: 1 }),
        () => withOptions({ projSize: 0 }),
      );
    }
  }
  // A float32 packed LSTM with a wrong feature count runs in torch 2.13 when its batch sizes are all
  // equal (oneDNN, unchecked) where we raise: a documented divergence (README), so not drawn here.
  if (k.module === 'lstm' && k.packed !== null && k.dtype === 'float32') common.splice(5, 1);
  const mutate = common[pick % common.length]!;
  const broken = mutate();
  // A packed LSTM with hx meets no Python check in torch: its errors (or silence, in oneDNN) are
  // torch-internal, a documented divergence; such broken cases run unpacked.
  return broken.module === 'lstm' && broken.packed !== null && broken.hx !== null ? { ...broken, packed: null } : broken;
}
