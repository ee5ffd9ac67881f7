// Peer engines for the side-by-side bench, installed on demand into bench/peers/ (its own package.json
// and Python venv, both gitignored), so `pnpm install` stays lean and `pnpm test` never needs them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PEERS_DIR = fileURLToPath(new URL('./peers/', import.meta.url));
export const MODELS_DIR = path.join(PEERS_DIR, 'models');
const VENV_PYTHON = path.join(PEERS_DIR, '.venv', 'bin', 'python');

/** The slice of onnxruntime's JS API the bench uses (node and web share it). */
export interface OrtTensor {
  readonly data: Float32Array | Float64Array;
  readonly dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
export interface Ort {
  readonly Tensor: new (type: 'float32' | 'float64', data: Float32Array | Float64Array, dims: readonly number[]) => OrtTensor;
  readonly InferenceSession: { create(pathOrBytes: string | Uint8Array, options?: object): Promise<OrtSession> };
  readonly env: { wasm: { numThreads: number; simd?: boolean } };
}

/** npm-installs onnxruntime-node and -web (pinned in bench/peers/package.json) and the pinned onnx into bench/peers/.venv, once. */
export function ensurePeers(systemPython = 'python3'): void {
  if (!existsSync(path.join(PEERS_DIR, 'node_modules', 'onnxruntime-web')) || !existsSync(path.join(PEERS_DIR, 'node_modules', 'onnxruntime-node'))) {
    console.log('bench: installing onnxruntime-node and onnxruntime-web into bench/peers …');
    // onnxruntime-node's install script would fetch GPU binaries; its CPU binaries ship in the package.
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: PEERS_DIR,
      stdio: 'inherit',
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    });
  }
  if (!existsSync(VENV_PYTHON)) {
    console.log('bench: creating bench/peers/.venv with the pinned onnx …');
    execFileSync(systemPython, ['-m', 'venv', path.join(PEERS_DIR, '.venv')], { stdio: 'inherit' });
    execFileSync(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '-r', path.join(PEERS_DIR, 'requirements.txt')], { stdio: 'inherit' });
  }
  mkdirSync(MODELS_DIR, { recursive: true });
}

async function importPeer(name: string): Promise<Ort> {
  const require = createRequire(path.join(PEERS_DIR, 'package.json'));
  const module = (await import(pathToFileURL(require.resolve(name)).href)) as { default?: Ort } & Ort;
  return module.InferenceSession ? module : module.default!;
}

export async function loadOrtNode(): Promise<Ort> {
  return importPeer('onnxruntime-node');
}

export async function loadOrtWeb(): Promise<Ort> {
  const ort = await importPeer('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  return ort;
}

/** Writes an ONNX model of the RNN (or LSTM, GRU) with these weights (bench/peers/build_onnx_rnn.py, onnx.helper). */
export function buildOnnxModel(spec: {
  path: string;
  module?: 'rnn' | 'lstm' | 'gru';
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  dtype: 'float32' | 'float64';
  weights: Record<string, string>;
}): void {
  execFileSync(VENV_PYTHON, [path.join(PEERS_DIR, 'build_onnx_rnn.py')], { input: JSON.stringify(spec), stdio: ['pipe', 'ignore', 'inherit'] });
}

/** The engines the benches compare with, each on one thread; their error logs (a refused float64 model) silenced. */
export type PeerKey = 'ortNode' | 'ortWeb';
const SESSION_OPTIONS: Readonly<Record<PeerKey, object>> = {
  ortNode: { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 4 },
  ortWeb: { executionProviders: ['wasm'], logSeverityLevel: 4 },
};

/** A model opened in one engine, and its output on the bench input. */
export interface PeerSession {
  /** One inference on the bench input (its tensor built once, as a caller would keep it). */
  readonly run: () => Promise<unknown>;
  readonly output: Float32Array | Float64Array;
}

/**
 * Opens the ONNX model at `modelPath` in each engine and runs it once on `input`; an engine that
 * refuses it (onnxruntime's CPU RNN, LSTM and GRU kernels are registered for float32 only) is left out.
 */
export async function openPeerSessions(
  engines: Readonly<Record<PeerKey, Ort>>,
  modelPath: string,
  input: { readonly data: Float32Array | Float64Array; readonly dims: readonly number[]; readonly dtype: 'float32' | 'float64' },
): Promise<Partial<Record<PeerKey, PeerSession>>> {
  const sessions: Partial<Record<PeerKey, PeerSession>> = {};
  for (const key of ['ortNode', 'ortWeb'] as const) {
    const ort = engines[key];
    try {
      const session = await ort.InferenceSession.create(modelPath, SESSION_OPTIONS[key]);
      const feeds = { input: new ort.Tensor(input.dtype, input.data, input.dims) };
      const result = await session.run(feeds);
      sessions[key] = { run: () => session.run(feeds), output: result.output!.data };
    } catch {
      // not supported for this dtype
    }
  }
  return sessions;
}

/** Times `reps` inferences of each opened engine, appending milliseconds to `into[engine]`. */
export async function timePeerSessions(
  sessions: Partial<Record<PeerKey, PeerSession>>,
  reps: number,
  into: Record<PeerKey, number[]>,
): Promise<void> {
  for (const key of ['ortNode', 'ortWeb'] as const) {
    const peer = sessions[key];
    if (peer === undefined) continue;
    for (let i = 0; i < reps; i++) {
      const start = performance.now();
      await peer.run();
      into[key].push(performance.now() - start);
    }
  }
}
