// The library's SafetensorsError codes as the Rust reader's error classes, and a read's answer in the form both sides give.
import { type SafetensorsErrorCode, SafetensorsError, type SafetensorsFile } from '../../../src/index.js';
import type { ApiResult } from '../api-result.js';
import { type CanonicalValue, canonicalTensor } from '../canonical-value.js';

/**
 * Note [safetensors error classes]: the one table between the library's codes and the Rust crate's
 * `SafeTensorError` variants (safetensors 0.8.0, as the Python package raises them; python/api_targets_files.py
 * RUST_VARIANTS reads the variant off the message). Equal names mean equal classes, except:
 * - `InvalidHeaderStart`: the pinned reader has no start check; a header that does not open with '{'
 *   fails there as JSON, so the class is InvalidHeaderDeserialization.
 * - `UnsupportedDtype`: Rust's `unknown variant` JSON error for an unknown tag, and, for a tag Rust knows
 *   but the library does not compute in (anything but F32/F64), a file Rust accepts, or rejects in its
 *   later layout checks (the library checks dtypes as it reads the header, before the layout).
 * - `DuplicateName`: Rust keeps the last of two equal keys silently; the library refuses to lose a tensor,
 *   so a syntactically valid header with a repeated key is DuplicateName whatever Rust says.
 * - `InvalidTensorName` is the writer's (a tensor named `__metadata__`); no file reaches it.
 */
export const RUST_CLASS_OF_CODE: Readonly<Record<SafetensorsErrorCode, string>> = {
  HeaderTooSmall: 'HeaderTooSmall',
  HeaderTooLarge: 'HeaderTooLarge',
  InvalidHeaderLength: 'InvalidHeaderLength',
  InvalidHeader: 'InvalidHeader',
  InvalidHeaderStart: 'InvalidHeaderDeserialization',
  InvalidHeaderDeserialization: 'InvalidHeaderDeserialization',
  DuplicateName: 'DuplicateName',
  UnsupportedDtype: 'UnsupportedDtype',
  InvalidOffset: 'InvalidOffset',
  TensorInvalidInfo: 'TensorInvalidInfo',
  ValidationOverflow: 'ValidationOverflow',
  MetadataIncompleteBuffer: 'MetadataIncompleteBuffer',
  InvalidTensorName: 'InvalidTensorName',
};

/** A parsed file as both sides answer it: tensors in header order, metadata as sorted pairs. */
export function canonicalFile(file: SafetensorsFile): { tensors: CanonicalValue; metadata: CanonicalValue } {
  return {
    tensors: [...file.tensors].map(([name, tensor]) => [name, canonicalTensor(tensor)]),
    metadata: file.metadata === null ? null : Object.entries(file.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** A SafetensorsError as the answer `SafetensorError: <class>`; any other exception is a bug, typed so it never matches. */
export function safetensorsErrorResult(error: unknown): ApiResult {
  if (error instanceof SafetensorsError) return { error: { type: 'SafetensorError', message: RUST_CLASS_OF_CODE[error.code] }, warnings: [] };
  const e = error instanceof Error ? error : new Error(String(error));
  return { error: { type: `JS:${e.name}`, message: `${e.message}\n${e.stack ?? ''}` }, warnings: [] };
}

/** Hex of bytes, as the wire carries a file. */
export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
