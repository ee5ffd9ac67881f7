// Distances in units in the last place, for float32 and float64 alike.
import type { DType } from '../../src/index.js';

// Typed-array aliases of one 8-byte buffer read a number's bits faster than a DataView in the
// comparison's per-element loop. Words are in host order: the harness runs on little-endian hosts
// only (harness/worker/wire-tensor.ts refuses to load elsewhere).
const buffer = new ArrayBuffer(8);
const asFloat32 = new Float32Array(buffer);
const asFloat64 = new Float64Array(buffer);
const asInt32 = new Int32Array(buffer);
const asUint32 = new Uint32Array(buffer);

/**
 * Distance in units in the last place: how many representable values of `dtype` lie between a and b.
 * Exact for float32, and for float64 up to 2**53 (beyond that, the nearest double).
 */
export function ulpDistance(a: number, b: number, dtype: DType): number {
  if (a === b) return 0;
  if (dtype === 'float32') return Math.abs(orderedFloat32(a) - orderedFloat32(b));
  // The ordered 64-bit integers as high and low words, subtracted word by word in doubles: no BigInt
  // (which cost the comparison more than the TS forward of a small case).
  asFloat64[0] = a;
  const signA = asInt32[1]! < 0 ? -1 : 1;
  const highA = signA * (asInt32[1]! & 0x7fffffff);
  const lowA = signA * asUint32[0]!;
  asFloat64[0] = b;
  const signB = asInt32[1]! < 0 ? -1 : 1;
  const highB = signB * (asInt32[1]! & 0x7fffffff);
  const lowB = signB * asUint32[0]!;
  return Math.abs((highA - highB) * 2 ** 32 + (lowA - lowB));
}

/** x's float32 bits as a sign-magnitude integer (negative for x < 0 and -0). */
function orderedFloat32(x: number): number {
  asFloat32[0] = x;
  const bits = asInt32[0]!;
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}
