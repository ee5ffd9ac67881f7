// Worker faults: exceptions that say the worker could not compute, which are never torch's answer.
import type { PythonError } from './protocol.js';

/**
 * Exception types that come from the Python process or the machine, not from torch's semantics:
 * running out of memory or stack, being interrupted, or an OS-level failure.
 */
const FAULT_TYPES = new Set(['MemoryError', 'RecursionError', 'KeyboardInterrupt', 'SystemExit', 'SystemError', 'OSError', 'BrokenPipeError']);

/**
 * torch's allocators report exhaustion as a RuntimeError (`[enforce fail at alloc_cpu.cpp:…]
 * DefaultCPUAllocator: can't allocate memory: you tried to allocate N bytes`, and `not enough memory`
 * on other builds); std::bad_alloc surfaces through pybind11 as `std::bad_alloc`. What memory a
 * machine has is not torch's behaviour, so these are faults, never expected outcomes.
 */
const FAULT_MESSAGES =
  /DefaultCPUAllocator|can't allocate memory|not enough memory|out of memory|std::bad_alloc|Cannot allocate memory|Resource temporarily unavailable/;

/** Why `error` is a worker fault rather than torch's answer, or null when it is torch's answer. */
export function workerFaultOf(error: PythonError): string | null {
  if (FAULT_TYPES.has(error.type)) return `${error.type} in the worker`;
  if (FAULT_MESSAGES.test(error.message)) return `resource exhaustion in the worker (${error.type})`;
  return null;
}
