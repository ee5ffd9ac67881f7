// Drawn (name, tensor) lists for the file-format targets: unique names whose sort orders differ, every shape kind.
import fc from 'fast-check';
import { type TensorArg, tensorArg, valuePool } from '../tensor-args.js';

/** A tensor as a file holds it: its name, its safetensors dtype tag, and (for F32/F64) its values. */
export type FileEntry = { readonly name: string; readonly dtype: string; readonly tensor: TensorArg };

/**
 * Names that sort differently by UTF-16 code unit, by UTF-8 byte and by first-insertion. Integer-like
 * names ('0', '10') only with `integerLike`: a JS object moves them to the front, so they test that a
 * reader keeps the header's order (readSafetensors promises it), where a format built on objects
 * (state-dict JSON) promises no order for them.
 */
export function tensorName(integerLike = false): fc.Arbitrary<string> {
  const part = fc.constantFrom('a', 'b', 'B', 'w', '_', '.', 'l0', 'é', 'ß', '"', '\\', ' ', '\n', '中', 'weight_ih_l0');
  const parts = integerLike ? fc.oneof({ weight: 4, arbitrary: part }, { weight: 1, arbitrary: fc.constantFrom('0', '1', '2', '10', '01') }) : part;
  return fc
    .array(parts, { minLength: 1, maxLength: 3 })
    .map((p) => p.join(''))
    .filter((name) => (integerLike || !/^(0|[1-9]\d*)$/.test(name)) && name !== '__metadata__');
}

/** A shape: scalar, vector, matrix or 3-d, with zero-size dimensions drawn often. */
export function fileShape(): fc.Arbitrary<number[]> {
  return fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) }), { maxLength: 3 });
}

/**
 * 0..5 uniquely named tensors (integer-like names among them) in drawn order; `tags` are the dtype tags drawn (the library's F32 and F64,
 * optionally others a Python user may save). Shrinks to fewer, smaller F32 tensors.
 */
export function fileEntries(tags: readonly string[] = ['F32', 'F64']): fc.Arbitrary<FileEntry[]> {
  return fc
    .uniqueArray(fc.record({ name: tensorName(true), dtype: fc.constantFrom(...tags), shape: fileShape(), pool: valuePool() }), {
      maxLength: 5,
      selector: (e) => e.name,
    })
    .map((list) =>
      list.map(({ name, dtype, shape, pool }) => ({
        name,
        dtype,
        tensor: tensorArg(shape, dtype === 'F64' ? 'float64' : 'float32', dtype === 'F32' || dtype === 'F64' ? pool : [0]),
      })),
    );
}

/** `__metadata__` as drawn: null, or string pairs (keys unique) in file order. */
export function fileMetadata(): fc.Arbitrary<[string, string][] | null> {
  return fc.option(
    fc.uniqueArray(fc.tuple(fc.constantFrom('format', 'pt', '', 'é', 'a"b', '__metadata__', '0'), fc.constantFrom('pt', '', 'x y', '中', '\\')), {
      maxLength: 3,
      selector: ([key]) => key,
    }),
    { freq: 2 },
  );
}
