// Seeded init parity: manualSeed(s); new RNN(opts) equals torch.manual_seed(s); nn.RNN(...) bit for bit, for any seed and configuration.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge } from '../../harness/worker/bridge.js';
import { compareOutcomes } from '../../harness/parity/compare.js';
import { formatDifference } from '../../harness/parity/difference.js';
import { layoutOf, outcomeFromWire, runTs, toWireCase, type ParityCase, type RNNFactory } from '../../harness/parity/parity-case.js';
import type { InitRounding } from '../../src/generator.js';
import { RNN, Tensor, toTorchKwargs, type DType } from '../../src/index.js';

// Note [init parity runs]: issue 5 asks for at least 500 (seed, configuration, dtype) triples;
// INIT_PARITY_RUNS raises it, FC_SEED pins the fast-check seed (CI fixes it).
const RUNS = Number(process.env.INIT_PARITY_RUNS ?? 500);
const FC_SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

let bridge: TorchBridge;
let rounding: InitRounding;

beforeAll(async () => {
  bridge = await TorchBridge.start();
  const model = bridge.handshake.init_fingerprint.model;
  if (model === 'unknown')
    throw new Error(`the reference torch's init fingerprint matches neither rounding model: ${JSON.stringify(bridge.handshake.init_fingerprint)}`);
  rounding = model;
});

afterAll(async () => {
  await bridge.stop();
});

/** Any seed torch.manual_seed accepts: negatives, above 2**32 (aliasing), up to 2**64 - 1. */
const seed = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map(BigInt),
  fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
);

const rnnSize = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(64, 100) });

interface InitTriple {
  readonly seed: bigint;
  readonly dtype: DType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly bidirectional: boolean;
  readonly nonlinearity: 'tanh' | 'relu';
}

const triple: fc.Arbitrary<InitTriple> = fc.record({
  seed,
  dtype: fc.constantFrom<DType>('float32', 'float64'),
  inputSize: rnnSize,
  hiddenSize: rnnSize,
  numLayers: fc.integer({ min: 1, max: 4 }),
  bias: fc.boolean(),
  bidirectional: fc.boolean(),
  nonlinearity: fc.constantFrom<'tanh' | 'relu'>('tanh', 'relu'),
});

function parityCaseOf(t: InitTriple): ParityCase {
  const input = Tensor.fromFlat(
    Array.from({ length: 2 * t.inputSize }, (_, i) => Math.cos(i)),
    [2, 1, t.inputSize],
    t.dtype,
  );
  return {
    kwargs: toTorchKwargs({
      inputSize: t.inputSize,
      hiddenSize: t.hiddenSize,
      numLayers: t.numLayers,
      nonlinearity: t.nonlinearity,
      bias: t.bias,
      bidirectional: t.bidirectional,
    }),
    dtype: t.dtype,
    init: { seed: t.seed.toString() },
    training: false,
    forwardSeed: null,
    input,
    hx: null,
    packed: null,
    grad: null,
    wantWeights: true,
  };
}

/** The names of elements whose bits differ (compare.ts's exact budget lets -0 pass for +0). */
function bitDifferences(actual: Readonly<Record<string, Tensor>>, expected: Readonly<Record<string, Tensor>>): string[] {
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

describe('seeded initialisation vs torch 2.13 (bit for bit)', () => {
  it(`${RUNS} random (seed, configuration, dtype) triples give torch's weights exactly, and the same forward`, async () => {
    const factory: RNNFactory = (options) => new RNN({ ...options, initRounding: rounding });
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(triple, async (t) => {
        const c = parityCaseOf(t);
        const [result] = await bridge.run([toWireCase(c, `init-${checked}`)]);
        const torch = outcomeFromWire(result!);
        if (torch === null) throw new Error(`worker gave no answer: ${result!.status} ${JSON.stringify(result!.error)}`);

        const ts = runTs(c, factory);
        const comparison = compareOutcomes(ts, torch, layoutOf(c));

        expect(comparison.differences.map(formatDifference)).toEqual([]);
        expect(bitDifferences(ts.tensors, torch.tensors)).toEqual([]);
        checked++;
      }),
      { numRuns: RUNS, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) },
    );
    expect(checked).toBeGreaterThanOrEqual(RUNS);
  });

  it("the TS default rounding model is the reference torch's (its handshake fingerprint, spec §3.3)", () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });

    expect(rnn.initRounding).toBe(bridge.handshake.init_fingerprint.model);
  });
});

// The other rounding model, against the same torch forced onto its non-FMA kernels: a second
// worker with ATEN_CPU_CAPABILITY=default (spec §3.3), so both models are proven on live torch.
describe('seeded initialisation vs torch 2.13 with ATEN_CPU_CAPABILITY=default (unfused kernels)', () => {
  const UNFUSED_RUNS = Math.max(50, Math.floor(RUNS / 5));
  let defaultKernels: TorchBridge;

  beforeAll(async () => {
    defaultKernels = await TorchBridge.start({ env: { ATEN_CPU_CAPABILITY: 'default' } });
  });

  afterAll(async () => {
    await defaultKernels.stop();
  });

  it(`reports the unfused fingerprint, and ${UNFUSED_RUNS} triples match initRounding 'unfused' bit for bit`, async () => {
    expect(defaultKernels.handshake.init_fingerprint).toEqual({
      model: 'unfused',
      float32: [-0.004322528839111328, 0.3097158670425415],
      float64: [0.5427704542528101, 0.23996970930833827],
    });
    const factory: RNNFactory = (options) => new RNN({ ...options, initRounding: 'unfused' });
    let index = 0;
    await fc.assert(
      fc.asyncProperty(triple, async (t) => {
        const c = parityCaseOf(t);
        const [result] = await defaultKernels.run([toWireCase(c, `unfused-${index++}`)]);
        const torch = outcomeFromWire(result!);
        if (torch === null) throw new Error(`worker gave no answer: ${result!.status} ${JSON.stringify(result!.error)}`);

        const ts = runTs(c, factory);

        expect(bitDifferences(ts.tensors, torch.tensors)).toEqual([]);
      }),
      { numRuns: UNFUSED_RUNS, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) },
    );
  });
});
