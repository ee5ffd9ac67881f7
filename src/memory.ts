// The memory cap: a configuration or input that would need more than this many bytes is refused before anything is allocated.
import { TorchError } from './errors.js';

/** The default cap: 2 GiB. */
export const DEFAULT_MEMORY_LIMIT = 2 ** 31;

let memoryLimit = DEFAULT_MEMORY_LIMIT;

/**
 * Sets the largest number of bytes one module's parameters, one forward pass's working memory or
 * one tensor may need (default 2 GiB; `Infinity` lifts the cap, leaving only the JS engine's limits,
 * which are then reported as the same RuntimeError). Module-level, like `manualSeed`.
 * A documented divergence: torch has no such cap (`nn.RNN(2, 3, num_layers=10**9)` allocates until
 * the process runs out of memory, `nn.RNN(2, 2**40)` raises DefaultCPUAllocator's error).
 * @throws TypeError unless `bytes` is a positive number.
 */
export function setMemoryLimit(bytes: number): void {
  if (typeof bytes !== 'number' || !(bytes > 0)) {
    throw new TypeError(`setMemoryLimit: the limit must be a positive number of bytes, got ${String(bytes)}`);
  }
  memoryLimit = bytes;
}

/** The current cap in bytes (see {@link setMemoryLimit}). */
export function getMemoryLimit(): number {
  return memoryLimit;
}

/**
 * Refuses, before allocating, anything that needs more than the cap.
 * @param bytes the bytes needed (may be Infinity or NaN for sizes past float precision)
 * @param what what needs them, e.g. `the parameters of RNN(2, 1000000000)`
 * @throws RuntimeError naming the byte count and the cap.
 */
export function checkMemory(bytes: number, what: string): void {
  if (!(bytes <= memoryLimit)) throw memoryError(bytes, what);
}

/**
 * The error for a need over the cap (or an allocation the JS engine refuses): a RuntimeError, as
 * torch's own allocation failure is, but in our words, since torch has no cap to name.
 */
export function memoryError(bytes: number, what: string): TorchError {
  const count = Number.isFinite(bytes) ? String(bytes) : 'more than 2**53';
  return new TorchError(
    'RuntimeError',
    `rnn-parity memory limit: ${what} needs ${count} bytes, over the limit of ${memoryLimit} bytes; ` +
      'raise it with setMemoryLimit(bytes) (torch has no such limit and would try to allocate)',
  );
}
