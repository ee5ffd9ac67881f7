// Options a call may leave out: drawn absent sometimes, so the library's defaults are judged against torch's, and sent without the absent keys.
import fc from 'fast-check';
import type { ApiArgs } from './api-args.js';

/**
 * `arbitrary`'s value, or null (the option left out: undefined, so the library's default, on the TS
 * side; the keyword omitted on torch's) in about one case of four. null, not undefined, as args are
 * JSON. Shrinks towards the value given.
 */
export function omittable<T extends ApiArgs>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 3, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });
}

/** `record` without its null entries: the keywords torch is given (python: `**given(args, …)`). */
export function present(record: Readonly<Record<string, ApiArgs>>): Record<string, ApiArgs> {
  const out: Record<string, ApiArgs> = {};
  for (const [key, value] of Object.entries(record))
    if (value !== null) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}
