// Target safetensors_write: files writeSafetensors writes, read by the Rust reader, and byte for byte the Rust writer's where the layout is canonical.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import type { ApiResult } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalTensor } from '../canonical-value.js';
import { elementsOf, tensorOf } from '../tensor-args.js';
import { type FileEntry, fileEntries, fileMetadata } from './named-file-tensors.js';
import { hexOf, safetensorsErrorResult } from './safetensors-errors.js';
import { rustOrder } from './safetensors-layout.js';

export type SafetensorsWriteArgs = {
  readonly entries: readonly FileEntry[];
  readonly metadata: readonly [string, string][] | null;
  /** Entries in the Rust writer's order with at most one metadata key: the file must equal Rust's byte for byte. */
  readonly canonical: boolean;
};

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type SafetensorsWriteLibrary = Pick<typeof library, 'writeSafetensors'>;

function write(lib: SafetensorsWriteLibrary, a: SafetensorsWriteArgs): Uint8Array {
  const metadata = a.metadata === null ? null : Object.fromEntries(a.metadata);
  return lib.writeSafetensors(
    a.entries.map((e) => [e.name, tensorOf(e.tensor)] as const),
    metadata,
  );
}

/**
 * `writeSafetensors(tensors, metadata)`: the worker reads the library's file with `safetensors.torch.load`
 * (and the header's order and `__metadata__`) and, for canonical args, writes the same tensors with the
 * Rust writer; the library's side answers with the tensors it was given and its own bytes.
 */
export function safetensorsWriteTarget(lib: SafetensorsWriteLibrary = library): ApiTarget<SafetensorsWriteArgs> {
  return {
    name: 'safetensors_write',
    exports: ['writeSafetensors', 'SafetensorsError'],
    weight: 3,
    arbitrary: fc
      .record({ entries: fileEntries(), metadata: fileMetadata(), canonical: fc.boolean() })
      // The Rust 0.8.0 writer's file for no tensors and empty metadata is not JSON ('{},"__metadata__":{}}'), so
      // that one file is never compared byte for byte.
      .map(({ entries, metadata, canonical }) => ({ entries, metadata, canonical: canonical && (entries.length > 0 || metadata?.length !== 0) }))
      .map(({ entries, metadata, canonical }) =>
        canonical
          ? { entries: rustOrder(entries), metadata: metadata === null ? null : metadata.slice(0, 1), canonical }
          : { entries, metadata, canonical },
      ),
    runTs: (a): ApiResult => {
      try {
        const bytes = write(lib, a);
        return {
          value: {
            tensors: a.entries.map((e) => [e.name, canonicalTensor(tensorOf(e.tensor))]),
            metadata: a.metadata === null ? null : [...a.metadata].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
            rust_bytes: a.canonical ? hexOf(bytes) : null,
          },
          warnings: [],
        };
      } catch (error) {
        return safetensorsErrorResult(error);
      }
    },
    wireArgs: (a) => {
      let file: string | null = null;
      try {
        file = hexOf(write(lib, a));
      } catch {
        // The library's side reports the writer's exception; the worker answers that no file was written.
      }
      return encodeArgs({ entries: a.entries, metadata: a.metadata, canonical: a.canonical, file });
    },
    size: (a) => elementsOf(...a.entries.map((e) => e.tensor)) + a.entries.length,
  };
}
