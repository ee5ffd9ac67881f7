// WorkerSupervisor: keeps one torch worker alive, pipelines requests to it, and replaces it when it crashes, hangs or garbles stdout.
import type { CaseStatus, Handshake, PythonError, Request, RequestBody } from './protocol.js';
import { WorkerProcess, WorkerStartError, type WorkerExit } from './process.js';

/** Why a request got no answer; `error.type` is `WorkerCrash`, `Timeout` or `ProtocolError`. */
export interface Failure {
  readonly kind: 'failure';
  readonly status: Exclude<CaseStatus, 'ok' | 'error'>;
  readonly error: PythonError;
  readonly stderrTail: readonly string[];
}

/**
 * How a request ended: the worker's frame, a failure, or `isolate` (the worker failed on this
 * multi-case request; the caller reruns its cases one by one).
 */
export type Settlement = { readonly kind: 'frame'; readonly frame: Record<string, unknown> } | Failure | { readonly kind: 'isolate' };

/** Settings of a {@link WorkerSupervisor}, all resolved. */
export interface SupervisorOptions {
  readonly python: string;
  readonly env: NodeJS.ProcessEnv;
  readonly maxInFlight: number;
  readonly startTimeoutMs: number;
  readonly startAttempts: number;
  readonly stderrLines: number;
  readonly onStderr?: (line: string) => void;
}

interface PendingRequest {
  readonly body: RequestBody;
  readonly deadlineMs: number;
  /** A multi-case run whose failure may be retried case by case. */
  readonly isolatable: boolean;
  readonly settle: (settlement: Settlement) => void;
  id?: number;
  timer?: NodeJS.Timeout;
}

const FAILURE_TYPE: Readonly<Record<Failure['status'], string>> = {
  'worker-crash': 'WorkerCrash',
  timeout: 'Timeout',
  'protocol-error': 'ProtocolError',
  'worker-fault': 'WorkerFault',
};

/** A {@link Failure} with the error type that matches its status. */
export function failure(status: Failure['status'], message: string, stderrTail: readonly string[] = []): Failure {
  return { kind: 'failure', status, error: { type: FAILURE_TYPE[status], message }, stderrTail };
}

/**
 * Owns the worker process. Requests wait in a queue; at most `maxInFlight` are written and
 * unanswered. The worker answers in order, so the oldest unanswered request is the one it is
 * running: its deadline is armed, and a crash, timeout or garbage line is charged to it alone.
 */
export class WorkerSupervisor {
  private worker: WorkerProcess | undefined;
  private starting: Promise<WorkerProcess> | undefined;
  private readonly queue: PendingRequest[] = [];
  private readonly inFlight: PendingRequest[] = [];
  private nextId = 1;
  private stopped = false;
  private lastStderr: readonly string[] = [];
  private restartCount = 0;
  private lastHandshake: Handshake | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  /** The handshake of the current (or last) worker. */
  get handshake(): Handshake {
    const handshake = this.worker?.handshake ?? this.lastHandshake;
    if (handshake === undefined) throw new Error('BUG: no worker has started yet');
    return handshake;
  }

  /** Process id of the current worker, if one is running. */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  /** How many times a failed worker was replaced. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The last stderr lines of the current (or last failed) worker. */
  stderrTail(count: number): string[] {
    return this.worker?.stderr.tail(count) ?? this.lastStderr.slice(-count);
  }

  /**
   * Starts the worker if none runs.
   * @throws WorkerStartError after `startAttempts` failed starts, or at once when a retry cannot help.
   */
  async start(): Promise<void> {
    await this.ensureWorker();
  }

  /** Queues a request; resolves when the worker answers it or fails on it. Never rejects. */
  submit(body: RequestBody, deadlineMs: number, isolatable: boolean): Promise<Settlement> {
    if (this.stopped) return Promise.resolve(failure('worker-crash', 'the bridge was stopped'));
    return new Promise<Settlement>((settle) => {
      this.queue.push({ body, deadlineMs, isolatable, settle });
      this.pump();
    });
  }

  /** SIGKILLs the current worker from outside, as the OOM killer would (a test hook). */
  kill(): void {
    this.worker?.kill();
  }

  /** Fails everything pending ('the bridge was stopped'), then stops the worker. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const stopped = failure('worker-crash', 'the bridge was stopped');
    for (const request of [...this.inFlight.splice(0), ...this.queue.splice(0)]) {
      clearTimeout(request.timer);
      request.settle(stopped);
    }
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    this.worker = undefined;
    await worker?.stop(2_000);
  }

  private pump(): void {
    if (this.stopped || this.queue.length === 0 || this.inFlight.length >= this.options.maxInFlight) {
      this.worker?.setBusy(this.inFlight.length > 0);
      return;
    }
    if (this.worker === undefined) {
      void this.ensureWorker().then(
        () => this.pump(),
        (error: unknown) => this.failQueue(error),
      );
      return;
    }
    const worker = this.worker;
    worker.setBusy(true);
    while (this.queue.length > 0 && this.inFlight.length < this.options.maxInFlight) {
      const request = this.queue.shift()!;
      // Fresh ids on every send: a resent request can never be answered by a stale frame.
      request.id = this.nextId++;
      this.inFlight.push(request);
      worker.send({ ...request.body, id: request.id } as Request);
      if (this.inFlight.length === 1) this.armDeadline(request);
    }
  }

  private armDeadline(request: PendingRequest): void {
    // The worker answers in order, so the head request is the one it is working on now.
    request.timer = setTimeout(() => {
      this.failWorker('timeout', `no answer within the ${request.deadlineMs} ms deadline`);
    }, request.deadlineMs);
  }

  private ensureWorker(): Promise<WorkerProcess> {
    if (this.worker !== undefined) return Promise.resolve(this.worker);
    if (this.starting === undefined) {
      this.starting = this.startWithRetries().then(
        (worker) => {
          this.starting = undefined;
          if (this.stopped) {
            void worker.stop(1_000);
            throw new Error('the bridge was stopped');
          }
          this.worker = worker;
          this.lastHandshake = worker.handshake;
          // Idle until a request is sent, so a started but unused bridge never holds Node open.
          worker.setBusy(false);
          return worker;
        },
        (error: unknown) => {
          this.starting = undefined;
          throw error;
        },
      );
    }
    return this.starting;
  }

  private async startWithRetries(): Promise<WorkerProcess> {
    let lastError: WorkerStartError | undefined;
    for (let attempt = 1; attempt <= this.options.startAttempts; attempt++) {
      try {
        return await WorkerProcess.spawn(
          {
            python: this.options.python,
            env: this.options.env,
            startTimeoutMs: this.options.startTimeoutMs,
            stderrLines: this.options.stderrLines,
            onStderr: this.options.onStderr,
          },
          {
            frame: (frame) => this.onFrame(frame),
            garbage: (line) => this.failWorker('protocol-error', `garbage on the worker's stdout: ${JSON.stringify(line.slice(0, 200))}`),
            exit: (exit) => this.onExit(exit),
          },
        );
      } catch (error) {
        if (!(error instanceof WorkerStartError) || !error.retryable) throw error;
        lastError = error;
        this.lastStderr = error.stderrTail;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    const tail = lastError!.stderrTail.length > 0 ? `\nworker stderr (last lines):\n${lastError!.stderrTail.join('\n')}` : '';
    throw new WorkerStartError(
      `torch worker failed to start after ${this.options.startAttempts} attempts: ${lastError!.message}${tail}`,
      false,
      lastError!.stderrTail,
    );
  }

  private failQueue(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const startFailure = failure('worker-crash', message, this.lastStderr);
    for (const request of this.queue.splice(0)) request.settle(startFailure);
  }

  private onFrame(frame: Record<string, unknown>): void {
    const head = this.inFlight[0];
    if (head === undefined || (frame['id'] !== head.id && frame['id'] !== null)) {
      this.failWorker('protocol-error', `unexpected frame for request ${JSON.stringify(frame['id'])}`);
      return;
    }
    clearTimeout(head.timer);
    this.inFlight.shift();
    const next = this.inFlight[0];
    if (next !== undefined) this.armDeadline(next);
    head.settle({ kind: 'frame', frame });
    this.pump();
  }

  private onExit(exit: WorkerExit): void {
    this.failWorker('worker-crash', `the worker ${WorkerProcess.describeExit(exit)}`);
  }

  /**
   * Replaces a worker that crashed, hung or corrupted its stdout. The head request (the one the
   * worker was running) fails or is split for isolation; requests behind it never started and are
   * resent to the new worker.
   */
  private failWorker(status: Failure['status'], reason: string): void {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    worker.detach();
    worker.kill();
    this.restartCount++;
    this.lastStderr = worker.stderr.tail();
    const stderrTail = worker.stderr.tail(20);
    const [head, ...rest] = this.inFlight.splice(0);
    for (const request of rest) delete request.id;
    this.queue.unshift(...rest);
    if (head !== undefined) {
      clearTimeout(head.timer);
      head.settle(head.isolatable ? { kind: 'isolate' } : failure(status, `${reason} (worker pid ${worker.pid})`, stderrTail));
    }
    this.pump();
  }
}
