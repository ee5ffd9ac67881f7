// `pnpm bench:family`: LSTM and GRU forward and backward side by side with torch, and forward with
// onnxruntime-node and onnxruntime-web (which have both ops), on the bench's shapes, one thread each,
// repetitions interleaved round by round, ratios within the run.
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { GRU, LSTM, Tensor, manualSeed } from '../src/index.js';
import { MODELS_DIR, buildOnnxModel, ensurePeers, loadOrtNode, loadOrtWeb, openPeerSessions, timePeerSessions } from './peers.js';
import { pythonOrExit } from './python.js';
import { SHAPES, TorchTimer, base64, fromBase64, maxAbsDiff, median, timeSync } from './side-by-side.js';

pythonOrExit('pnpm bench:family');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function ms(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

function ratio(ts: number | null, other: number | null): string {
  return ts === null || other === null ? '—' : `${(ts / other).toFixed(2)}×`;
}

console.log(
  `machine: ${cpus().length} core(s), load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
ensurePeers();
const [ortNode, ortWeb] = [await loadOrtNode(), await loadOrtWeb()];
const timer = new TorchTimer('bench_family.py');
const rows: Record<string, string>[] = [];
let about = '';
try {
  const only = process.env.BENCH_SHAPES?.split(',');
  for (const shape of SHAPES.filter((s) => only === undefined || only.includes(s.name))) {
    for (const module of ['lstm', 'gru'] as const) {
      for (const dtype of ['float32', 'float64'] as const) {
        const id = `${shape.name}-${module}-${dtype}`;
        manualSeed(0);
        const options = {
          inputSize: shape.inputSize,
          hiddenSize: shape.hiddenSize,
          numLayers: shape.numLayers,
          bidirectional: shape.bidirectional,
          dtype,
        };
        const network = (module === 'lstm' ? new LSTM(options) : new GRU(options)).eval();
        const dims = [shape.seqLen, shape.batch, shape.inputSize];
        const x = Tensor.fromFlat(
          Array.from({ length: shape.seqLen * shape.batch * shape.inputSize }, (_, i) => Math.sin(i * 0.37)),
          dims,
          dtype,
        );
        const weights = Object.fromEntries(network.namedParameters().map(([name, p]) => [name, base64(p.data)]));
        const forward = (): Tensor => network.forward(x)[0] as Tensor;
        const spec = {
          module,
          input_size: shape.inputSize,
          hidden_size: shape.hiddenSize,
          num_layers: shape.numLayers,
          bidirectional: shape.bidirectional,
          dtype,
          weights,
        };
        const setup = await timer.request<{ output: string; torch: string; threads: number }>({
          cmd: 'setup',
          id,
          ...spec,
          x: base64(x.data),
          shape: dims,
        });
        about = `torch ${setup.torch} (${setup.threads} thread); TS on one Node thread, WebAssembly SIMD kernels where available`;
        const difference = maxAbsDiff(forward().data, fromBase64(setup.output, dtype));
        const modelPath = path.join(MODELS_DIR, `family-${id}.onnx`);
        buildOnnxModel({ path: modelPath, ...spec });
        const peers = await openPeerSessions({ ortNode, ortWeb }, modelPath, { data: x.data, dims, dtype });
        // Upstream gradients of ones on the output and every final state, as the torch side's sum().
        const ones = (t: Tensor): Tensor => Tensor.fromFlat(new Array<number>(t.size).fill(1), t.shape, dtype);
        let backward: () => unknown;
        if (network instanceof LSTM) {
          const run = network.forwardWithGrad(x);
          backward = () => run.backward(ones(run.output), ones(run.hN), ones(run.cN));
        } else {
          const run = network.forwardWithGrad(x);
          backward = () => run.backward(ones(run.output), ones(run.hN));
        }
        forward();
        backward();
        const times = {
          tsForward: [] as number[],
          tsBackward: [] as number[],
          torchForward: [] as number[],
          torchBackward: [] as number[],
          ortNode: [] as number[],
          ortWeb: [] as number[],
        };
        for (let round = 0; round < ROUNDS; round++) {
          timeSync(forward, shape.reps, times.tsForward);
          timeSync(backward, shape.reps, times.tsBackward);
          times.torchForward.push(...(await timer.request<{ ms: number[] }>({ cmd: 'forward', id, reps: shape.reps })).ms);
          times.torchBackward.push(...(await timer.request<{ ms: number[] }>({ cmd: 'backward', id, reps: shape.reps })).ms);
          await timePeerSessions(peers, shape.reps, times);
        }
        const [tf, tb, pf, pb, nf, wf] = [
          times.tsForward,
          times.tsBackward,
          times.torchForward,
          times.torchBackward,
          times.ortNode,
          times.ortWeb,
        ].map(median) as (number | null)[];
        rows.push({
          case: `${shape.name} ${module} ${dtype}`,
          'TS fwd': ms(tf!),
          'torch fwd': ms(pf!),
          'fwd TS/torch': ratio(tf!, pf!),
          'ort-node fwd': ms(nf),
          'fwd TS/ort-node': ratio(tf, nf),
          'ort-web fwd': ms(wf),
          'fwd TS/ort-web': ratio(tf, wf),
          'TS bwd': ms(tb!),
          'torch bwd': ms(pb!),
          'bwd TS/torch': ratio(tb!, pb!),
          'max|Δ| output': difference.toExponential(1),
          'max|Δ| ort-web': peers.ortWeb === undefined ? '—' : maxAbsDiff(forward().data, peers.ortWeb.output).toExponential(1),
        });
        console.log(`${id} done`);
      }
    }
  }
} finally {
  timer.close();
}
console.log(
  `${about}. Medians in ms over ${ROUNDS} interleaved rounds; backward: TS backward() alone (it recomputes the gates), torch forward+backward − forward with grad.`,
);
console.table(rows);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
