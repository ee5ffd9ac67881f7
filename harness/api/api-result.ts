// ApiResult: what one API case produced, on either side, and the one way TS calls are turned into it.
import { TorchError, catchWarnings } from '../../src/index.js';
import type { ErrorOutcome } from '../parity/outcome.js';
import type { CanonicalValue } from './canonical-value.js';

/** A value (see Note [canonical values]) or torch's exception, plus the warnings raised meanwhile. */
export type ApiResult = ({ readonly value: CanonicalValue } | { readonly error: ErrorOutcome }) & { readonly warnings: readonly string[] };

/**
 * Runs a library call and encodes its answer. A `TorchError` is torch's answer (type and message);
 * any other exception is a bug in the library, typed `JS:<name>` so it can never match torch.
 */
export function apiResultOf(call: () => CanonicalValue): ApiResult {
  const { result, warnings } = catchWarnings((): { value: CanonicalValue } | { error: ErrorOutcome } => {
    try {
      return { value: call() };
    } catch (error) {
      if (error instanceof TorchError) return { error: { type: error.name, message: error.message } };
      const e = error instanceof Error ? error : new Error(String(error));
      return { error: { type: `JS:${e.name}`, message: `${e.message}\n${e.stack ?? ''}` } };
    }
  });
  return { ...result, warnings: warnings.map((w) => w.message) };
}
