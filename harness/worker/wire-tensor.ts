// Tensor <-> WireTensor: the little-endian bytes, exact for every value of every dtype.
import { endianness } from 'node:os';
import { Tensor } from '../../src/tensor.js';
import type { WireDType, WireTensor } from './protocol.js';

/** Typed arrays that back each wire dtype on the TS side (float16/bfloat16 as raw 16-bit words). */
export type WireArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

const ITEM_SIZE: Readonly<Record<WireDType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  complex64: 8,
  complex128: 16,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

if (endianness() !== 'LE') {
  throw new Error('BUG: the wire format is little-endian and typed arrays use host order; this host is big-endian');
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const size of shape) n *= size;
  return n;
}

/** Bytes per element of a wire dtype. */
export function itemSize(dtype: WireDType): number {
  return ITEM_SIZE[dtype];
}

/** Encodes raw element bytes; `array` must hold exactly `numel(shape)` elements of `dtype`. */
export function encodeArray(dtype: WireDType, shape: readonly number[], array: ArrayBufferView): WireTensor {
  const expected = elementCount(shape) * ITEM_SIZE[dtype];
  if (array.byteLength !== expected) {
    throw new Error(`BUG: ${array.byteLength} bytes for a ${dtype} tensor of shape [${shape.join(', ')}] (expected ${expected})`);
  }
  // A copy, not a view (the case may be mutated after it is encoded), and not a Buffer, whose
  // toJSON would run before the request's JSON replacer sees it (frame-reader.ts, requestChunks).
  const bytes = new Uint8Array(array.byteLength);
  bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return { dtype, shape: [...shape], data: bytes };
}

/** A float32/float64 {@link Tensor} on the wire, bit for bit. */
export function encodeTensor(tensor: Tensor): WireTensor {
  return encodeArray(tensor.dtype, tensor.shape, tensor.data);
}

/** The decoded bytes of a wire tensor, copied into a fresh (aligned) buffer. */
export function decodeBytes(wire: WireTensor): ArrayBuffer {
  const bytes = typeof wire.data === 'string' ? Buffer.from(wire.data, 'base64') : wire.data;
  const expected = elementCount(wire.shape) * ITEM_SIZE[wire.dtype];
  if (bytes.length !== expected) {
    throw new Error(`BUG: wire tensor has ${bytes.length} bytes for ${wire.dtype} [${wire.shape.join(', ')}] (expected ${expected})`);
  }
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

/** A wire tensor as the typed array of its dtype (complex as interleaved floats, 16-bit floats as raw words). */
export function decodeArray(wire: WireTensor): WireArray {
  const buffer = decodeBytes(wire);
  switch (wire.dtype) {
    case 'float32':
    case 'complex64':
      return new Float32Array(buffer);
    case 'float64':
    case 'complex128':
      return new Float64Array(buffer);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
  }
}

/**
 * A float32/float64 wire tensor as a {@link Tensor}, bit for bit.
 * @throws Error (a harness bug) for any other dtype.
 */
export function decodeTensor(wire: WireTensor): Tensor {
  if (wire.dtype !== 'float32' && wire.dtype !== 'float64') {
    throw new Error(`BUG: a ${wire.dtype} wire tensor is not a Tensor; use decodeArray or decodeIntegers`);
  }
  const buffer = decodeBytes(wire);
  return new Tensor(wire.dtype === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer), wire.shape);
}

/**
 * An integer wire tensor (int64 `batch_sizes`, `sorted_indices`, `lengths`, ...) as flat numbers.
 * @throws Error (a harness bug) for a float dtype or an int64 beyond Number.MAX_SAFE_INTEGER.
 */
export function decodeIntegers(wire: WireTensor): number[] {
  const array = decodeArray(wire);
  if (wire.dtype === 'float32' || wire.dtype === 'float64' || wire.dtype.startsWith('complex') || wire.dtype.endsWith('float16')) {
    throw new Error(`BUG: decodeIntegers got a ${wire.dtype} wire tensor`);
  }
  return Array.from(array as ArrayLike<number | bigint>, (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new Error(`BUG: integer ${value} is beyond Number.MAX_SAFE_INTEGER`);
    return n;
  });
}

/** int64 values (e.g. lengths or indices sent to torch) on the wire. */
export function encodeInt64(values: readonly number[], shape: readonly number[] = [values.length]): WireTensor {
  return encodeArray(
    'int64',
    shape,
    BigInt64Array.from(values, (v) => BigInt(v)),
  );
}
