// Case pool: runs a batch of parity cases on N torch workers and the TS side in worker threads, answers in case order.
import { TorchBridge, type BridgeOptions } from '../worker/bridge.js';
import type { ApiCaseResult, CaseResult, Handshake, UnansweredStatus, WireApiCase } from '../worker/protocol.js';
import type { Outcome } from './outcome.js';
import { type ParityCase, type RNNFactory, referenceInitRounding, runTs, toWireCase } from './parity-case.js';
import { type ThreadFactory, loadFactory } from './thread-factory.js';
import { TsThreads } from './ts-threads.js';
import { WorkQueue } from './work-queue.js';

/** Both sides of a batch: torch's result and the TS outcome of each case, in the batch's order. */
export interface BatchRun {
  readonly torch: readonly CaseResult[];
  readonly ts: readonly Outcome[];
}

/**
 * What a campaign runs its batches on: one worker and TS here ({@link singleWorker}) or a
 * {@link CasePool}. `bridge` is worker 0, for everything outside the batches (float64 shadows,
 * localisation, recording fixtures); `factory` builds on this thread the module the TS side runs,
 * for the judges that rerun it (rounding sensitivity, localisation).
 */
export interface CaseRunner {
  /** `roundingReference` says which cases also ask torch's worker for the rounding-point reference. */
  run(cases: readonly ParityCase[], roundingReference?: (c: ParityCase) => boolean): Promise<BatchRun>;
  /** torch's answers to API cases (op `api`), in case order, from whichever worker is free. */
  runApi(cases: readonly WireApiCase[]): Promise<ApiCaseResult[]>;
  readonly bridge: TorchBridge;
  readonly factory: RNNFactory;
  /** Torch workers replaced after a crash, hang or garbage, over every worker. */
  readonly restarts: number;
  /** Case results without torch's answer, by cause, over every worker. */
  readonly unanswered: Readonly<Record<UnansweredStatus, number>>;
}

/** One worker and the TS side on this thread, overlapped: torch computes while TS does (the campaign's loop before pools). */
export function singleWorker(bridge: TorchBridge, factory: RNNFactory): CaseRunner {
  return {
    bridge,
    factory,
    get restarts() {
      return bridge.restarts;
    },
    get unanswered() {
      return bridge.unanswered;
    },
    runApi: (cases) => bridge.runApi(cases),
    async run(cases, roundingReference = () => false) {
      const torch = bridge.run(cases.map((c, i) => toWireCase(c, String(i), { roundingReference: roundingReference(c) })));
      const ts = cases.map((c) => runTs(c, factory));
      return { torch: await torch, ts };
    },
  };
}

/** Options of {@link CasePool.start}. */
export interface PoolOptions {
  /** Torch workers (python processes). At least 1. */
  readonly workers: number;
  /** TS worker threads; default `workers` when there are two or more workers, else 0 (TS runs on this thread). */
  readonly tsThreads?: number;
  /** Options of every worker's bridge. */
  readonly bridge?: BridgeOptions;
  /**
   * The module under test, by name (see harness/parity/thread-factory.ts); default the library's RNN
   * with the reference torch's `uniform_` rounding.
   */
  readonly factory?: ThreadFactory;
}

/** Requests a worker holds at once: one running, one waiting, so torch never idles between chunks. */
const WORKER_CAPACITY = 2;

/**
 * Note [pool determinism]: the pool changes where a case runs, never what runs or how it is judged.
 * fast-check draws each batch on the main thread from the seed alone; the pool cuts the batch into
 * chunks, each side's chunks go to whichever worker (or thread) is free first, and every answer is
 * put back at its case's index. A case's answer depends only on the case (each seeds torch's and our
 * generators itself), so the campaign judges the same answers in the same order with any number of
 * workers: same cases, same first failure, same shrinking. A worker that crashes is restarted by its
 * own supervisor and its cases come back unanswered (harness/worker/bridge.ts), as with one worker.
 */
export class CasePool implements CaseRunner {
  private readonly torchQueue: WorkQueue<TorchBridge>;

  private constructor(
    readonly bridges: readonly TorchBridge[],
    private readonly threads: TsThreads | null,
    readonly factory: RNNFactory,
  ) {
    this.torchQueue = new WorkQueue(bridges, WORKER_CAPACITY);
  }

  /**
   * Starts the workers (in parallel) and the TS threads.
   * @throws as {@link TorchBridge.start}, or when a thread cannot load the factory; whatever started is stopped.
   */
  static async start(options: PoolOptions): Promise<CasePool> {
    if (!Number.isSafeInteger(options.workers) || options.workers < 1)
      throw new Error(`BUG: a pool needs at least one worker, got ${options.workers}`);
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => TorchBridge.start(options.bridge)));
    const bridges = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(bridges.map((b) => b.stop()));
      throw failed.reason;
    }
    try {
      const spec: ThreadFactory = options.factory ?? { kind: 'reference', initRounding: referenceInitRounding(bridges[0]!.handshake) };
      const threadCount = options.tsThreads ?? (options.workers > 1 ? options.workers : 0);
      const threads = threadCount > 0 ? await TsThreads.start(threadCount, spec) : null;
      return new CasePool(bridges, threads, await loadFactory(spec));
    } catch (error) {
      await Promise.all(bridges.map((b) => b.stop()));
      throw error;
    }
  }

  /** Worker 0. */
  get bridge(): TorchBridge {
    return this.bridges[0]!;
  }

  get handshake(): Handshake {
    return this.bridge.handshake;
  }

  get restarts(): number {
    return this.bridges.reduce((sum, b) => sum + b.restarts, 0);
  }

  /** TS threads that died and were replaced. */
  get threadRestarts(): number {
    return this.threads?.restarts ?? 0;
  }

  get unanswered(): Readonly<Record<UnansweredStatus, number>> {
    const total: Record<UnansweredStatus, number> = { 'worker-crash': 0, timeout: 0, 'protocol-error': 0, 'worker-fault': 0 };
    for (const bridge of this.bridges) for (const [status, n] of Object.entries(bridge.unanswered)) total[status as UnansweredStatus] += n;
    return total;
  }

  /** Both sides of every case; see Note [pool determinism]. */
  async run(cases: readonly ParityCase[], roundingReference: (c: ParityCase) => boolean = () => false): Promise<BatchRun> {
    // Two chunks per worker: a worker that finishes early takes the other's second chunk.
    const torchChunk = Math.max(1, Math.ceil(cases.length / (2 * this.bridges.length)));
    const torchChunks: Promise<CaseResult[]>[] = [];
    for (let start = 0; start < cases.length; start += torchChunk) {
      const chunk = cases.slice(start, start + torchChunk);
      // Ids are the case's index in the batch, so every answer is checked against its own case.
      torchChunks.push(
        this.torchQueue.submit((bridge) =>
          bridge.run(chunk.map((c, i) => toWireCase(c, String(start + i), { roundingReference: roundingReference(c) }))),
        ),
      );
    }
    let ts: Outcome[];
    if (this.threads === null) {
      ts = cases.map((c) => runTs(c, this.factory));
    } else {
      ts = await this.threads.run(cases, Math.max(1, Math.ceil(cases.length / (2 * this.threads.size))));
    }
    const torch = (await Promise.all(torchChunks)).flat();
    return { torch, ts };
  }

  /** API cases go to the first free worker, as RNN chunks do; one request, so they come back in order. */
  runApi(cases: readonly WireApiCase[]): Promise<ApiCaseResult[]> {
    return this.torchQueue.submit((bridge) => bridge.runApi(cases));
  }

  /** SIGKILLs every worker at once (a stop request: the process exits right after, taking the threads with it). */
  kill(): void {
    for (const bridge of this.bridges) bridge.killWorker();
  }

  /** Stops every worker and thread. */
  async stop(): Promise<void> {
    await Promise.all([...this.bridges.map((b) => b.stop()), this.threads?.stop()]);
  }
}
