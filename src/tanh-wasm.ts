// tanh over a typed array in the WebAssembly module (wasm/tanh-wat.ts): the values of tanhF64 and
// tanhF32 (src/tanh.ts) bit for bit, two per f64x2 vector instead of one double-double chain at a time.
import { memoryView32, memoryView64, wasmKernels, wasmScratch } from './linear-wasm.js';
import { range } from './typed-range.js';
import type { FloatArray } from './tensor.js';

/**
 * y = tanh(x) in place over values[offset … offset+length) in WebAssembly; false (nothing done)
 * where the kernels do not run here, so the caller falls back to the JS loop.
 */
export function tanhInPlaceWasm(values: FloatArray, offset: number, length: number): boolean {
  const exports = wasmKernels();
  if (exports === null) return false;
  if (length === 0) return true;
  if (values instanceof Float32Array) {
    const ptr = wasmScratch(exports, length * 4);
    memoryView32(ptr, length).set(range(values, offset, offset + length));
    exports.tanh_f32(ptr, length);
    values.set(memoryView32(ptr, length), offset);
  } else {
    const ptr = wasmScratch(exports, length * 8);
    memoryView64(ptr, length).set(range(values, offset, offset + length));
    exports.tanh_f64(ptr, length);
    values.set(memoryView64(ptr, length), offset);
  }
  return true;
}
