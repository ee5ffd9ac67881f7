// API case arguments: plain data (numbers, bigints, strings, booleans, null, arrays, records), tagged to cross JSON exactly.
import type { PyValue } from '../worker/protocol.js';

/** What an API target's arbitrary may produce: data only, so a case can be stored, sent and shrunk. */
export type ApiArgs = number | bigint | string | boolean | null | readonly ApiArgs[] | { readonly [key: string]: ApiArgs };

const FLOAT_TAGS: ReadonlyMap<string, number> = new Map([
  ['nan', Number.NaN],
  ['inf', Infinity],
  ['-inf', -Infinity],
  ['-0.0', -0],
]);

/**
 * Args as the worker (python/PROTOCOL.md, tagged values) and fixtures carry them: NaN, ±Inf and −0 as
 * `{$float}` (JSON has no NaN, and drops the sign of zero), a bigint as `{$int}` (a Python int).
 */
export function encodeArgs(args: ApiArgs): PyValue {
  if (typeof args === 'bigint') return { $int: args.toString() };
  if (typeof args === 'number') {
    if (Number.isNaN(args)) return { $float: 'nan' };
    if (!Number.isFinite(args)) return { $float: args > 0 ? 'inf' : '-inf' };
    if (Object.is(args, -0)) return { $float: '-0.0' };
    return args;
  }
  if (Array.isArray(args)) return (args as readonly ApiArgs[]).map(encodeArgs);
  if (args !== null && typeof args === 'object') {
    const out: Record<string, PyValue> = {};
    for (const [key, item] of Object.entries(args))
      Object.defineProperty(out, key, { value: encodeArgs(item), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return args as PyValue;
}

/** The args {@link encodeArgs} encoded. @throws Error for a tag it never writes. */
export function decodeArgs(value: unknown): ApiArgs {
  if (Array.isArray(value)) return value.map(decodeArgs);
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === '$int' && typeof record.$int === 'string') return BigInt(record.$int);
    if (keys.length === 1 && keys[0] === '$float') {
      const float = FLOAT_TAGS.get(String(record.$float));
      if (float === undefined) throw new Error(`unknown $float tag ${JSON.stringify(record.$float)}`);
      return float;
    }
    const out: Record<string, ApiArgs> = {};
    for (const [key, item] of Object.entries(record))
      Object.defineProperty(out, key, { value: decodeArgs(item), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  throw new Error(`not API args: ${String(value)}`);
}
