// TorchBridge: runs parity cases through one long-lived torch worker, batched and pipelined, surviving crashes, hangs and garbage.
import type {
  BenchInprocessResponse,
  CaseResult,
  CaseStatus,
  EchoResponse,
  Handshake,
  PythonError,
  Request,
  RequestBody,
  RunResponse,
  WireCase,
  WireTensor,
} from './protocol.js';
import { resolvePython } from './python-env.js';
import { WorkerProcess, WorkerStartError, type WorkerExit } from './worker-process.js';

export { WorkerStartError } from './worker-process.js';

/** Options of {@link TorchBridge.start}; every field has a default. */
export interface BridgeOptions {
  /** Interpreter; default from `resolvePython()` (RNN_PARITY_PYTHON, then python/.venv). */
  readonly python?: string;
  /** Extra environment for the worker (merged over process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Most cases per `run` request. Default 32. */
  readonly batchSize?: number;
  /** Most base64 characters of tensors per request, so frames stay moderate. Default 8 MB. */
  readonly batchChars?: number;
  /** Requests written to the worker but not yet answered. Default 3, so the worker never waits for Node. */
  readonly maxInFlight?: number;
  /** Default deadline of one request, counted from when the worker starts on it. Default 60 s. */
  readonly deadlineMs?: number;
  /** Handshake deadline per start attempt. Default 60 s (importing torch takes 1–3 s). */
  readonly startTimeoutMs?: number;
  /** Start attempts before giving up on a worker that dies at start-up. Default 3. */
  readonly startAttempts?: number;
  /**
   * After a crash, hang or garbage, rerun the cases of the failed request one per request, so only
   * the case that causes the failure gets the failure status. Default true.
   */
  readonly isolateFailures?: boolean;
  /** Worker stderr lines kept for failure reports. Default 200. */
  readonly stderrLines?: number;
  /** Sees every worker stderr line (e.g. to log it). */
  readonly onStderr?: (line: string) => void;
}

/** Options of {@link TorchBridge.run} and {@link TorchBridge.stream}. */
export interface RunOptions {
  /** Deadline of each request (a batch), counted from when the worker starts on it. */
  readonly deadlineMs?: number;
}

/** A request the bridge could not get answered (ping, echo, bench); `status` says why. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';

  constructor(
    message: string,
    readonly status: Exclude<CaseStatus, 'ok' | 'error'>,
    readonly stderrTail: readonly string[] = [],
  ) {
    super(message);
  }
}

type Failure = { readonly kind: 'failure'; readonly status: Exclude<CaseStatus, 'ok' | 'error'>; readonly error: PythonError; readonly stderrTail: readonly string[] };
/** `isolate`: the worker failed on this multi-case request; rerun its cases one by one. */
type Settlement = { readonly kind: 'frame'; readonly frame: Record<string, unknown> } | Failure | { readonly kind: 'isolate' };

interface PendingRequest {
  readonly body: RequestBody;
  readonly deadlineMs: number;
  /** A multi-case run whose failure may be retried case by case. */
  readonly isolatable: boolean;
  readonly settle: (settlement: Settlement) => void;
  id?: number;
  sentAt?: number;
  timer?: NodeJS.Timeout;
}

const FAILURE_TYPE: Readonly<Record<Failure['status'], string>> = {
  'worker-crash': 'WorkerCrash',
  timeout: 'Timeout',
  'protocol-error': 'ProtocolError',
};

function tensorChars(tensor: WireTensor | undefined): number {
  return tensor === undefined ? 0 : tensor.data.length;
}

function caseChars(wireCase: WireCase): number {
  let chars = tensorChars(wireCase.input) + tensorChars(wireCase.hx);
  chars += tensorChars(wireCase.grad?.output) + tensorChars(wireCase.grad?.h_n);
  if (wireCase.init !== undefined && 'state_dict' in wireCase.init) {
    for (const tensor of Object.values(wireCase.init.state_dict)) chars += tensorChars(tensor);
  }
  return chars;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The TypeScript client of python/worker.py. One worker serves every request; requests are
 * pipelined up to `maxInFlight` so torch works while Node compares. A worker that crashes, hangs
 * past a deadline or corrupts stdout is killed (SIGKILL) and restarted; the cases it held come back
 * as `worker-crash` / `timeout` / `protocol-error` results, never dropped (see `isolateFailures`).
 */
export class TorchBridge {
  private worker: WorkerProcess | undefined;
  private starting: Promise<WorkerProcess> | undefined;
  private readonly queue: PendingRequest[] = [];
  private readonly inFlight: PendingRequest[] = [];
  private nextId = 1;
  private stopped = false;
  private lastStderr: readonly string[] = [];
  private restartCount = 0;
  private lastHandshake!: Handshake;

  private constructor(
    private readonly options: Required<Omit<BridgeOptions, 'onStderr' | 'python' | 'env'>> &
      Pick<BridgeOptions, 'onStderr'> & { readonly python: string; readonly env: NodeJS.ProcessEnv },
  ) {}

  /**
   * Starts a worker and waits for its handshake.
   * @throws PythonNotFoundError when no interpreter is configured; WorkerStartError when torch is
   *   missing, or the worker keeps dying at start-up after `startAttempts` tries.
   */
  static async start(options: BridgeOptions = {}): Promise<TorchBridge> {
    const resolved = {
      batchSize: options.batchSize ?? 32,
      batchChars: options.batchChars ?? 8_000_000,
      maxInFlight: options.maxInFlight ?? 3,
      deadlineMs: options.deadlineMs ?? 60_000,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      startAttempts: options.startAttempts ?? 3,
      isolateFailures: options.isolateFailures ?? true,
      stderrLines: options.stderrLines ?? 200,
      onStderr: options.onStderr,
      python: options.python ?? resolvePython().path,
      env: { ...process.env, ...options.env },
    };
    const bridge = new TorchBridge(resolved);
    await bridge.ensureWorker();
    return bridge;
  }

  /** The handshake of the current worker: torch version, BLAS, threads, fingerprints. */
  get handshake(): Handshake {
    return this.worker?.handshake ?? this.lastHandshake;
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
  stderrTail(count = 50): string[] {
    return this.worker?.stderr.tail(count) ?? this.lastStderr.slice(-count);
  }

  /** Runs every case; results come back in input order, one per case, whatever happens to the worker. */
  async run(cases: readonly WireCase[], options: RunOptions = {}): Promise<CaseResult[]> {
    const batches = this.batches(cases);
    const results = await Promise.all(batches.map((batch) => this.runBatch(batch, options.deadlineMs)));
    return results.flat();
  }

  /**
   * Streams results in input order while later batches are already in the worker: cases are pulled
   * from `source` only as results are consumed (back-pressure), so TS work on the results overlaps
   * torch work on the next batches.
   */
  async *stream(source: Iterable<WireCase> | AsyncIterable<WireCase>, options: RunOptions = {}): AsyncGenerator<CaseResult> {
    const ahead: Promise<CaseResult[]>[] = [];
    let batch: WireCase[] = [];
    let chars = 0;
    const lookahead = this.options.maxInFlight + 1;
    for await (const wireCase of source) {
      const size = caseChars(wireCase);
      if (batch.length > 0 && (batch.length >= this.options.batchSize || chars + size > this.options.batchChars)) {
        ahead.push(this.runBatch(batch, options.deadlineMs));
        batch = [];
        chars = 0;
      }
      batch.push(wireCase);
      chars += size;
      while (ahead.length >= lookahead) {
        yield* await ahead.shift()!;
        // Let stdout data in before the consumer's next synchronous stretch of TS work.
        await yieldToEventLoop();
      }
    }
    if (batch.length > 0) ahead.push(this.runBatch(batch, options.deadlineMs));
    while (ahead.length > 0) {
      yield* await ahead.shift()!;
      await yieldToEventLoop();
    }
  }

  /**
   * Round trip of an empty request, in milliseconds.
   * @throws BridgeError when the worker fails meanwhile.
   */
  async ping(options: RunOptions = {}): Promise<number> {
    const start = performance.now();
    await this.call({ op: 'ping' }, options.deadlineMs);
    return performance.now() - start;
  }

  /**
   * The tensors after a trip through torch (`clone()` in the worker): proves the codec is exact.
   * @throws BridgeError when the worker fails meanwhile.
   */
  async echo(tensors: readonly WireTensor[], options: RunOptions = {}): Promise<WireTensor[]> {
    const frame = (await this.call({ op: 'echo', tensors }, options.deadlineMs)) as unknown as EchoResponse;
    return [...frame.tensors];
  }

  /**
   * The worker runs `cases` `repeat` times in a plain Python loop: the cases/s limit of the bridge.
   * @throws BridgeError when the worker fails meanwhile.
   */
  async benchInProcess(cases: readonly WireCase[], repeat: number, options: RunOptions = {}): Promise<BenchInprocessResponse> {
    return (await this.call({ op: 'bench_inprocess', cases, repeat }, options.deadlineMs)) as unknown as BenchInprocessResponse;
  }

  /** Stops the worker; cases still queued or in flight come back as `worker-crash` ('bridge stopped'). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const failure = this.failure('worker-crash', 'the bridge was stopped', []);
    for (const request of [...this.inFlight.splice(0), ...this.queue.splice(0)]) {
      clearTimeout(request.timer);
      request.settle(failure);
    }
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    this.worker = undefined;
    await worker?.stop(2_000);
  }

  /** Test hook: SIGKILL the current worker from outside, as the OOM killer would. */
  killWorker(): void {
    this.worker?.kill();
  }

  private batches(cases: readonly WireCase[]): WireCase[][] {
    const batches: WireCase[][] = [];
    let batch: WireCase[] = [];
    let chars = 0;
    for (const wireCase of cases) {
      const size = caseChars(wireCase);
      if (batch.length > 0 && (batch.length >= this.options.batchSize || chars + size > this.options.batchChars)) {
        batches.push(batch);
        batch = [];
        chars = 0;
      }
      batch.push(wireCase);
      chars += size;
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  }

  private async call(body: RequestBody, deadlineMs: number | undefined): Promise<Record<string, unknown>> {
    const settlement = await this.submit(body, deadlineMs ?? this.options.deadlineMs, false);
    if (settlement.kind === 'isolate') throw new Error('BUG: a non-isolatable request was isolated');
    if (settlement.kind === 'failure') {
      throw new BridgeError(`${settlement.error.type}: ${settlement.error.message}`, settlement.status, settlement.stderrTail);
    }
    const error = settlement.frame['error'] as PythonError | undefined;
    if (error !== undefined) throw new BridgeError(`${error.type}: ${error.message}`, 'protocol-error');
    return settlement.frame;
  }

  private async runBatch(cases: readonly WireCase[], deadlineMs: number | undefined, isolatable = cases.length > 1): Promise<CaseResult[]> {
    const deadline = deadlineMs ?? this.options.deadlineMs;
    const started = performance.now();
    const settlement = await this.submit({ op: 'run', cases }, deadline, isolatable && this.options.isolateFailures);
    if (settlement.kind === 'isolate') {
      // The worker failed on this batch: rerun each case alone so only the culprit carries the failure.
      return (await Promise.all(cases.map((wireCase) => this.runBatch([wireCase], deadline, false)))).flat();
    }
    if (settlement.kind === 'failure') {
      return cases.map((wireCase) => this.failedResult(wireCase, settlement, performance.now() - started));
    }
    const frame = settlement.frame as unknown as Partial<RunResponse> & { error?: PythonError };
    const results = frame.results;
    if (frame.error !== undefined || !Array.isArray(results) || results.length !== cases.length) {
      const reason = frame.error ? `${frame.error.type}: ${frame.error.message}` : `the worker answered ${cases.length} cases with ${Array.isArray(results) ? results.length : 'no'} results`;
      const failure = this.failure('protocol-error', reason, []);
      return cases.map((wireCase) => this.failedResult(wireCase, failure, performance.now() - started));
    }
    return results.map((result, index) => {
      const expectedId = cases[index]!.id;
      if (result.id === expectedId) return result;
      // A result must answer its own case; a malformed case (no id) is reported under the id we sent.
      if (result.status === 'protocol-error' && (result.id === null || result.id === undefined)) return { ...result, id: expectedId };
      return this.failedResult(cases[index]!, this.failure('protocol-error', `result ${index} answers case ${JSON.stringify(result.id)}`, []), 0);
    });
  }

  private failedResult(wireCase: WireCase, failure: Failure, elapsedMs: number): CaseResult {
    return {
      id: wireCase.id,
      status: failure.status,
      error: failure.error,
      warnings: [],
      elapsed_ms: elapsedMs,
      stderr_tail: failure.stderrTail,
    };
  }

  private failure(status: Failure['status'], message: string, stderrTail: readonly string[]): Failure {
    return { kind: 'failure', status, error: { type: FAILURE_TYPE[status], message }, stderrTail };
  }

  private submit(body: RequestBody, deadlineMs: number, isolatable: boolean): Promise<Settlement> {
    if (this.stopped) {
      return Promise.resolve(this.failure('worker-crash', 'the bridge was stopped', []));
    }
    return new Promise<Settlement>((settle) => {
      this.queue.push({ body, deadlineMs, isolatable, settle });
      this.pump();
    });
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
      request.sentAt = performance.now();
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
    const failure = this.failure('worker-crash', message, this.lastStderr);
    for (const request of this.queue.splice(0)) request.settle(failure);
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
    for (const request of rest) {
      delete request.id;
      delete request.sentAt;
    }
    this.queue.unshift(...rest);
    if (head !== undefined) {
      clearTimeout(head.timer);
      const failure = this.failure(status, `${reason} (worker pid ${worker.pid})`, stderrTail);
      head.settle(head.isolatable ? { kind: 'isolate' } : failure);
    }
    this.pump();
  }
}
