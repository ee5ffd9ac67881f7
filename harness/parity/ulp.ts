// Distances in units in the last place, for float32 and float64 alike.
import type { DType } from '../../src/index.js';

const scratch = new DataView(new ArrayBuffer(8));

/** Distance in units in the last place: how many representable values of `dtype` lie between a and b. */
export function ulpDistance(a: number, b: number, dtype: DType): number {
  if (a === b) return 0;
  if (dtype === 'float32') {
    return Math.abs(orderedFloat32(a) - orderedFloat32(b));
  }
  return Number(absBig(orderedFloat64(a) - orderedFloat64(b)));
}

function orderedFloat32(x: number): number {
  scratch.setFloat32(0, x);
  const bits = scratch.getInt32(0);
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}

function orderedFloat64(x: number): bigint {
  scratch.setFloat64(0, x);
  const bits = scratch.getBigInt64(0);
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

function absBig(x: bigint): bigint {
  return x < 0n ? -x : x;
}
