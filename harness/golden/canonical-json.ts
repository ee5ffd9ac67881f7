// Canonical JSON for golden fixtures: sorted keys, 2-space indent, trailing newline, and the content hash over it.
import { createHash } from 'node:crypto';

/** A JSON value as fixtures hold it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The one text of a JSON value: object keys sorted (by UTF-16 code units, as `Array.prototype.sort`),
 * 2-space indent, a trailing newline, so equal values give equal bytes and a review diff reads well.
 * Finite numbers print in JS's shortest round-trip form, which is exact for every float64 (and for
 * every float32 widened to float64).
 * @throws Error (a harness bug) for a non-finite number or −0, which JSON would silently turn into
 *   `null` or `0`; encode those first (src/json-float.ts for tensors).
 */
export function canonicalJson(value: JsonValue): string {
  return `${JSON.stringify(sortKeys(value, '$'), null, 2)}\n`;
}

function sortKeys(value: JsonValue, path: string): JsonValue {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0)) {
      throw new Error(`BUG: ${path} is ${Object.is(value, -0) ? '-0' : String(value)}, which plain JSON cannot carry exactly`);
    }
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as JsonValue[]).map((item, index) => sortKeys(item, `${path}[${index}]`));
  const sorted: Record<string, JsonValue> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Readonly<Record<string, JsonValue>>)[key];
    // defineProperty, so a key such as "__proto__" stays an ordinary key.
    if (item !== undefined)
      Object.defineProperty(sorted, key, { value: sortKeys(item, `${path}.${key}`), enumerable: true, writable: true, configurable: true });
  }
  return sorted;
}

/** The first 16 hex digits of sha256 over {@link canonicalJson}: a fixture's id and file name. */
export function contentHash(value: JsonValue): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}
