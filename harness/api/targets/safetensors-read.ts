// Target safetensors_read: files the Rust writer writes (then mutated) read by readSafetensors, against the Rust reader's verdict.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import type { ApiTarget } from '../api-target.js';
import { elementsOf } from '../tensor-args.js';
import { type FileEntry, fileEntries, fileMetadata } from './named-file-tensors.js';
import { canonicalFile, hexOf, safetensorsErrorResult } from './safetensors-errors.js';
import { type FileMutation, LOWER_TAG, renderFile, rustOrder } from './safetensors-layout.js';

export type SafetensorsReadArgs = {
  readonly entries: readonly FileEntry[];
  readonly metadata: readonly [string, string][] | null;
  readonly mutation: FileMutation | null;
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type SafetensorsReadLibrary = Pick<typeof library, 'readSafetensors'>;

const index = fc.nat({ max: 4 });

/** The malformations of the issue (truncated, bad header length, offsets, dtype tags, UTF-8, duplicates, trailing bytes …). */
export function fileMutation(): fc.Arbitrary<FileMutation> {
  const tags = [
    'F64',
    'F32',
    'f32',
    'f64',
    'F16',
    'BF16',
    'I32',
    'I64',
    'I16',
    'U8',
    'U64',
    'BOOL',
    'F8_E4M3',
    'C64',
    'F32 ',
    ' F32',
    '',
    'F',
    'F3',
    'F320',
    'F6',
    'float32',
    'FP32',
    'toString',
    '__proto__',
  ];
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keepPercent: fc.integer({ min: 0, max: 99 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 9 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('header-length' as const),
        value: fc.constantFrom(0, 1, 7, 99_999_999, 100_000_000, 100_000_001, 2 ** 53),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('header-length-delta' as const), delta: fc.integer({ min: -9, max: 9 }).filter((d) => d !== 0) }),
    },
    // Tag matching is where readers slip (case, prefixes, padding, prototype keys): drawn most often.
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('dtype-tag' as const),
        index,
        // LOWER_TAG: the tensor's own tag lower-cased (renderFile).
        tag: fc.oneof(
          { weight: 1, arbitrary: fc.constant(LOWER_TAG) },
          { weight: 2, arbitrary: fc.constantFrom(...tags) },
          // Names every JS object has: a table looked up without an own-property check takes them for dtypes.
          { weight: 1, arbitrary: fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf') },
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('offsets' as const),
        index,
        beginDelta: fc.integer({ min: -8, max: 8 }),
        endDelta: fc.integer({ min: -8, max: 8 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('shape' as const),
        index,
        shape: fc.oneof(fc.array(fc.nat({ max: 4 }), { maxLength: 3 }), fc.constant([2 ** 40, 2 ** 40, 2 ** 40])),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('non-utf8' as const), at: fc.nat({ max: 200 }), byte: fc.constantFrom(0xff, 0x80, 0xc3, 0xed) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), index }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('padding' as const), byte: fc.constantFrom(0x00, 0x0a, 0x09, 0x0d, 0x7d) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('metadata-value' as const), value: fc.integer({ min: 0, max: 9 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('metadata-json' as const),
        // null (Rust's Option: no metadata) most: a reader that takes it for an object crashes on it.
        text: fc.oneof(
          { weight: 1, arbitrary: fc.constant('null') },
          {
            weight: 2,
            arbitrary: fc.constantFrom('{}', '{"format":null}', '{"format":true}', '{"a":{"b":"c"}}', '{"a":["b"]}', '[]', '"pt"', '{"":""}'),
          },
        ),
      }),
    },
  );
}

/** The file of the args: the Rust writer's layout of the entries, then the mutation. */
export function readFile(a: SafetensorsReadArgs): Uint8Array {
  return renderFile(a.entries, a.metadata, a.mutation);
}

/** `readSafetensors(file)` against `safetensors.torch.load(file)` (python/api_targets_files.py target_safetensors_read). */
export function safetensorsReadTarget(lib: SafetensorsReadLibrary = library): ApiTarget<SafetensorsReadArgs> {
  return {
    name: 'safetensors_read',
    exports: ['readSafetensors', 'SafetensorsError'],
    weight: 4,
    arbitrary: fc
      .record({
        entries: fc.oneof(
          { weight: 4, arbitrary: fileEntries() },
          // Tensors a Python user may save that the library does not compute in: UnsupportedDtype.
          { weight: 1, arbitrary: fileEntries(['F32', 'F64', 'F16', 'BF16', 'I64', 'I32', 'U8', 'BOOL']) },
        ),
        metadata: fileMetadata(),
        mutation: fc.option(fileMutation(), { freq: 3 }),
      })
      .map(({ entries, metadata, mutation }) => {
        const ordered = rustOrder(entries);
        // A file Rust's writer would write holds at most one metadata key in a fixed place (it keeps them in a
        // HashMap); mutated files and files of unsupported dtypes keep to the library's F32/F64 to give one verdict.
        const unsupported = ordered.some((e) => e.dtype !== 'F32' && e.dtype !== 'F64');
        return {
          entries: unsupported && mutation !== null ? ordered.filter((e) => e.dtype === 'F32' || e.dtype === 'F64') : ordered,
          metadata: mutation === null && metadata !== null ? metadata.slice(0, 1) : metadata,
          mutation,
        };
      }),
    runTs: (a) => {
      try {
        return { value: canonicalFile(lib.readSafetensors(readFile(a))), warnings: [] };
      } catch (error) {
        return safetensorsErrorResult(error);
      }
    },
    wireArgs: (a) => encodeArgs({ entries: a.entries, metadata: a.metadata, mutation: a.mutation?.kind ?? null, file: hexOf(readFile(a)) }),
    size: (a) => elementsOf(...a.entries.map((e) => e.tensor)) + a.entries.length,
  };
}
