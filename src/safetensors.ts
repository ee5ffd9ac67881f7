// The safetensors format: a bounds-checked reader and a writer for float32/float64 tensors, from and to bytes.
import { Tensor, type DType } from './tensor.js';

/**
 * What went wrong in a safetensors file. The codes are the variant names of the reference Rust
 * crate's `SafeTensorError` where one exists (`HeaderTooLarge`, `InvalidOffset`, …), plus
 * `UnsupportedDtype` and `DuplicateName`.
 */
export type SafetensorsErrorCode =
  | 'HeaderTooSmall'
  | 'HeaderTooLarge'
  | 'InvalidHeaderLength'
  | 'InvalidHeader'
  | 'InvalidHeaderStart'
  | 'InvalidHeaderDeserialization'
  | 'DuplicateName'
  | 'UnsupportedDtype'
  | 'InvalidOffset'
  | 'TensorInvalidInfo'
  | 'ValidationOverflow'
  | 'MetadataIncompleteBuffer'
  | 'InvalidTensorName';

/**
 * A malformed or unsupported safetensors file (or an unwritable state dict). Not a
 * {@link TorchError}: torch never parses safetensors itself — the `safetensors` package does, and
 * raises its own `SafetensorError` — so no torch message exists to mirror.
 */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  readonly code: SafetensorsErrorCode;

  constructor(code: SafetensorsErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

/** A parsed safetensors file: tensors in header order, and the optional `__metadata__` string map. */
export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>> | null;
}

/** Limits on what {@link readSafetensors} accepts. */
export interface SafetensorsReadOptions {
  /** Largest JSON header accepted, in bytes; default 100 000 000, the Rust crate's `MAX_HEADER_SIZE`. */
  readonly maxHeaderBytes?: number;
}

const DEFAULT_MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const SUPPORTED_DTYPES: Readonly<Record<string, { dtype: DType; itemSize: number }>> = {
  F32: { dtype: 'float32', itemSize: 4 },
  F64: { dtype: 'float64', itemSize: 8 },
};
// The other dtypes of the format, so a known-but-unsupported dtype gets a precise message.
const KNOWN_DTYPES = new Set(['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']);

interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly itemSize: number;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Parses a safetensors file. Every size and offset is checked against the buffer before anything is
 * allocated, so a lying header cannot make the reader allocate more than the buffer holds; data is
 * copied out (the result does not alias `bytes`).
 *
 * Format: 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`
 * (possibly space-padded), then the data section, which the tensors must tile exactly: sorted by
 * offset, each begins where the previous ended, the last ends at the buffer's end, and each spans
 * numel × itemsize bytes (the Rust crate's `Metadata::validate`). Only F32 and F64 are supported.
 * @throws SafetensorsError for any malformed, truncated or unsupported input.
 */
export function readSafetensors(bytes: Uint8Array, options: SafetensorsReadOptions = {}): SafetensorsFile {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (bytes.length < 8) throw new SafetensorsError('HeaderTooSmall', `the file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declaredHeaderBytes = view.getBigUint64(0, true);
  if (declaredHeaderBytes > BigInt(maxHeaderBytes)) {
    throw new SafetensorsError('HeaderTooLarge', `the header length ${declaredHeaderBytes} exceeds the limit of ${maxHeaderBytes} bytes`);
  }
  const headerBytes = Number(declaredHeaderBytes);
  if (8 + headerBytes > bytes.length) {
    throw new SafetensorsError('InvalidHeaderLength', `the header length ${headerBytes} runs past the end of the ${bytes.length}-byte file`);
  }
  const header = parseHeaderJson(bytes.subarray(8, 8 + headerBytes));
  const dataStart = 8 + headerBytes;
  const dataBytes = bytes.length - dataStart;
  const entries = headerEntries(header);
  const metadata = headerMetadata(header);
  validateTiling(entries, dataBytes);

  const tensors = new Map<string, Tensor>();
  for (const entry of entries) tensors.set(entry.name, decodeTensor(view, dataStart, entry));
  return { tensors, metadata };
}

/** A parsed header and its top-level keys in file order (JS objects put integer-like keys first). */
interface Header {
  readonly object: Record<string, unknown>;
  readonly keys: readonly string[];
}

/** Decodes and checks the header bytes as a JSON object with no duplicate keys at any depth. */
function parseHeaderJson(headerBytes: Uint8Array): Header {
  if (headerBytes.length === 0 || headerBytes[0] !== 0x7b) {
    throw new SafetensorsError('InvalidHeaderStart', "the JSON header must start with '{'");
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError('InvalidHeader', 'the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError('InvalidHeaderDeserialization', `the header is not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SafetensorsError('InvalidHeaderDeserialization', 'the header must be a JSON object');
  }
  const { duplicate, topLevelKeys } = scanKeys(text);
  if (duplicate !== null) throw new SafetensorsError('DuplicateName', `the header names ${JSON.stringify(duplicate)} more than once`);
  return { object: parsed as Record<string, unknown>, keys: topLevelKeys };
}

/**
 * The keys of the outermost object of `text` (already known to be valid JSON) in order, and the
 * first key that occurs twice in any one object, or null. JSON.parse silently keeps the last
 * duplicate, so a file naming a tensor twice would otherwise lose one without a word.
 * Iterative: nesting depth cannot overflow the stack.
 */
function scanKeys(text: string): { duplicate: string | null; topLevelKeys: string[] } {
  const topLevelKeys: string[] = [];
  const objectKeys: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '{') {
      objectKeys.push(new Set());
      expectKey = true;
    } else if (char === '[') {
      objectKeys.push(null);
    } else if (char === '}' || char === ']') {
      objectKeys.pop();
      expectKey = false;
    } else if (char === ',') {
      expectKey = objectKeys.at(-1) instanceof Set;
    } else if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const keys = objectKeys.at(-1)!;
        if (keys.has(key)) return { duplicate: key, topLevelKeys };
        keys.add(key);
        if (objectKeys.length === 1) topLevelKeys.push(key);
        expectKey = false;
      }
      i = end;
    }
  }
  return { duplicate: null, topLevelKeys };
}

function headerMetadata(header: Header): Record<string, string> | null {
  if (!Object.hasOwn(header.object, METADATA_KEY)) return null;
  const raw = header.object[METADATA_KEY];
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsError('InvalidHeaderDeserialization', `${METADATA_KEY} must be an object of strings`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError('InvalidHeaderDeserialization', `${METADATA_KEY} value for ${JSON.stringify(key)} must be a string`);
    }
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

function headerEntries(header: Header): TensorEntry[] {
  const entries: TensorEntry[] = [];
  for (const name of header.keys) {
    if (name === METADATA_KEY) continue;
    const info = header.object[name];
    const where = `tensor ${JSON.stringify(name)}`;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) {
      throw new SafetensorsError('InvalidHeaderDeserialization', `${where} must be an object with dtype, shape and data_offsets`);
    }
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') throw new SafetensorsError('InvalidHeaderDeserialization', `${where} has no string dtype`);
    const supported = SUPPORTED_DTYPES[dtype];
    if (supported === undefined || !Object.hasOwn(SUPPORTED_DTYPES, dtype)) {
      const kind = KNOWN_DTYPES.has(dtype) ? 'is not supported' : 'is not a safetensors dtype';
      throw new SafetensorsError('UnsupportedDtype', `${where} has dtype ${JSON.stringify(dtype)}, which ${kind} (supported: F32, F64)`);
    }
    if (!Array.isArray(shape) || !shape.every(isByteCount)) {
      throw new SafetensorsError('InvalidHeaderDeserialization', `${where} must have a shape of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isByteCount)) {
      throw new SafetensorsError('InvalidHeaderDeserialization', `${where} must have data_offsets [begin, end] of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    entries.push({ name, dtype: supported.dtype, itemSize: supported.itemSize, shape: shape as number[], begin, end });
  }
  return entries;
}

function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The tensors must tile the data section exactly, in offset order (Rust `Metadata::validate`). */
function validateTiling(entries: TensorEntry[], dataBytes: number): void {
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const entry of byOffset) {
    const where = `tensor ${JSON.stringify(entry.name)}`;
    if (entry.begin !== expectedBegin || entry.end < entry.begin) {
      throw new SafetensorsError(
        'InvalidOffset',
        `${where} has data_offsets [${entry.begin}, ${entry.end}], expected to begin at ${expectedBegin} and end no earlier`,
      );
    }
    // An end past the data section is left to the size check and the final coverage check, in the
    // Rust reader's order (TensorInvalidInfo or MetadataIncompleteBuffer, never InvalidOffset); every
    // end is within the buffer once both pass.
    // A zero-size dimension makes the tensor empty however large the others claim to be.
    let numel = entry.shape.includes(0) ? 0 : 1;
    for (const size of entry.shape) {
      numel *= size;
      if (!Number.isSafeInteger(numel * entry.itemSize)) {
        throw new SafetensorsError('ValidationOverflow', `${where} has shape [${entry.shape.join(', ')}], whose byte size overflows`);
      }
    }
    if (entry.end - entry.begin !== numel * entry.itemSize) {
      throw new SafetensorsError(
        'TensorInvalidInfo',
        `${where} has shape [${entry.shape.join(', ')}] (${numel * entry.itemSize} bytes) but data_offsets span ${entry.end - entry.begin} bytes`,
      );
    }
    expectedBegin = entry.end;
  }
  if (expectedBegin !== dataBytes) {
    throw new SafetensorsError('MetadataIncompleteBuffer', `the tensors cover ${expectedBegin} bytes of the ${dataBytes}-byte data section`);
  }
}

function decodeTensor(view: DataView, dataStart: number, entry: TensorEntry): Tensor {
  const length = (entry.end - entry.begin) / entry.itemSize;
  const offset = dataStart + entry.begin;
  if (entry.dtype === 'float32') {
    const data = new Float32Array(length);
    for (let i = 0; i < length; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    return new Tensor(data, entry.shape);
  }
  const data = new Float64Array(length);
  for (let i = 0; i < length; i++) data[i] = view.getFloat64(offset + 8 * i, true);
  return new Tensor(data, entry.shape);
}

/**
 * Serialises tensors (in the given order) and optional string metadata as a safetensors file that
 * `safetensors.torch.load` and {@link readSafetensors} read back bit for bit. The header is padded
 * with spaces so the data section starts at a multiple of 8 bytes.
 * @throws SafetensorsError when a name is `__metadata__` or repeated.
 */
export function writeSafetensors(
  tensors: Iterable<readonly [string, Tensor]> | Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> | null = null,
): Uint8Array {
  const pairs: (readonly [string, Tensor])[] = isIterable(tensors) ? [...tensors] : Object.entries(tensors);
  // Members are joined by hand: a JS object would move integer-like names ("0") to the front, and
  // the header order is the order readers report.
  const members: string[] = metadata === null ? [] : [`${JSON.stringify(METADATA_KEY)}:${JSON.stringify({ ...metadata })}`];
  let dataBytes = 0;
  const seen = new Set<string>();
  for (const [name, tensor] of pairs) {
    if (name === METADATA_KEY) throw new SafetensorsError('InvalidTensorName', `a tensor cannot be named ${METADATA_KEY}`);
    if (seen.has(name)) throw new SafetensorsError('DuplicateName', `the tensor name ${JSON.stringify(name)} is given more than once`);
    seen.add(name);
    const byteLength = tensor.data.byteLength;
    const info = { dtype: tensor.dtype === 'float32' ? 'F32' : 'F64', shape: [...tensor.shape], data_offsets: [dataBytes, dataBytes + byteLength] };
    members.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    dataBytes += byteLength;
  }
  const encoded = new TextEncoder().encode(`{${members.join(',')}}`);
  const padding = (8 - (encoded.length % 8)) % 8;
  const headerBytes = encoded.length + padding;
  const out = new Uint8Array(8 + headerBytes + dataBytes);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes), true);
  out.set(encoded, 8);
  out.fill(0x20, 8 + encoded.length, 8 + headerBytes);
  let offset = 8 + headerBytes;
  for (const [, tensor] of pairs) {
    const { data } = tensor;
    if (data instanceof Float32Array) for (let i = 0; i < data.length; i++, offset += 4) view.setFloat32(offset, data[i]!, true);
    else for (let i = 0; i < data.length; i++, offset += 8) view.setFloat64(offset, data[i]!, true);
  }
  return out;
}

function isIterable<T>(value: object): value is Iterable<T> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}
