// Weight interchange with torch: safetensors files torch saved load into TS exactly, and TS files survive a trip through torch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge } from '../../harness/worker/bridge.js';
import { compareOutcomes } from '../../harness/parity/compare.js';
import { formatDifference } from '../../harness/parity/difference.js';
import { layoutOf, outcomeFromWire, referenceInitRounding, runTs, toWireCase, type ParityCase } from '../../harness/parity/parity-case.js';
import { PYTHON_DIR, resolvePython } from '../../harness/worker/python-env.js';
import { Generator, type InitRounding } from '../../src/generator.js';
import { RNN, Tensor, toTorchKwargs, type DType } from '../../src/index.js';
import { readSafetensors, writeSafetensors } from '../../src/safetensors.js';

const RUNS = Number(process.env.SAFETENSORS_PARITY_RUNS ?? 40);
const FC_SEED = Number(process.env.FC_SEED ?? 20260905);
const SAVE_SCRIPT = path.join(PYTHON_DIR, 'save_safetensors.py');

let bridge: TorchBridge;
let rounding: InitRounding;
let workDir: string;

beforeAll(async () => {
  bridge = await TorchBridge.start();
  rounding = referenceInitRounding(bridge.handshake);
  workDir = mkdtempSync(path.join(tmpdir(), 'rnn-parity-safetensors-'));
});

afterAll(async () => {
  await bridge.stop();
  rmSync(workDir, { recursive: true, force: true });
});

interface Config {
  readonly dtype: DType;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly bidirectional: boolean;
  readonly seed: bigint;
}

const config: fc.Arbitrary<Config> = fc.record({
  dtype: fc.constantFrom<DType>('float32', 'float64'),
  inputSize: fc.integer({ min: 1, max: 10 }),
  hiddenSize: fc.integer({ min: 1, max: 10 }),
  numLayers: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  bidirectional: fc.boolean(),
  seed: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
});

function kwargsOf(c: Config): Record<string, unknown> {
  return toTorchKwargs({ inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bias: c.bias, bidirectional: c.bidirectional });
}

/** Runs python/save_safetensors.py once for many jobs (torch is imported once). */
function runSaveJobs(jobs: readonly Record<string, unknown>[]): void {
  const jobsFile = path.join(workDir, `jobs-${Date.now()}.json`);
  writeFileSync(jobsFile, JSON.stringify(jobs));
  execFileSync(resolvePython().path, [SAVE_SCRIPT, '--jobs', jobsFile], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
}

function forwardCase(c: Config, init: ParityCase['init']): ParityCase {
  const input = Tensor.fromFlat(
    Array.from({ length: 3 * 2 * c.inputSize }, (_, i) => Math.sin(i + 0.5)),
    [3, 2, c.inputSize],
    c.dtype,
  );
  return {
    kwargs: kwargsOf(c),
    dtype: c.dtype,
    init,
    training: false,
    forwardSeed: null,
    input,
    hx: null,
    packed: null,
    grad: null,
    wantWeights: true,
  };
}

/** First element whose bits differ between two state dicts, or null. */
function firstBitDifference(
  actual: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  expected: Readonly<Record<string, Tensor>>,
): string | null {
  const get = (name: string): Tensor | undefined => (actual instanceof Map ? actual.get(name) : (actual as Record<string, Tensor>)[name]);
  const actualNames = actual instanceof Map ? [...actual.keys()] : Object.keys(actual);
  if ([...actualNames].sort().join() !== Object.keys(expected).sort().join()) return `names ${actualNames.join()} vs ${Object.keys(expected).join()}`;
  for (const [name, tensor] of Object.entries(expected)) {
    const mine = get(name)!;
    if (mine.dtype !== tensor.dtype || mine.shape.join() !== tensor.shape.join())
      return `${name}: ${mine.dtype}${mine.shape} vs ${tensor.dtype}${tensor.shape}`;
    const index = tensor.data.findIndex((value, i) => !Object.is(value, mine.data[i]));
    if (index >= 0) return `${name}[${index}]: ${mine.data[index]} vs ${tensor.data[index]}`;
  }
  return null;
}

async function torchOutcome(c: ParityCase, id: string) {
  const [result] = await bridge.run([toWireCase(c, id)]);
  const outcome = outcomeFromWire(result!);
  if (outcome === null) throw new Error(`worker gave no answer: ${result!.status} ${JSON.stringify(result!.error)}`);
  return outcome;
}

describe('safetensors interchange with torch 2.13', () => {
  it(`torch → TS: ${RUNS} state dicts saved by python/save_safetensors.py load bit for bit and give torch's outputs`, async () => {
    const configs = fc.sample(config, { numRuns: RUNS, seed: FC_SEED });
    runSaveJobs(
      configs.map((c, i) => ({ kwargs: kwargsOf(c), dtype: c.dtype, seed: c.seed.toString(), out: path.join(workDir, `torch-${i}.safetensors`) })),
    );

    for (const [i, c] of configs.entries()) {
      const file = readSafetensors(new Uint8Array(readFileSync(path.join(workDir, `torch-${i}.safetensors`))));
      const stateDict = Object.fromEntries(file.tensors);
      const torch = await torchOutcome(forwardCase(c, { seed: c.seed.toString() }), `torch-to-ts-${i}`);
      const torchWeights = Object.fromEntries(
        Object.entries(torch.tensors)
          .filter(([k]) => k.startsWith('weights.'))
          .map(([k, t]) => [k.slice('weights.'.length), t]),
      );

      const ts = runTs(forwardCase(c, { stateDict }));

      expect(firstBitDifference(file.tensors, torchWeights), `config ${i}`).toBeNull();
      expect(compareOutcomes(ts, torch, layoutOf(forwardCase(c, { stateDict }))).differences.map(formatDifference), `config ${i}`).toEqual([]);
      expect(file.metadata).toEqual({ torch_version: bridge.handshake.torch_version, seed: c.seed.toString() });
    }
  });

  it(`TS → torch → TS: ${RUNS} TS-initialised state dicts survive torch's load_state_dict and re-save, and torch runs them like TS`, async () => {
    const configs = fc.sample(config, { numRuns: RUNS, seed: FC_SEED + 1 });
    const originals = configs.map((c, i) => {
      const rnn = new RNN({
        inputSize: c.inputSize,
        hiddenSize: c.hiddenSize,
        numLayers: c.numLayers,
        bias: c.bias,
        bidirectional: c.bidirectional,
        dtype: c.dtype,
        generator: new Generator(c.seed),
        initRounding: rounding,
      });
      writeFileSync(path.join(workDir, `ts-${i}.safetensors`), writeSafetensors(rnn.stateDict(), { origin: 'rnn-parity', index: String(i) }));
      return rnn.stateDict();
    });
    runSaveJobs(
      configs.map((c, i) => ({
        kwargs: kwargsOf(c),
        dtype: c.dtype,
        load: path.join(workDir, `ts-${i}.safetensors`),
        out: path.join(workDir, `ts-back-${i}.safetensors`),
      })),
    );

    for (const [i, c] of configs.entries()) {
      const back = readSafetensors(new Uint8Array(readFileSync(path.join(workDir, `ts-back-${i}.safetensors`))));
      const stateDict = Object.fromEntries(back.tensors);
      const parity = forwardCase(c, { stateDict });

      const torch = await torchOutcome(parity, `ts-to-torch-${i}`);

      expect(firstBitDifference(back.tensors, originals[i]!), `config ${i}`).toBeNull();
      expect(back.metadata).toEqual({ origin: 'rnn-parity', index: String(i) });
      expect(compareOutcomes(runTs(parity), torch, layoutOf(parity)).differences.map(formatDifference), `config ${i}`).toEqual([]);
    }
  });

  it(`a wrong checkpoint (${RUNS} torch-saved files with a tensor dropped, renamed or reshaped) fails with torch's load_state_dict error`, async () => {
    const configs = fc.sample(fc.tuple(config, fc.constantFrom('drop', 'rename', 'reshape'), fc.nat()), { numRuns: RUNS, seed: FC_SEED + 2 });
    runSaveJobs(
      configs.map(([c], i) => ({ kwargs: kwargsOf(c), dtype: c.dtype, seed: c.seed.toString(), out: path.join(workDir, `wrong-${i}.safetensors`) })),
    );

    for (const [i, [c, mutation, pick]] of configs.entries()) {
      const entries = [...readSafetensors(new Uint8Array(readFileSync(path.join(workDir, `wrong-${i}.safetensors`)))).tensors];
      const victim = pick % entries.length;
      const [name, tensor] = entries[victim]!;
      if (mutation === 'drop') entries.splice(victim, 1);
      if (mutation === 'rename') entries[victim] = [`${name}_extra`, tensor];
      if (mutation === 'reshape') entries[victim] = [name, Tensor.zeros([...tensor.shape.slice(0, -1), tensor.shape.at(-1)! + 1], tensor.dtype)];
      const parity = forwardCase(c, { stateDict: Object.fromEntries(entries) });

      const torch = await torchOutcome(parity, `wrong-${i}`);
      const ts = runTs(parity);

      expect(torch.error?.type, `config ${i} (${mutation})`).toBe('RuntimeError');
      expect(ts.error, `config ${i} (${mutation})`).toEqual(torch.error);
    }
  });
});
