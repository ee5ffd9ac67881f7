// TS threads: the TS side of parity cases in worker_threads (the library is isomorphic, so it runs there unchanged).
import { Worker } from 'node:worker_threads';
import { type CaseData, type OutcomeData, caseData, outcomeOfData } from './case-transfer.js';
import type { Outcome } from './outcome.js';
import type { ParityCase } from './parity-case.js';
import type { ThreadFactory } from './thread-factory.js';
import { WorkQueue } from './work-queue.js';

/** A chunk of cases for a thread. */
export interface ThreadJob {
  readonly id: number;
  readonly cases: readonly CaseData[];
}

/** What a thread says: it has loaded the library and the factory, or a job's outcomes (in the job's order). */
export type ThreadReply = { readonly kind: 'ready' } | { readonly kind: 'outcomes'; readonly id: number; readonly outcomes: readonly OutcomeData[] };

const ENTRY = new URL('./ts-thread.ts', import.meta.url).href;

/**
 * Note [threads load TypeScript]: the harness runs as TypeScript (tsx, or vitest's transform), and a
 * worker thread starts with a fresh module loader that knows neither: Node 20 does not apply the
 * parent's `--import tsx` hooks to a thread, nor `execArgv: ['--import', 'tsx']` (tried: "Unknown
 * file extension .ts"). So each thread starts from a few lines of JavaScript that register tsx's
 * loader through its API (`tsx/esm/api`) and then import the .ts entry; this works the same under
 * `pnpm parity` (tsx), vitest and plain node.
 */
function bootstrap(): string {
  // The ESM build of the API: its CommonJS build registers a loader path that only exists beside the ESM one.
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(ENTRY)}));`;
}

/** What a thread that died answers for each case it held: a JS error, so it can never pass as torch's answer. */
function threadDied(reason: string): Outcome {
  return { tensors: {}, error: { type: 'JS:WorkerThreadExit', message: `the TS worker thread running this case died: ${reason}` }, warnings: [] };
}

/** One worker thread, started again on the next job after it dies. */
class TsThread {
  private worker: Worker | null = null;
  private ready: Promise<Worker> | null = null;
  private readonly pending = new Map<number, { readonly size: number; readonly settle: (outcomes: Outcome[]) => void }>();
  private nextId = 0;
  private stopping = false;
  /** How many times a thread died and was replaced. */
  restarts = 0;

  constructor(private readonly factory: ThreadFactory) {}

  /** Starts the thread if it is not running; resolves once the library and the factory are loaded. */
  start(): Promise<Worker> {
    if (this.ready !== null) return this.ready;
    const worker = new Worker(bootstrap(), { eval: true, workerData: this.factory });
    this.worker = worker;
    this.ready = new Promise<Worker>((resolve, reject) => {
      let loaded = false;
      worker.on('message', (reply: ThreadReply) => {
        if (reply.kind === 'ready') {
          loaded = true;
          resolve(worker);
          return;
        }
        const job = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        job?.settle(reply.outcomes.map(outcomeOfData));
      });
      const died = (reason: string): void => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.ready = null;
        if (!loaded) {
          reject(new Error(`the TS worker thread could not start: ${reason}`));
          return;
        }
        if (!this.stopping) this.restarts++;
        for (const [id, job] of this.pending) {
          this.pending.delete(id);
          job.settle(Array.from({ length: job.size }, () => threadDied(reason)));
        }
      };
      worker.on('error', (error) => died(`${error.name}: ${error.message}`));
      worker.on('exit', (code) => died(`exit code ${code}`));
    });
    return this.ready;
  }

  /** The TS outcome of each case, in order. */
  async run(cases: readonly ParityCase[]): Promise<Outcome[]> {
    const worker = await this.start();
    const id = this.nextId++;
    return new Promise<Outcome[]>((settle) => {
      this.pending.set(id, { size: cases.length, settle });
      worker.postMessage({ id, cases: cases.map(caseData) } satisfies ThreadJob);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker?.terminate();
  }
}

/** Chunks a thread holds at once: one running and one waiting in its message queue, so it never idles between chunks. */
const THREAD_CAPACITY = 2;

/**
 * The TS side of cases in `count` worker threads. A batch is cut into chunks that the threads take
 * as they free up (harness/parity/work-queue.ts); outcomes come back in case order. A thread that
 * dies (out of memory, say) answers its cases with a `JS:WorkerThreadExit` error, never with
 * nothing, and is started again for the next chunk.
 */
export class TsThreads {
  private constructor(
    private readonly threads: readonly TsThread[],
    private readonly queue: WorkQueue<TsThread>,
  ) {}

  /**
   * Starts `count` threads that build the module under test as `factory` names it.
   * @throws Error when a thread cannot load the library or the factory.
   */
  static async start(count: number, factory: ThreadFactory): Promise<TsThreads> {
    const threads = Array.from({ length: count }, () => new TsThread(factory));
    try {
      await Promise.all(threads.map((t) => t.start()));
    } catch (error) {
      await Promise.all(threads.map((t) => t.stop()));
      throw error;
    }
    return new TsThreads(threads, new WorkQueue(threads, THREAD_CAPACITY));
  }

  /** How many threads there are. */
  get size(): number {
    return this.threads.length;
  }

  /** Thread deaths so far, over all threads. */
  get restarts(): number {
    return this.threads.reduce((sum, t) => sum + t.restarts, 0);
  }

  /** Each case's TS outcome, in order, from chunks of at most `chunkSize` cases spread over the threads. */
  async run(cases: readonly ParityCase[], chunkSize: number): Promise<Outcome[]> {
    const chunks: ParityCase[][] = [];
    for (let i = 0; i < cases.length; i += chunkSize) chunks.push(cases.slice(i, i + chunkSize));
    const results = await Promise.all(chunks.map((chunk) => this.queue.submit((thread) => thread.run(chunk))));
    return results.flat();
  }

  /** Ends every thread. */
  async stop(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}
