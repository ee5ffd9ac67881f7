// The WebAssembly SIMD affine map: loads the embedded module (src/wasm/linear-bytes.ts, built from
// wasm/linear-wat.ts), owns its growable memory, and copies operands in and out.
import { type Accumulation, linearJsF32Accumulating } from './accumulation.js';
import { EXP2_TABLE, EXP2_TABLE_ADDRESS } from './exp2-table.js';
import type { FloatArray } from './tensor.js';
import { range } from './typed-range.js';
import { LINEAR_WASM_HEX } from './wasm/linear-bytes.js';

// Note [WASM linear memory]
// The module's one memory holds tanh's table of 2^(j/256) at its bottom (src/exp2-table.ts, written in
// once at instantiation), and above it is used as a stack: a prepared weight (Wᵀ as float64, units padded to a
// multiple of 4, plus the bias) is pushed by withPreparedLinear and popped when its body returns, so
// a forward copies each weight in once per direction, not once per step. Each apply() puts x and out
// in the free space above the stack top for the duration of one kernel call. Growing the memory
// detaches the old ArrayBuffer, so typed views are re-made whenever the buffer changed. The float32
// fast path (Note [float32 fast path]) keeps Wᵀ and the bias as float32, units padded to a multiple of 8.

/** The exports of the module; the kernel's arguments are byte addresses and counts. */
interface LinearExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly linear_f32: (
    out: number,
    x: number,
    wt: number,
    bias: number,
    rows: number,
    units: number,
    features: number,
    ldo: number,
    pack: number,
  ) => void;
  readonly linear_f64: LinearExports['linear_f32'];
  readonly linear_f32acc: LinearExports['linear_f32'];
  readonly outer_f32: (out: number, g: number, p: number, rows: number, M: number, K: number, ldg: number, ldp: number, accumulate: number) => void;
  readonly outer_f64: LinearExports['outer_f32'];
  /** tanh in place over n values at a byte address (wasm/tanh-wat.ts). */
  readonly tanh_f64: (ptr: number, n: number) => void;
  readonly tanh_f32: LinearExports['tanh_f64'];
  /** p[i] = tanh(p[i] + q[i]) over n values, the sum rounded to the dtype first (wasm/tanh-wat.ts). */
  readonly add_tanh_f64: (p: number, q: number, n: number) => void;
  readonly add_tanh_f32: LinearExports['add_tanh_f64'];
  /** p[i] = relu(p[i] + q[i]) over n values, the sum rounded to the dtype first (wasm/relu-wat.ts). */
  readonly add_relu_f64: LinearExports['add_tanh_f64'];
  readonly add_relu_f32: LinearExports['add_tanh_f64'];
}

/** The slice of the WebAssembly JS API used here (the project's lib has no DOM, so it is declared locally). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * The instance, or null where WebAssembly or its SIMD proposal is missing: the module uses v128,
 * so `validate` is itself the feature test (an engine without SIMD rejects it).
 */
function instantiate(): LinearExports | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const bytes = hexToBytes(LINEAR_WASM_HEX);
    if (!api.validate(bytes)) return null;
    // Synchronous compilation is fine at ~15 KB (browsers refuse it on the main thread only for large modules).
    const exports = new api.Instance(new api.Module(bytes), {}).exports as LinearExports;
    new Float64Array(exports.memory.buffer, EXP2_TABLE_ADDRESS, EXP2_TABLE.length).set(EXP2_TABLE);
    return exports;
  } catch {
    return null;
  }
}

let kernels: LinearExports | null | undefined;
let disabled = false;

function loaded(): LinearExports | null {
  if (disabled) return null;
  if (kernels === undefined) kernels = instantiate();
  return kernels;
}

/** The module's exports where the kernels run here, else null (src/gradient-products.ts uses them too). */
export function wasmKernels(): LinearExports | null {
  return loaded();
}

/** Whether the WebAssembly SIMD kernels run here (else the JS kernels of src/kernels.ts do). */
export function wasmLinearAvailable(): boolean {
  return loaded() !== null;
}

/** Turns the WebAssembly kernels off (true) or back on; for tests and benchmarks comparing the two. */
export function setWasmLinearDisabled(value: boolean): void {
  disabled = value;
}

// ---------------------------------------------------------------------------------------------
// Memory: a stack of prepared weights (Note [WASM linear memory]).

const PAGE = 65536;
let top = EXP2_TABLE_ADDRESS + EXP2_TABLE.byteLength;
let buffer: ArrayBuffer | null = null;
let f32 = new Float32Array(0);
let f64 = new Float64Array(0);

function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}

/** Makes sure bytes [0, end) exist, and the typed views cover the current buffer. */
function ensure(exports: LinearExports, end: number): void {
  const { memory } = exports;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
  if (buffer !== memory.buffer) {
    buffer = memory.buffer;
    f32 = new Float32Array(buffer);
    f64 = new Float64Array(buffer);
    views32.clear();
    views64.clear();
  }
}

// Note [memory views]
// Copying a kernel's result out of WebAssembly memory needs a typed view of exactly that range. The
// per-step calls of a recurrence ask for the same few ranges again and again, so views are kept by
// byte address (and dropped when the memory grows, which detaches them) rather than made anew by
// `subarray` at every call.
const views32 = new Map<number, Float32Array>();
const views64 = new Map<number, Float64Array>();
const MAX_VIEWS = 64;

/** A Float32Array over `length` values at byte address `ptr` of the current memory. See Note [memory views]. */
export function memoryView32(ptr: number, length: number): Float32Array {
  let view = views32.get(ptr);
  if (view === undefined || view.length !== length) {
    if (views32.size >= MAX_VIEWS) views32.clear();
    view = new Float32Array(buffer!, ptr, length);
    views32.set(ptr, view);
  }
  return view;
}

/** A Float64Array over `length` values at byte address `ptr` of the current memory. See Note [memory views]. */
export function memoryView64(ptr: number, length: number): Float64Array {
  let view = views64.get(ptr);
  if (view === undefined || view.length !== length) {
    if (views64.size >= MAX_VIEWS) views64.clear();
    view = new Float64Array(buffer!, ptr, length);
    views64.set(ptr, view);
  }
  return view;
}

/** Pushes `bytes` (16-aligned) on the memory stack for the duration of `body`, which gets the block's byte address. */
export function withWasmBlock<T>(exports: LinearExports, bytes: number, body: (ptr: number) => T): T {
  const mark = top;
  const ptr = align16(top);
  const end = align16(ptr + bytes);
  ensure(exports, end);
  top = end;
  try {
    return body(ptr);
  } finally {
    top = mark;
  }
}

/**
 * The byte address of `bytes` (16-aligned) of free space above the stack top, for one kernel call's
 * operands: valid until the next push or growth, so callers copy in, call and copy out at once.
 */
export function wasmScratch(exports: LinearExports, bytes: number): number {
  const ptr = align16(top);
  ensure(exports, ptr + bytes);
  return ptr;
}

/** Views of the whole memory as it is now (a kernel call in between may have grown and detached older ones). */
export function wasmViews(exports: LinearExports): { readonly f32: Float32Array; readonly f64: Float64Array } {
  ensure(exports, 0);
  return { f32, f64 };
}

/** An affine map x·Wᵀ + b whose weight already sits in WebAssembly memory. */
export interface PreparedLinear {
  /** out[r, :] = x[r, :] · Wᵀ + b for `rows` rows; bit for bit the JS kernel's result. */
  apply(out: FloatArray, outOffset: number, x: Readonly<FloatArray>, xOffset: number, rows: number): void;
  /**
   * The Elman recurrence with this map as (W_hh, b_hh), every step in WebAssembly (Note [fused
   * Elman recurrence]); false, with nothing done, where it does not apply (the JS kernels, or arrays
   * not all of the map's dtype), so the caller runs its step loop.
   */
  elmanRecurrence?(recurrence: ElmanRecurrence): boolean;
}

/**
 * One direction of an Elman layer: for t in `order`, with rows = batchSizes[t] and its rows starting
 * at row offsets[t] of `projected` and `output` (H = the map's units per row):
 * h = act((state[0…rows)·W_hhᵀ + b_hh) + projected[t]), each bracket and the sum rounded to the dtype
 * as src/rnn.ts's step stores them, act tanh or relu; output[t] = h; state[0…rows) = h.
 */
export interface ElmanRecurrence {
  readonly nonlinearity: 'tanh' | 'relu';
  readonly projected: Readonly<FloatArray>;
  readonly state: FloatArray;
  readonly output: FloatArray;
  readonly order: readonly number[];
  readonly batchSizes: readonly number[];
  readonly offsets: readonly number[];
}

/**
 * Copies W (units, features) and b into WebAssembly memory for the duration of `body`, or returns
 * null without calling it where the kernels are unavailable. Calls nest (stack order). With
 * `accumulation` 'float32' the map is the float32 fast path (Note [float32 fast path]).
 */
export function withPreparedLinear<T>(
  weight: Readonly<FloatArray>,
  bias: Readonly<FloatArray> | null,
  units: number,
  features: number,
  body: (map: PreparedLinear) => T,
  accumulation: Accumulation = 'float64',
): { value: T } | null {
  const exports = loaded();
  if (exports === null) return null;
  if (accumulation === 'float32') return withPreparedF32Accumulating(exports, weight, bias, units, features, body);
  const mark = top;
  const unitsPadded = (units + 3) & ~3;
  const wtPtr = align16(top);
  const biasPtr = wtPtr + features * unitsPadded * 8;
  const end = align16(biasPtr + unitsPadded * 8);
  ensure(exports, end);
  top = end;
  try {
    // Wᵀ in unit blocks (Note [linear layout]) as float64, exact for float32 weights; padded units are zeros.
    f64.fill(0, wtPtr >> 3, end >> 3);
    layOutBlocks(f64, wtPtr >> 3, weight, units, features, 4);
    if (bias !== null) for (let i = 0; i < units; i++) f64[(biasPtr >> 3) + i] = bias[i]!;
    const map: PreparedLinear = {
      apply(out, outOffset, x, xOffset, rows) {
        applyPrepared(exports, out, outOffset, x, xOffset, rows, wtPtr, biasPtr, units, features);
      },
      elmanRecurrence(recurrence) {
        if (features !== units) return false;
        const isF32 = recurrence.state instanceof Float32Array;
        const kernel = isF32 ? exports.linear_f32 : exports.linear_f64;
        return runElmanRecurrence(exports, recurrence, units, isF32, (out, x, pack, rows) =>
          linearPanels(kernel, out, x, wtPtr, biasPtr, pack, rows, units, features, isF32 ? 4 : 8, 8, 4),
        );
      },
    };
    return { value: body(map) };
  } finally {
    top = mark;
  }
}

// Note [linear panels]
// The kernel walks 4-row blocks and, for each, all of Wᵀ. A Wᵀ larger than a core's L2 cache (an
// LSTM's 4H = 1024 units × 256 features is 2 MB as float64) is then read from memory once per row
// block: 800 times for the large bench shape's input projection. So the units are cut into panels of
// at most PANEL_BYTES of Wᵀ (half of a 512 KB L2), each run over every row while it stays in cache.
// Each output value is still one sum over k = 0…K−1 plus the bias, so the values are the same as in
// one call. Measured (large RNN, noisy 2-core VM, A/B in one process): 5–10% faster forwards; no
// change on the LSTM, whose time is the kernel's arithmetic.
const PANEL_BYTES = 256 * 1024;

/** One kernel over units in panels (Note [linear panels]); `unitStep` is the kernel's units per block. */
function linearPanels(
  kernel: LinearExports['linear_f32'],
  outPtr: number,
  xPtr: number,
  wtPtr: number,
  biasPtr: number,
  packPtr: number,
  rows: number,
  units: number,
  features: number,
  outSize: number,
  wSize: number,
  unitStep: number,
): void {
  const panel = Math.max(unitStep, Math.floor(PANEL_BYTES / (features * wSize * unitStep)) * unitStep);
  for (let u0 = 0; u0 < units; u0 += panel) {
    // a panel's first unit block starts u0·features weights into Wᵀ (Note [linear layout])
    const wt = wtPtr + u0 * features * wSize;
    kernel(outPtr + u0 * outSize, xPtr, wt, biasPtr + u0 * wSize, rows, Math.min(panel, units - u0), features, units, packPtr);
  }
}

// Note [linear layout]
// The kernel reads Wᵀ in unit blocks: block b holds units b·B … b·B + B − 1 (B = 4 float64 or 8 float32,
// two vectors) for k = 0, 1, …, K − 1 one after another, 32 bytes per k. One pointer then walks a
// block with constant offsets, and x, packed k-major per 4-row block by the kernel itself (float32
// promoted to float64 there, once), is read the same way: the inner loop is loads and arithmetic
// and two pointer steps. The layout changes where values are read from, not which are summed in which order.

/** W (units, features) into `target` from element `start` as unit blocks of `block` units (Note [linear layout]). */
function layOutBlocks(target: FloatArray, start: number, weight: Readonly<FloatArray>, units: number, features: number, block: number): void {
  for (let i = 0; i < units; i++) {
    const row = i * features;
    const base = start + Math.floor(i / block) * features * block + (i % block);
    for (let k = 0; k < features; k++) target[base + k * block] = weight[row + k]!;
  }
}

function applyPrepared(
  exports: LinearExports,
  out: FloatArray,
  outOffset: number,
  x: Readonly<FloatArray>,
  xOffset: number,
  rows: number,
  wtPtr: number,
  biasPtr: number,
  units: number,
  features: number,
): void {
  if (rows === 0) return;
  const isF32 = out instanceof Float32Array;
  if (isF32 !== x instanceof Float32Array) {
    // Mixed array types (a planted bug's float32 buffer in a float64 model): x converted to float64
    // exactly, the float64 kernel, then one rounding per value where `out` is float32.
    const sums = new Float64Array(rows * units);
    applyPrepared(exports, sums, 0, Float64Array.from(x.subarray(xOffset, xOffset + rows * features)), 0, rows, wtPtr, biasPtr, units, features);
    out.set(sums, outOffset);
    return;
  }
  const size = isF32 ? 4 : 8;
  // x is read in blocks of 4 rows: the rows past `rows` are whatever lies there, their results dropped.
  const xPtr = align16(top);
  const outPtr = align16(xPtr + ((rows + 3) & ~3) * features * size);
  const packPtr = align16(outPtr + rows * units * size);
  ensure(exports, packPtr + features * 4 * 8);
  const count = rows * features;
  if (isF32) {
    f32.set(range(x as Float32Array, xOffset, xOffset + count), xPtr >> 2);
    linearPanels(exports.linear_f32, outPtr, xPtr, wtPtr, biasPtr, packPtr, rows, units, features, 4, 8, 4);
    (out as Float32Array).set(memoryView32(outPtr, rows * units), outOffset);
  } else {
    f64.set(range(x as Float64Array, xOffset, xOffset + count), xPtr >> 3);
    linearPanels(exports.linear_f64, outPtr, xPtr, wtPtr, biasPtr, packPtr, rows, units, features, 8, 8, 4);
    (out as Float64Array).set(memoryView64(outPtr, rows * units), outOffset);
  }
}

/** withPreparedLinear's float32 fast path: Wᵀ (features, units padded to 8) and b as float32. */
function withPreparedF32Accumulating<T>(
  exports: LinearExports,
  weight: Readonly<FloatArray>,
  bias: Readonly<FloatArray> | null,
  units: number,
  features: number,
  body: (map: PreparedLinear) => T,
): { value: T } {
  const mark = top;
  const unitsPadded = (units + 7) & ~7;
  const wtPtr = align16(top);
  const biasPtr = wtPtr + features * unitsPadded * 4;
  const end = align16(biasPtr + unitsPadded * 4);
  ensure(exports, end);
  top = end;
  try {
    f32.fill(0, wtPtr >> 2, end >> 2);
    layOutBlocks(f32, wtPtr >> 2, weight, units, features, 8);
    if (bias !== null) for (let i = 0; i < units; i++) f32[(biasPtr >> 2) + i] = bias[i]!;
    const map: PreparedLinear = {
      apply(out, outOffset, x, xOffset, rows) {
        if (rows === 0) return;
        if (!(out instanceof Float32Array && x instanceof Float32Array)) {
          // only a float32 module takes this path; any other array type gets the reference loop
          linearJsF32Accumulating(out, outOffset, x, xOffset, rows, weight, bias, units, features);
          return;
        }
        // x is read in blocks of 4 rows, as in applyPrepared
        const xPtr = align16(top);
        const outPtr = align16(xPtr + ((rows + 3) & ~3) * features * 4);
        const packPtr = align16(outPtr + rows * units * 4);
        ensure(exports, packPtr + features * 4 * 4);
        f32.set(range(x, xOffset, xOffset + rows * features), xPtr >> 2);
        linearPanels(exports.linear_f32acc, outPtr, xPtr, wtPtr, biasPtr, packPtr, rows, units, features, 4, 4, 8);
        out.set(memoryView32(outPtr, rows * units), outOffset);
      },
      elmanRecurrence(recurrence) {
        if (features !== units) return false;
        return runElmanRecurrence(exports, recurrence, units, true, (out, x, pack, rows) =>
          linearPanels(exports.linear_f32acc, out, x, wtPtr, biasPtr, pack, rows, units, features, 4, 4, 8),
        );
      },
    };
    return { value: body(map) };
  } finally {
    top = mark;
  }
}

// Note [fused Elman recurrence]
// Run step by step from JS, an Elman layer copies h into WebAssembly memory for the recurrent product,
// the product out, adds the projection in a JS loop, copies the sum in again for tanh and out again,
// then copies h into the state and the layer output: six copies and three calls per step, which on
// the small bench shape (8 rows of 64 units) cost about as much as the product. Here the projection,
// state and output live in WebAssembly memory for the whole direction: each step is the kernel
// (writing h's pre-activation straight into its output rows), add_tanh or add_relu in place there,
// and one copy into the state. The operations on each value are the step loop's — the kernel's
// rounded sum, the sum with the projection rounded to the dtype, tanhF32/tanhF64 or `v < 0 ? 0 : v` —
// so the values are the same (test/unit/rnn-fused.test.ts compares both paths). Measured on the small
// bench shape, float32 forward 0.64–0.69 → 0.53 ms with the linear layout change.

/** Runs an ElmanRecurrence in WebAssembly memory; `product(out, x, pack, rows)` is the recurrent kernel. */
function runElmanRecurrence(
  exports: LinearExports,
  recurrence: ElmanRecurrence,
  units: number,
  isF32: boolean,
  product: (outPtr: number, xPtr: number, packPtr: number, rows: number) => void,
): boolean {
  const { projected, state, output, order, batchSizes, offsets } = recurrence;
  const type = isF32 ? Float32Array : Float64Array;
  if (!(projected instanceof type && state instanceof type && output instanceof type)) return false;
  if (projected.length !== output.length) return false;
  const size = isF32 ? 4 : 8;
  const sequenceBytes = output.length * size;
  // the kernel reads x in 4-row blocks: the state is padded to a multiple of 4 rows
  const stateBytes = ((state.length / units + 3) & ~3) * units * size;
  const packBytes = units * 4 * 8;
  return withWasmBlock(exports, 2 * sequenceBytes + stateBytes + packBytes + 48, (block) => {
    const projectedPtr = block;
    const outputPtr = align16(projectedPtr + sequenceBytes);
    const statePtr = align16(outputPtr + sequenceBytes);
    const packPtr = align16(statePtr + stateBytes);
    // views of the memory as it is once the block exists (nothing below grows it)
    const view = isF32 ? f32 : f64;
    const shift = isF32 ? 2 : 3;
    view.set(projected, projectedPtr >> shift);
    view.set(state, statePtr >> shift);
    const activate =
      recurrence.nonlinearity === 'tanh'
        ? isF32
          ? exports.add_tanh_f32
          : exports.add_tanh_f64
        : isF32
          ? exports.add_relu_f32
          : exports.add_relu_f64;
    for (const t of order) {
      const rows = batchSizes[t]!;
      const h = outputPtr + offsets[t]! * units * size;
      product(h, statePtr, packPtr, rows);
      activate(h, projectedPtr + offsets[t]! * units * size, rows * units);
      view.copyWithin(statePtr >> shift, h >> shift, (h >> shift) + rows * units);
    }
    state.set(view.subarray(statePtr >> shift, (statePtr >> shift) + state.length));
    output.set(view.subarray(outputPtr >> shift, (outputPtr >> shift) + output.length));
    return true;
  });
}
