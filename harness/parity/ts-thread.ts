// The worker-thread side of the TS pool: runs the TS side of parity cases with the module the main thread named.
import { parentPort, workerData } from 'node:worker_threads';
import { caseOfData, outcomeData, type CaseData } from './case-transfer.js';
import { runTs } from './parity-case.js';
import { type ThreadFactory, loadFactory } from './thread-factory.js';
import type { ThreadReply, ThreadJob } from './ts-threads.js';

const port = parentPort;
if (port === null) throw new Error('BUG: harness/parity/ts-thread.ts runs only as a worker thread');
const factory = await loadFactory(workerData as ThreadFactory);
port.on('message', (job: ThreadJob) => {
  const outcomes = job.cases.map((c: CaseData) => outcomeData(runTs(caseOfData(c), factory)));
  port.postMessage({ kind: 'outcomes', id: job.id, outcomes } satisfies ThreadReply);
});
port.postMessage({ kind: 'ready' } satisfies ThreadReply);
