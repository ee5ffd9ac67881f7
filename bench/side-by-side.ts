// Side-by-side bench: this project (WebAssembly SIMD kernels, and its JS kernels) vs torch,
// onnxruntime-node and onnxruntime-web on the three shapes, the same weights and inputs,
// repetitions interleaved round by round so machine noise hits every engine alike. One thread each.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PYTHON_DIR, resolvePython } from '../harness/worker/python-env.js';
import { RNN, Tensor, manualSeed } from '../src/index.js';
import { setWasmLinearDisabled } from '../src/linear-wasm.js';
import { MODELS_DIR, buildOnnxModel, ensurePeers, loadOrtNode, loadOrtWeb, openPeerSessions, timePeerSessions } from './peers.js';

export interface Shape {
  readonly name: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly seqLen: number;
  readonly batch: number;
  /** Interleaved rounds × repetitions per engine per round. */
  readonly rounds: number;
  readonly reps: number;
}

export const SHAPES: readonly Shape[] = [
  { name: 'small', inputSize: 32, hiddenSize: 64, numLayers: 1, bidirectional: false, seqLen: 50, batch: 8, rounds: 5, reps: 10 },
  { name: 'large', inputSize: 256, hiddenSize: 256, numLayers: 1, bidirectional: false, seqLen: 100, batch: 32, rounds: 5, reps: 2 },
  { name: 'deep', inputSize: 128, hiddenSize: 128, numLayers: 3, bidirectional: true, seqLen: 64, batch: 16, rounds: 5, reps: 2 },
];

/** `tsF32`: this project with `accumulation: 'float32'` (float32 rows only; Note [float32 fast path]). */
type Engine = 'ts' | 'tsJs' | 'tsF32' | 'torch' | 'ortNode' | 'ortWeb';

/** A persistent torch timer process: python/bench_peer.py (the RNN) or another script of the same protocol. */
export class TorchTimer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];

  constructor(script = 'bench_peer.py') {
    this.child = spawn(resolvePython().path, [path.join(PYTHON_DIR, script)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.resume();
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  request<T>(command: object): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as T));
      this.child.stdin.write(`${JSON.stringify(command)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

export function base64(data: Float32Array | Float64Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

export function fromBase64(text: string, dtype: 'float32' | 'float64'): Float32Array | Float64Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return dtype === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? max : Infinity;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function timeSync(fn: () => void, reps: number, into: number[]): void {
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    fn();
    into.push(performance.now() - start);
  }
}

/**
 * `a` and `b` timed one call at a time, alternately and each first every other time, so neither is
 * the one that runs cold after the other engines' turn (timing all of `a` then all of `b` favoured `b`
 * by 25% on the small shape: its calls found the code and data warm).
 */
function timeAlternating(a: () => void, b: () => void, reps: number, intoA: number[], intoB: number[]): void {
  for (let i = 0; i < reps; i++) {
    const order: [() => void, number[]][] =
      i % 2 === 0
        ? [
            [a, intoA],
            [b, intoB],
          ]
        : [
            [b, intoB],
            [a, intoA],
          ];
    for (const [fn, into] of order) timeSync(fn, 1, into);
  }
}

export interface SideBySideRow {
  readonly case: string;
  readonly forward: Partial<Record<Engine, number | null>>;
  readonly backward: Partial<Record<'ts' | 'tsJs' | 'torch', number | null>>;
  readonly maxDiff: Partial<Record<'torch' | 'tsF32' | 'ortNode' | 'ortWeb', number>>;
  /** float64 rows: the float32 model's forward (same shape, seed and input) timed in the same rounds. */
  readonly pairedFloat32Forward?: number | null;
}

/** Runs every shape × dtype; returns medians in ms. */
export async function benchSideBySide(): Promise<{ rows: SideBySideRow[]; torch: string; threads: number }> {
  ensurePeers();
  const [ortNode, ortWeb] = [await loadOrtNode(), await loadOrtWeb()];
  const timer = new TorchTimer();
  const rows: SideBySideRow[] = [];
  let torchVersion = '';
  let threads = 1;
  try {
    const only = process.env.BENCH_SHAPES?.split(',');
    for (const shape of SHAPES.filter((s) => only === undefined || only.includes(s.name))) {
      // The float32 model and input, timed again beside the float64 one: rows measured minutes apart
      // see different machine noise, so the float64/float32 ratio is taken from the same rounds.
      let float32Twin: { rnn: RNN; x: Tensor } | null = null;
      for (const dtype of ['float32', 'float64'] as const) {
        const id = `${shape.name}-${dtype}`;
        const options = {
          inputSize: shape.inputSize,
          hiddenSize: shape.hiddenSize,
          numLayers: shape.numLayers,
          bidirectional: shape.bidirectional,
          dtype,
        };
        manualSeed(0);
        const rnn = new RNN(options).eval();
        // the same seeded weights, summed in float32
        manualSeed(0);
        const fastRnn = dtype === 'float32' ? new RNN({ ...options, accumulation: 'float32' }).eval() : null;
        const dims = [shape.seqLen, shape.batch, shape.inputSize];
        const x = Tensor.fromFlat(
          Array.from({ length: shape.seqLen * shape.batch * shape.inputSize }, (_, i) => Math.sin(i * 0.37)),
          dims,
          dtype,
        );
        const weights = Object.fromEntries(rnn.namedParameters().map(([name, p]) => [name, base64(p.data)]));
        const [tsOutput] = rnn.forward(x);
        const setup = await timer.request<{ output: string; torch: string; threads: number }>({
          cmd: 'setup',
          id,
          input_size: shape.inputSize,
          hidden_size: shape.hiddenSize,
          num_layers: shape.numLayers,
          bidirectional: shape.bidirectional,
          dtype,
          weights,
          x: base64(x.data),
          shape: dims,
        });
        torchVersion = setup.torch;
        threads = setup.threads;
        const torchOutput = fromBase64(setup.output, dtype);
        const maxDiff: SideBySideRow['maxDiff'] = { torch: maxAbsDiff(tsOutput.data, torchOutput) };
        if (fastRnn !== null) maxDiff.tsF32 = maxAbsDiff(fastRnn.forward(x)[0].data, torchOutput);

        // ONNX Runtime: a float64 model is tried and skipped if refused (see openPeerSessions).
        const modelPath = path.join(MODELS_DIR, `${id}.onnx`);
        buildOnnxModel({
          path: modelPath,
          input_size: shape.inputSize,
          hidden_size: shape.hiddenSize,
          num_layers: shape.numLayers,
          bidirectional: shape.bidirectional,
          dtype,
          weights,
        });
        const sessions = await openPeerSessions({ ortNode, ortWeb }, modelPath, { data: x.data, dims, dtype });
        for (const key of ['ortNode', 'ortWeb'] as const) {
          const peer = sessions[key];
          if (peer !== undefined) maxDiff[key] = maxAbsDiff(tsOutput.data, peer.output);
        }

        if (dtype === 'float32') float32Twin = { rnn, x };
        const twin = dtype === 'float64' ? float32Twin : null;
        const pairedFloat32: number[] = [];
        const forward: Record<Engine, number[]> = { ts: [], tsJs: [], tsF32: [], torch: [], ortNode: [], ortWeb: [] };
        const backward: Record<'ts' | 'tsJs' | 'torch', number[]> = { ts: [], tsJs: [], torch: [] };
        const recorded = rnn.forwardWithGrad(x);
        const gradOutput = Tensor.fromFlat(new Array<number>(recorded.output.size).fill(1), recorded.output.shape, dtype);
        const gradHN = Tensor.fromFlat(new Array<number>(recorded.hN.size).fill(1), recorded.hN.shape, dtype);
        // warm-up for every engine, then interleaved rounds
        rnn.forward(x);
        recorded.backward(gradOutput, gradHN);
        for (let round = 0; round < shape.rounds; round++) {
          const { reps } = shape;
          setWasmLinearDisabled(false);
          if (twin === null) timeSync(() => rnn.forward(x), reps, forward.ts);
          else
            timeAlternating(
              () => rnn.forward(x),
              () => twin.rnn.forward(twin.x),
              reps,
              forward.ts,
              pairedFloat32,
            );
          timeSync(() => recorded.backward(gradOutput, gradHN), reps, backward.ts);
          if (fastRnn !== null) timeSync(() => fastRnn.forward(x), reps, forward.tsF32);
          setWasmLinearDisabled(true);
          timeSync(() => rnn.forward(x), Math.max(1, reps >> 1), forward.tsJs);
          timeSync(() => recorded.backward(gradOutput, gradHN), Math.max(1, reps >> 1), backward.tsJs);
          setWasmLinearDisabled(false);
          forward.torch.push(...(await timer.request<{ ms: number[] }>({ cmd: 'forward', id, reps })).ms);
          backward.torch.push(...(await timer.request<{ ms: number[] }>({ cmd: 'backward', id, reps })).ms);
          await timePeerSessions(sessions, reps, forward);
        }
        rows.push({
          case: `${shape.name} ${dtype}`,
          forward: Object.fromEntries(Object.entries(forward).map(([k, v]) => [k, median(v)])) as SideBySideRow['forward'],
          backward: Object.fromEntries(Object.entries(backward).map(([k, v]) => [k, median(v)])) as SideBySideRow['backward'],
          maxDiff,
          ...(twin === null ? {} : { pairedFloat32Forward: median(pairedFloat32) }),
        });
      }
    }
  } finally {
    timer.close();
  }
  return { rows, torch: torchVersion, threads };
}
