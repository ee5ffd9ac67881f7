// The Rust safetensors writer's file layout, rendered independently of the library, and the mutations that make it malformed.
import { tensorOf } from '../tensor-args.js';
import type { FileEntry } from './named-file-tensors.js';

// safetensors 0.8 `Dtype` in declaration order: the Rust writer lays tensors out by dtype, last first.
const DTYPE_ORDER = [
  'BOOL',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'C64',
  'F64',
  'I64',
  'U64',
];
const ITEM_SIZE: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The order the Rust writer (`safetensors::tensor::prepare`) lays tensors out in: dtype descending, then name by UTF-8 bytes. */
export function rustOrder(entries: readonly FileEntry[]): FileEntry[] {
  const utf8 = new TextEncoder();
  const byBytes = (a: string, b: string): number => Buffer.compare(utf8.encode(a), utf8.encode(b));
  return [...entries].sort((a, b) => DTYPE_ORDER.indexOf(b.dtype) - DTYPE_ORDER.indexOf(a.dtype) || byBytes(a.name, b.name));
}

/** A dtype-tag mutation's tag meaning "the tensor's own tag, lower-cased". */
export const LOWER_TAG = '<lower>';

/** One header member as the Rust writer serialises it (serde_json, compact, field order dtype, shape, data_offsets). */
export type HeaderMember = { name: string; info: { dtype: unknown; shape: unknown; data_offsets: unknown } };

/**
 * A malformation, applied structurally (to header members before rendering) or to the bytes after; each
 * shrinks towards its smallest, most readable form.
 */
export type FileMutation =
  | { readonly kind: 'truncate'; readonly keepPercent: number }
  | { readonly kind: 'append'; readonly count: number }
  | { readonly kind: 'header-length'; readonly value: number }
  | { readonly kind: 'header-length-delta'; readonly delta: number }
  | { readonly kind: 'dtype-tag'; readonly index: number; readonly tag: string }
  | { readonly kind: 'offsets'; readonly index: number; readonly beginDelta: number; readonly endDelta: number }
  | { readonly kind: 'shape'; readonly index: number; readonly shape: readonly number[] }
  | { readonly kind: 'non-utf8'; readonly at: number; readonly byte: number }
  | { readonly kind: 'duplicate'; readonly index: number }
  | { readonly kind: 'padding'; readonly byte: number }
  | { readonly kind: 'metadata-value'; readonly value: number }
  /** `__metadata__` replaced by this JSON text (null, an empty object, nested or non-string values, not an object). */
  | { readonly kind: 'metadata-json'; readonly text: string };

/** Bytes of a tensor's data: F32/F64 little-endian values, other dtypes zeros. */
function dataBytes(entry: FileEntry): Uint8Array {
  if (entry.dtype !== 'F32' && entry.dtype !== 'F64') {
    const count = entry.tensor.shape.reduce((n, s) => n * s, 1);
    return new Uint8Array(count * ITEM_SIZE[entry.dtype]!);
  }
  const { data } = tensorOf(entry.tensor);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/**
 * The file the Rust writer writes for `entries` in the given order (pass them through {@link rustOrder}
 * for the writer's own), `__metadata__` first, the header space-padded to a multiple of 8 bytes; then
 * `mutation` applied. Independent of src/safetensors.ts, so a reader bug cannot hide behind a writer bug.
 */
export function renderFile(
  entries: readonly FileEntry[],
  metadata: readonly (readonly [string, string])[] | null,
  mutation: FileMutation | null = null,
): Uint8Array {
  const chunks = entries.map(dataBytes);
  let offset = 0;
  const members: HeaderMember[] = entries.map((entry, i) => {
    const begin = offset;
    offset += chunks[i]!.length;
    return { name: entry.name, info: { dtype: entry.dtype, shape: [...entry.tensor.shape], data_offsets: [begin, offset] } };
  });
  const at = (index: number): HeaderMember | undefined => members[index % Math.max(1, members.length)];
  let metadataText = metadata === null ? null : `{${metadata.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  if (mutation?.kind === 'dtype-tag' && at(mutation.index)) {
    const member = at(mutation.index)!;
    member.info.dtype = mutation.tag === LOWER_TAG ? String(member.info.dtype).toLowerCase() : mutation.tag;
  }
  if (mutation?.kind === 'shape' && at(mutation.index)) at(mutation.index)!.info.shape = [...mutation.shape];
  if (mutation?.kind === 'offsets' && at(mutation.index)) {
    const member = at(mutation.index)!;
    const [begin, end] = member.info.data_offsets as number[];
    const moved = [Math.max(0, begin! + mutation.beginDelta), Math.max(0, end! + mutation.endDelta)];
    // Two tensors with equal offsets are ordered by the Rust reader's HashMap: its verdict would be a coin toss.
    const collides = members.some((m) => m !== member && String(m.info.data_offsets) === String(moved));
    if (!collides) member.info.data_offsets = moved;
  }
  if (mutation?.kind === 'metadata-value') metadataText = `{"format":${mutation.value}}`;
  if (mutation?.kind === 'metadata-json') metadataText = mutation.text;
  const texts = members.map((m) => `${JSON.stringify(m.name)}:${JSON.stringify(m.info)}`);
  if (mutation?.kind === 'duplicate' && texts.length > 0) texts.push(texts[mutation.index % texts.length]!);
  if (metadataText !== null) texts.unshift(`"__metadata__":${metadataText}`);
  const json = new TextEncoder().encode(`{${texts.join(',')}}`);
  const padding = (8 - (json.length % 8)) % 8;
  const data = new Uint8Array(offset);
  let start = 0;
  for (const chunk of chunks) {
    data.set(chunk, start);
    start += chunk.length;
  }
  let file = new Uint8Array(8 + json.length + padding + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length + padding), true);
  file.set(json, 8);
  file.fill(mutation?.kind === 'padding' ? mutation.byte : 0x20, 8 + json.length, 8 + json.length + padding);
  file.set(data, 8 + json.length + padding);
  if (mutation === null) return file;
  const view = new DataView(file.buffer);
  switch (mutation.kind) {
    case 'truncate':
      file = file.slice(0, Math.floor((file.length * mutation.keepPercent) / 100));
      break;
    case 'append':
      file = Uint8Array.from([...file, ...new Array<number>(mutation.count).fill(0)]);
      break;
    case 'header-length':
      view.setBigUint64(0, BigInt(mutation.value), true);
      break;
    case 'header-length-delta':
      view.setBigUint64(0, BigInt(Math.max(0, json.length + padding + mutation.delta)), true);
      break;
    case 'non-utf8':
      // Never the first header byte: the library checks the '{' before the UTF-8 (Note [safetensors error classes]).
      file[8 + 1 + (mutation.at % Math.max(1, json.length - 1))] = mutation.byte;
      break;
    default:
      break;
  }
  return file;
}
