// A range of a typed array without a new view where the range is the whole array: `subarray` allocates
// a view object, and the forward's per-step loops would make thousands of them per call.
import type { FloatArray } from './tensor.js';

/** array[start … end): the array itself where that is all of it, else a subarray view. */
export function range<T extends FloatArray>(array: T, start: number, end: number): T {
  return start === 0 && end === array.length ? array : (array.subarray(start, end) as T);
}
