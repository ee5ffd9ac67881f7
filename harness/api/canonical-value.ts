// Canonical values: an API target's answer as plain JSON with every float bit-exact; python/canonical_value.py is its twin.
import type { Tensor } from '../../src/index.js';

/** A tensor by its elements' IEEE (or two's-complement) bits: hex, most significant digit first, one string per element. */
export interface CanonicalTensor {
  readonly tensor: { readonly dtype: string; readonly shape: readonly number[]; readonly bits: readonly string[] };
}

/** A Python float by its IEEE binary64 bits, so −0, NaN payloads and ±Inf compare exactly. */
export interface CanonicalFloat {
  readonly float: string;
}

/** A Python int beyond 2⁵³, as decimal (JSON numbers would round it). */
export interface CanonicalBigInt {
  readonly int: string;
}

/**
 * Note [canonical values]: the answer of an API case, encoded identically by TS and by the worker, so
 * the judge is plain deep equality. Python ints within ±2⁵³ are JSON numbers; every float (scalar or
 * tensor element) is its bits in hex; strings, booleans, None, lists (tuples too) and dicts with
 * string keys are themselves. JS numbers that are floats in torch's answer must be encoded with
 * {@link canonicalFloat}, never left as numbers.
 */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalTensor
  | CanonicalFloat
  | CanonicalBigInt
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

const scratch = new DataView(new ArrayBuffer(8));

function hex(byteLength: number): string {
  let out = '';
  for (let i = 0; i < byteLength; i++) out += scratch.getUint8(i).toString(16).padStart(2, '0');
  return out;
}

/** The bits of a float64 (big-endian hex, 16 digits). */
export function float64Bits(value: number): string {
  scratch.setFloat64(0, value);
  return hex(8);
}

/** The bits of a float32 (big-endian hex, 8 digits); `value` must already be a float32. */
export function float32Bits(value: number): string {
  scratch.setFloat32(0, value);
  return hex(4);
}

/** A Python float. */
export function canonicalFloat(value: number): CanonicalFloat {
  return { float: float64Bits(value) };
}

/** A Python int: a JSON number within ±2⁵³, else decimal. */
export function canonicalInt(value: number | bigint): number | CanonicalBigInt {
  const big = BigInt(value);
  return big >= -(2n ** 53n) && big <= 2n ** 53n ? Number(big) : { int: big.toString() };
}

/** A float tensor (the library's Tensor: float32 or float64), element bits in row-major order. */
export function canonicalTensor(tensor: Tensor): CanonicalTensor {
  // Bits through an integer view of the storage: reading a NaN as a JS number may lose its payload.
  const { buffer, byteOffset, length } = tensor.data;
  const bits =
    tensor.dtype === 'float32'
      ? Array.from(new Uint32Array(buffer, byteOffset, length), (v) => v.toString(16).padStart(8, '0'))
      : Array.from(new BigUint64Array(buffer, byteOffset, length), (v) => v.toString(16).padStart(16, '0'));
  return { tensor: { dtype: tensor.dtype, shape: [...tensor.shape], bits } };
}

/** An int64 tensor (lengths, batch_sizes, indices), as torch returns them. */
export function canonicalInt64Tensor(values: readonly number[], shape: readonly number[] = [values.length]): CanonicalTensor {
  const bits = values.map((v) => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0'));
  return { tensor: { dtype: 'int64', shape: [...shape], bits } };
}

/** The number a float's bits stand for (reports print it beside the bits). */
export function floatFromBits(bits: string): number {
  if (bits.length === 8) {
    scratch.setUint32(0, Number.parseInt(bits, 16));
    return scratch.getFloat32(0);
  }
  scratch.setUint32(0, Number.parseInt(bits.slice(0, 8), 16));
  scratch.setUint32(4, Number.parseInt(bits.slice(8, 16), 16));
  return scratch.getFloat64(0);
}
