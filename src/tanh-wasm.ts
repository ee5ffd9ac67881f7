// tanh over a typed array in the WebAssembly module (wasm/tanh-wat.ts): the values of tanhF64 and
// tanhF32 (src/tanh.ts) bit for bit, two per f64x2 vector instead of one double-double chain at a time.
import { wasmKernels, wasmScratch, wasmViews } from './linear-wasm.js';
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
    const { f32 } = wasmViews(exports);
    const at = ptr >> 2;
    f32.set(values.subarray(offset, offset + length), at);
    exports.tanh_f32(ptr, length);
    values.set(f32.subarray(at, at + length), offset);
  } else {
    const ptr = wasmScratch(exports, length * 8);
    const { f64 } = wasmViews(exports);
    const at = ptr >> 3;
    f64.set(values.subarray(offset, offset + length), at);
    exports.tanh_f64(ptr, length);
    values.set(f64.subarray(at, at + length), offset);
  }
  return true;
}
