// A factory whose module ends any worker thread that builds it: a TS thread dying mid-chunk, for case-pool.test.ts.
import { isMainThread } from 'node:worker_threads';
import { RNN } from '../../../src/index.js';
import type { RNNFactory } from '../../../harness/parity/parity-case.js';

/** The library's RNN on the main thread; in a worker thread, `process.exit(code)` (which ends only that thread). */
export function exitingFactory(code: string): RNNFactory {
  return (options) => {
    if (!isMainThread) process.exit(Number(code));
    return new RNN(options);
  };
}
