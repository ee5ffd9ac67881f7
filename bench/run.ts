// `pnpm bench`: this project side by side with torch, onnxruntime-node and onnxruntime-web (one run,
// interleaved repetitions, ratios within the run), then the harness bridge bench.
import { cpus, loadavg } from 'node:os';
import { benchBridge } from './bridge.js';
import { pythonOrExit } from './python.js';
import { benchSideBySide } from './side-by-side.js';

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(2);
}

function ratio(ts: number | null | undefined, other: number | null | undefined): string {
  return ts === null || ts === undefined || other === null || other === undefined ? '—' : `${(ts / other).toFixed(2)}×`;
}

// On a fresh clone there is no python/.venv yet: say in one line what to run first, not a stack.
pythonOrExit('pnpm bench');

function diff(value: number | undefined): string {
  return value === undefined ? '—' : value.toExponential(1);
}

console.log(
  `machine: ${cpus().length} core(s), load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const { rows, torch, threads } = await benchSideBySide();
console.log(`torch ${torch} (${threads} thread), onnxruntime-node/web 1.30.0 (1 thread); TS on one Node thread.`);
console.log(
  'Medians in ms; "TS" uses the WebAssembly SIMD kernels, "TS JS" the JS kernels, "TS f32acc" accumulation: \'float32\' (float32 only); ratios are TS / peer.\n',
);

console.log('Forward (eval, no grad)');
console.table(
  rows.map((r) => ({
    case: r.case,
    TS: ms(r.forward.ts),
    'TS JS': ms(r.forward.tsJs),
    torch: ms(r.forward.torch),
    'ort-node': ms(r.forward.ortNode),
    'ort-web': ms(r.forward.ortWeb),
    'TS/torch': ratio(r.forward.ts, r.forward.torch),
    'TS/ort-node': ratio(r.forward.ts, r.forward.ortNode),
    'TS/ort-web': ratio(r.forward.ts, r.forward.ortWeb),
    'TS f32acc': ms(r.forward.tsF32),
    'f32acc/ort-web': ratio(r.forward.tsF32, r.forward.ortWeb),
    'max|Δ| torch': diff(r.maxDiff.torch),
    'f32acc max|Δ| torch': diff(r.maxDiff.tsF32),
    'max|Δ| ort': diff(r.maxDiff.ortNode),
  })),
);
const f64OverF32 = rows
  .filter((r) => r.case.endsWith('float64'))
  .map((r) => {
    const f32 = rows.find((s) => s.case === r.case.replace('float64', 'float32'));
    return `${r.case.split(' ')[0]} ${ratio(r.forward.ts, f32?.forward.ts)}`;
  });
const pairedF64OverF32 = rows
  .filter((r) => r.pairedFloat32Forward !== undefined)
  .map((r) => `${r.case.split(' ')[0]} ${ratio(r.forward.ts, r.pairedFloat32Forward)}`);
console.log(`TS float64 / float32 forward time: rows ${f64OverF32.join(', ')}; paired in the float64 row's rounds ${pairedF64OverF32.join(', ')}\n`);

console.log('Backward (from all-ones upstream gradients; torch: forward+backward − forward with grad)');
console.table(
  rows.map((r) => ({
    case: r.case,
    TS: ms(r.backward.ts),
    'TS JS': ms(r.backward.tsJs),
    torch: ms(r.backward.torch),
    'TS/torch': ratio(r.backward.ts, r.backward.torch),
    'TS JS/TS': ratio(r.backward.tsJs, r.backward.ts),
  })),
);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);

await benchBridge();
console.log('');
await benchBridge({ caseSet: 'small shape', cases: 200, pings: 50, passes: 3 });
