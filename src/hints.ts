// "Did you mean" lines for the two mistakes a JavaScript caller coming from PyTorch makes first:
// torch's snake_case option names, and a plain array where torch wants a tensor. The error keeps
// torch's type, and its first line stays torch's text byte for byte (the parity harness compares
// exactly that; it never passes snake_case options or arrays, see harness/parity/parity-case.ts);
// the hint follows on a line of its own.
import type { TorchError } from './errors.js';

/**
 * `error` with `hint` appended to its message on a new line; `error` unchanged when there is no hint.
 * The stack, captured at construction, keeps the original first line.
 */
export function withHint(error: TorchError, hint: string | null): TorchError {
  if (hint !== null) error.message = `${error.message}\n${hint}`;
  return error;
}

/**
 * For an unknown option spelled in torch's snake_case whose camelCase form is an option
 * (`input_size` → `inputSize`): the line that says so. Null for any other unknown key.
 */
export function snakeCaseOptionHint(key: string, knownOptions: ReadonlySet<string>): string | null {
  if (!key.includes('_')) return null;
  const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  if (!knownOptions.has(camel)) return null;
  return `Did you mean '${camel}'? Options are camelCase here; fromTorchKwargs({ ${key}: … }) converts torch's spelling.`;
}

/** For a plain array or typed array passed where torch wants a tensor: how to make one. Null otherwise. */
export function tensorInputHint(value: unknown): string | null {
  if (Array.isArray(value)) {
    return 'Did you mean Tensor.fromNested(array)? forward takes a Tensor or a PackedSequence, as torch does, not a nested array.';
  }
  if (ArrayBuffer.isView(value)) {
    return 'Did you mean Tensor.fromFlat(values, shape) or new Tensor(values, shape)? forward takes a Tensor or a PackedSequence, not a typed array.';
  }
  return null;
}
