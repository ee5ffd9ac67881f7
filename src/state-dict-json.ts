// A state dict as canonical JSON: per parameter its dtype, shape and row-major values, bit for bit.
import { decodeJsonFloat, encodeJsonFloat } from './json-float.js';
import { numel, Tensor } from './tensor.js';

/** A state-dict JSON document that is malformed, or whose values do not fit the declared dtype. */
export class StateDictJsonError extends Error {
  override readonly name = 'StateDictJsonError';
}

/**
 * Serialises a state dict (e.g. `rnn.stateDict()`) as canonical JSON — keys sorted, 2-space indent,
 * trailing newline — mapping each name to `{ "dtype": "float32" | "float64", "shape": [...],
 * "values": [...] }`, values row-major and encoded bit-exactly (finite numbers as JSON numbers;
 * `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"` as strings). Mirrors `module.state_dict()` contents.
 */
export function stateDictToJson(stateDict: Iterable<readonly [string, Tensor]> | Readonly<Record<string, Tensor>>): string {
  const pairs = Symbol.iterator in stateDict ? [...(stateDict as Iterable<readonly [string, Tensor]>)] : Object.entries(stateDict);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const document: Record<string, unknown> = {};
  for (const [name, tensor] of pairs) {
    Object.defineProperty(document, name, {
      value: { dtype: tensor.dtype, shape: [...tensor.shape], values: Array.from(tensor.data, encodeJsonFloat) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Parses {@link stateDictToJson}'s format back into tensors, exactly. A float32 entry whose value
 * is not exactly a float32 is rejected rather than rounded, so a document cannot silently lose bits.
 * @throws StateDictJsonError naming the parameter and the first offending field or value.
 */
export function stateDictFromJson(text: string): Record<string, Tensor> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StateDictJsonError(`state dict JSON is not valid JSON (${(error as Error).message})`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new StateDictJsonError('state dict JSON must be an object mapping parameter names to tensors');
  }
  const entries: [string, Tensor][] = [];
  for (const [name, entry] of Object.entries(document)) entries.push([name, decodeEntry(name, entry)]);
  return Object.fromEntries(entries);
}

function decodeEntry(name: string, entry: unknown): Tensor {
  const where = `parameter ${JSON.stringify(name)}`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new StateDictJsonError(`${where} must be an object with dtype, shape and values`);
  }
  const { dtype, shape, values } = entry as Record<string, unknown>;
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new StateDictJsonError(`${where} has dtype ${JSON.stringify(dtype)}; expected "float32" or "float64"`);
  }
  if (!Array.isArray(shape) || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw new StateDictJsonError(`${where} must have a shape of non-negative integers`);
  }
  const sizes = shape as number[];
  if (!Array.isArray(values) || values.length !== numel(sizes)) {
    throw new StateDictJsonError(`${where} has shape [${sizes.join(', ')}] and needs ${numel(sizes)} values`);
  }
  const data = dtype === 'float32' ? new Float32Array(values.length) : new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = decodeJsonFloat(values[i]);
    if (value === null)
      throw new StateDictJsonError(`${where} value ${i} is ${JSON.stringify(values[i])}, not a number or "NaN", "Infinity", "-Infinity", "-0"`);
    if (dtype === 'float32' && !Object.is(Math.fround(value), value) && !Number.isNaN(value)) {
      throw new StateDictJsonError(`${where} value ${i} (${value}) is not exactly representable as float32`);
    }
    data[i] = value;
  }
  return new Tensor(data, sizes);
}
