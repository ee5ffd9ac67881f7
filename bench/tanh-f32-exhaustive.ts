// `tsx bench/tanh-f32-exhaustive.ts [first] [end]`: the WebAssembly float32 tanh (src/tanh-wasm.ts,
// Note [float32 tanh in WebAssembly]) against the JS tanhF32 on every float32 bit pattern in
// [first, end) (default all 2³²), in chunks of 2²⁰; prints the count of differing results (NaNs of
// any payload count as equal) and exits 1 if there is any.
import { tanhF32 } from '../src/tanh.js';
import { tanhInPlaceWasm } from '../src/tanh-wasm.js';

const CHUNK = 2 ** 20;
const first = Number(process.argv[2] ?? 0);
const end = Number(process.argv[3] ?? 2 ** 32);
const bits = new Uint32Array(CHUNK);
const values = new Float32Array(bits.buffer);
const expected = new Float32Array(CHUNK);
let differing = 0;
const started = performance.now();
for (let start = first; start < end; start += CHUNK) {
  const count = Math.min(CHUNK, end - start);
  for (let i = 0; i < count; i++) bits[i] = start + i;
  for (let i = 0; i < count; i++) expected[i] = tanhF32(values[i]!);
  if (!tanhInPlaceWasm(values, 0, count)) throw new Error('WebAssembly SIMD is not available here');
  for (let i = 0; i < count; i++) {
    const a = values[i]!;
    const b = expected[i]!;
    if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) {
      if (differing < 10) console.log(`differs at bits 0x${(start + i).toString(16)}: JS ${b}, WebAssembly ${a}`);
      differing++;
    }
  }
  if ((start - first) % 2 ** 28 === 0)
    console.log(`0x${start.toString(16)} … ${differing} differing so far, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
console.log(`${end - first} float32 inputs [0x${first.toString(16)}, 0x${end.toString(16)}): ${differing} differing`);
process.exitCode = differing === 0 ? 0 : 1;
