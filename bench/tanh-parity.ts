// `pnpm bench:tanh`: how many of 10⁶ random inputs per dtype give torch.tanh's exact bits, for the
// project's tanh (src/tanh.ts) and, as the baseline it replaces, Math.tanh; then the same for
// torch.sigmoid and the project's sigmoid (src/sigmoid.ts, on src/exp.ts), against the Math.exp model.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pythonOrExit } from './python.js';
import { sigmoidInPlace } from '../src/sigmoid.js';
import { tanhF32, tanhF64 } from '../src/tanh.js';

const COUNT = Number(process.env.TANH_PARITY_COUNT ?? 1_000_000);

/** xorshift-style generator: the same inputs every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const distributions: Record<string, (next: () => number) => number> = {
  // where an RNN's pre-activations live, and a little past the clamp
  'uniform(−10, 10)': (next) => (next() * 2 - 1) * 10,
  // every magnitude from 2⁻³⁰ to 2⁵, either sign
  'log-uniform 2^−30…2^5': (next) => (next() < 0.5 ? -1 : 1) * 2 ** (next() * 35 - 30),
};

const TORCH_TANH = `
import sys, torch
torch.set_num_threads(1)
dtype = {'float32': torch.float32, 'float64': torch.float64}[sys.argv[1]]
data = bytearray(open(sys.argv[2], 'rb').read())
x = torch.frombuffer(data, dtype=dtype)
open(sys.argv[3], 'wb').write(bytes(getattr(torch, sys.argv[4])(x).untyped_storage()))
print(torch.__version__, torch.backends.cpu.get_cpu_capability())
`;

function torchTanh(
  python: string,
  dir: string,
  dtype: 'float32' | 'float64',
  x: Float32Array | Float64Array,
  fn: 'tanh' | 'sigmoid' = 'tanh',
): { y: Float32Array | Float64Array; version: string } {
  const inFile = path.join(dir, 'x.bin');
  const outFile = path.join(dir, 'y.bin');
  writeFileSync(inFile, new Uint8Array(x.buffer));
  const version = execFileSync(python, ['-c', TORCH_TANH, dtype, inFile, outFile, fn]).toString().trim();
  const bytes = readFileSync(outFile);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return { y: dtype === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer), version };
}

function sameBits(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

const python = pythonOrExit('pnpm bench:tanh');
const dir = mkdtempSync(path.join(tmpdir(), 'tanh-parity-'));
try {
  const rows: Record<string, string | number>[] = [];
  let torchVersion = '';
  for (const dtype of ['float32', 'float64'] as const) {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const ours = dtype === 'float32' ? tanhF32 : tanhF64;
    for (const [name, draw] of Object.entries(distributions)) {
      const next = generator(dtype === 'float32' ? 1234 : 5678);
      const x = new Ctor(COUNT);
      for (let i = 0; i < COUNT; i++) x[i] = draw(next);
      const { y, version } = torchTanh(python, dir, dtype, x);
      torchVersion = version;
      let sleefSame = 0;
      let mathSame = 0;
      const store = new Ctor(1);
      for (let i = 0; i < COUNT; i++) {
        if (sameBits(ours(x[i]!), y[i]!)) sleefSame++;
        store[0] = Math.tanh(x[i]!);
        if (sameBits(store[0]!, y[i]!)) mathSame++;
      }
      rows.push({
        dtype,
        inputs: name,
        count: COUNT,
        'project tanh = torch (bits)': `${sleefSame} (${((100 * sleefSame) / COUNT).toFixed(4)}%)`,
        'Math.tanh = torch (bits)': `${mathSame} (${((100 * mathSame) / COUNT).toFixed(4)}%)`,
      });
    }
  }
  console.log(`torch ${torchVersion}`);
  console.table(rows);

  // sigmoid: the project's (own exp) and the Math.exp model it replaces, both in torch's rounding steps
  const sigmoidRows: Record<string, string | number>[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    for (const [name, draw] of Object.entries(distributions)) {
      const next = generator(dtype === 'float32' ? 4321 : 8765);
      const x = new Ctor(COUNT);
      for (let i = 0; i < COUNT; i++) x[i] = draw(next);
      const { y } = torchTanh(python, dir, dtype, x, 'sigmoid');
      const ours = Ctor.from(x);
      sigmoidInPlace(ours, 0, COUNT);
      const mathExp = new Ctor(COUNT);
      for (let i = 0; i < COUNT; i++) {
        const v = x[i]!;
        mathExp[i] = dtype === 'float32' ? 1 / Math.fround(1 + Math.fround(Math.exp(-v))) : 1 / (1 + Math.exp(-v));
      }
      let oursSame = 0;
      let mathSame = 0;
      for (let i = 0; i < COUNT; i++) {
        if (sameBits(ours[i]!, y[i]!)) oursSame++;
        if (sameBits(mathExp[i]!, y[i]!)) mathSame++;
      }
      sigmoidRows.push({
        dtype,
        inputs: name,
        count: COUNT,
        'project sigmoid = torch (bits)': `${oursSame} (${((100 * oursSame) / COUNT).toFixed(4)}%)`,
        'Math.exp sigmoid = torch (bits)': `${mathSame} (${((100 * mathSame) / COUNT).toFixed(4)}%)`,
      });
    }
  }
  console.table(sigmoidRows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
