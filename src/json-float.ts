// Bit-exact floats in JSON: finite values as numbers, NaN / ±Infinity / -0 as strings (style.md fixture rule).

/** A float as JSON carries it exactly: a finite number, or one of the four strings JSON numbers cannot express. */
export type JsonFloat = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

/**
 * Encodes a float for JSON. JS prints the shortest digits that round-trip a double, and a float32
 * widened to double is exact, so `JSON.parse` recovers the identical value; `-0` becomes `"-0"`
 * because `JSON.stringify(-0)` is `0`.
 */
export function encodeJsonFloat(value: number): JsonFloat {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return value;
}

/** Decodes {@link encodeJsonFloat}'s output; null for anything else (the caller words the error). */
export function decodeJsonFloat(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  switch (value) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
    default:
      return null;
  }
}
