// TorchBridge: runs parity cases through one long-lived torch worker, batched and pipelined, surviving crashes, hangs and garbage.
import { BatchBuilder, batchCases } from './batching.js';
import type {
  ApiCaseResult,
  BenchInprocessResponse,
  CaseResult,
  CaseStatus,
  EchoResponse,
  Handshake,
  PythonError,
  RequestBody,
  UnansweredStatus,
  PyValue,
  WireApiCase,
  WireCase,
  WireTensor,
} from './protocol.js';
import { resolvePython } from './python-env.js';
import { type Failure, WorkerSupervisor, failure } from './supervisor.js';
import { workerFaultOf } from './worker-fault.js';

export { WorkerStartError } from './process.js';

/** Options of {@link TorchBridge.start}; every field has a default. */
export interface BridgeOptions {
  /** Interpreter; default from `resolvePython()` (RNN_PARITY_PYTHON, then python/.venv). */
  readonly python?: string;
  /** Extra environment for the worker (merged over process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Most cases per `run` request. Default 32. */
  readonly batchSize?: number;
  /** Most tensor bytes per request, so frames stay moderate. Default 8 MB. */
  readonly batchBytes?: number;
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
  private constructor(
    private readonly supervisor: WorkerSupervisor,
    private readonly options: {
      readonly batchSize: number;
      readonly batchBytes: number;
      readonly maxInFlight: number;
      readonly deadlineMs: number;
      readonly isolateFailures: boolean;
    },
  ) {}

  /**
   * Starts a worker and waits for its handshake.
   * @throws PythonNotFoundError when no interpreter is configured; WorkerStartError when torch is
   *   missing, or the worker keeps dying at start-up after `startAttempts` tries.
   */
  static async start(options: BridgeOptions = {}): Promise<TorchBridge> {
    const maxInFlight = options.maxInFlight ?? 3;
    const supervisor = new WorkerSupervisor({
      python: options.python ?? resolvePython().path,
      env: { ...process.env, ...options.env },
      maxInFlight,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      startAttempts: options.startAttempts ?? 3,
      stderrLines: options.stderrLines ?? 200,
      onStderr: options.onStderr,
    });
    await supervisor.start();
    return new TorchBridge(supervisor, {
      batchSize: options.batchSize ?? 32,
      batchBytes: options.batchBytes ?? 8_000_000,
      maxInFlight,
      deadlineMs: options.deadlineMs ?? 60_000,
      isolateFailures: options.isolateFailures ?? true,
    });
  }

  /** The handshake of the current worker: torch version, BLAS, threads, fingerprints. */
  get handshake(): Handshake {
    return this.supervisor.handshake;
  }

  /** Process id of the current worker, if one is running. */
  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  /** How many times a failed worker was replaced. */
  get restarts(): number {
    return this.supervisor.restarts;
  }

  /**
   * Case results without torch's answer since the bridge started, by status (a case rerun alone after
   * its batch failed counts once, for its own result).
   */
  get unanswered(): Readonly<Record<UnansweredStatus, number>> {
    return { ...this.tally };
  }

  private readonly tally: Record<UnansweredStatus, number> = { 'worker-crash': 0, timeout: 0, 'protocol-error': 0, 'worker-fault': 0 };

  /** The last stderr lines of the current (or last failed) worker. */
  stderrTail(count = 50): string[] {
    return this.supervisor.stderrTail(count);
  }

  /** Runs every case; results come back in input order, one per case, whatever happens to the worker. */
  async run(cases: readonly WireCase[], options: RunOptions = {}): Promise<CaseResult[]> {
    const batches = batchCases(cases, this.options.batchSize, this.options.batchBytes);
    const results = await Promise.all(batches.map((batch) => this.runBatch('run', batch, options.deadlineMs)));
    return results.flat();
  }

  /**
   * Streams results in input order while later batches are already in the worker: cases are pulled
   * from `source` only as results are consumed (back-pressure), so TS work on the results overlaps
   * torch work on the next batches.
   */
  async *stream(source: Iterable<WireCase> | AsyncIterable<WireCase>, options: RunOptions = {}): AsyncGenerator<CaseResult> {
    const ahead: Promise<CaseResult[]>[] = [];
    const builder = new BatchBuilder(this.options.batchSize, this.options.batchBytes);
    const lookahead = this.options.maxInFlight + 1;
    for await (const wireCase of source) {
      const closed = builder.add(wireCase);
      if (closed !== null) ahead.push(this.runBatch('run', closed, options.deadlineMs));
      while (ahead.length >= lookahead) yield* this.drip(await ahead.shift()!);
    }
    const last = builder.flush();
    if (last !== null) ahead.push(this.runBatch('run', last, options.deadlineMs));
    while (ahead.length > 0) yield* this.drip(await ahead.shift()!);
  }

  /**
   * A batch's results one at a time, letting stdout data in after each: the consumer's TS work per
   * case is synchronous, and a worker whose next frame does not fit the pipe waits until Node reads
   * (small-bench-shape frames are ~9 MB; yielding only per batch left the worker blocked on write
   * through 32 cases of TS work).
   */
  private async *drip(results: readonly CaseResult[]): AsyncGenerator<CaseResult> {
    for (const result of results) {
      yield result;
      await yieldToEventLoop();
    }
  }

  /**
   * Runs API cases (the worker's `api` op, python/api_targets.py) in batches of `batchSize`, with the
   * same per-case fault handling as {@link run}: results in input order, one per case.
   */
  async runApi(cases: readonly WireApiCase[], options: RunOptions = {}): Promise<ApiCaseResult[]> {
    const batches: WireApiCase[][] = [];
    for (let i = 0; i < cases.length; i += this.options.batchSize) batches.push(cases.slice(i, i + this.options.batchSize));
    const results = await Promise.all(batches.map((batch) => this.runBatch<WireApiCase, ApiCaseResult>('api', batch, options.deadlineMs)));
    return results.flat();
  }

  /**
   * The target names python/api_targets.py dispatches on.
   * @throws BridgeError when the worker fails meanwhile.
   */
  async apiTargets(options: RunOptions = {}): Promise<string[]> {
    const frame = await this.call({ op: 'api_targets' }, options.deadlineMs);
    return [...(frame['targets'] as string[])];
  }

  /**
   * Python's canonical values (python/canonical_value.py) of tagged values and wire tensors: the
   * twin of harness/api/canonical-value.ts, for the test that the two encoders agree.
   * @throws BridgeError when the worker fails meanwhile.
   */
  async canonicalEcho(values: PyValue, tensors: readonly WireTensor[], options: RunOptions = {}): Promise<{ values: unknown; tensors: unknown[] }> {
    const frame = await this.call({ op: 'canonical_echo', values, tensors }, options.deadlineMs);
    return { values: frame['values'], tensors: frame['tensors'] as unknown[] };
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
    await this.supervisor.stop();
  }

  /** Test hook: SIGKILL the current worker from outside, as the OOM killer would. */
  killWorker(): void {
    this.supervisor.kill();
  }

  private async call(body: RequestBody, deadlineMs: number | undefined): Promise<Record<string, unknown>> {
    const settlement = await this.supervisor.submit(body, deadlineMs ?? this.options.deadlineMs, false);
    if (settlement.kind === 'isolate') throw new Error('BUG: a non-isolatable request was isolated');
    if (settlement.kind === 'failure') {
      throw new BridgeError(`${settlement.error.type}: ${settlement.error.message}`, settlement.status, settlement.stderrTail);
    }
    const error = settlement.frame['error'] as PythonError | undefined;
    if (error !== undefined) throw new BridgeError(`${error.type}: ${error.message}`, 'protocol-error');
    return settlement.frame;
  }

  private async runBatch<C extends { readonly id: string } = WireCase, R extends ApiCaseResult | CaseResult = CaseResult>(
    op: 'run' | 'api',
    cases: readonly C[],
    deadlineMs: number | undefined,
    isolatable = cases.length > 1,
  ): Promise<R[]> {
    const deadline = deadlineMs ?? this.options.deadlineMs;
    const started = performance.now();
    const body = { op, cases } as unknown as RequestBody;
    const settlement = await this.supervisor.submit(body, deadline, isolatable && this.options.isolateFailures);
    if (settlement.kind === 'isolate') {
      // The worker failed on this batch: rerun each case alone so only the culprit carries the failure.
      return (await Promise.all(cases.map((wireCase) => this.runBatch<C, R>(op, [wireCase], deadline, false)))).flat();
    }
    if (settlement.kind === 'failure') {
      return cases.map((wireCase) => this.failedResult(wireCase, settlement, performance.now() - started));
    }
    const frame = settlement.frame as unknown as Partial<{ results: R[] }> & { error?: PythonError };
    const results = frame.results;
    if (frame.error !== undefined || !Array.isArray(results) || results.length !== cases.length) {
      const reason = frame.error
        ? `${frame.error.type}: ${frame.error.message}`
        : `the worker answered ${cases.length} cases with ${Array.isArray(results) ? results.length : 'no'} results`;
      const malformed = failure('protocol-error', reason);
      return cases.map((wireCase) => this.failedResult(wireCase, malformed, performance.now() - started));
    }
    return results.map((result, index) => {
      const expectedId = cases[index]!.id;
      if (result.id === expectedId) return this.classified(result);
      // A result must answer its own case; a malformed case (no id) is reported under the id we sent.
      if (result.status === 'protocol-error' && (result.id === null || result.id === undefined)) return { ...result, id: expectedId };
      return this.failedResult(cases[index]!, failure('protocol-error', `result ${index} answers case ${JSON.stringify(result.id)}`), 0);
    });
  }

  /** An `error` that is a worker fault (harness/worker/worker-fault.ts) becomes status `worker-fault`. */
  private classified<R extends ApiCaseResult | CaseResult>(result: R): R {
    if (result.status !== 'error' || result.error === undefined) return result;
    const fault = workerFaultOf(result.error);
    if (fault === null) return result;
    this.tally['worker-fault']++;
    return { ...result, status: 'worker-fault', error: { type: result.error.type, message: `${fault}: ${result.error.message}` } };
  }

  private failedResult<R>(wireCase: { readonly id: string }, reason: Failure, elapsedMs: number): R {
    this.tally[reason.status]++;
    return {
      id: wireCase.id,
      status: reason.status,
      error: reason.error,
      warnings: [],
      elapsed_ms: elapsedMs,
      stderr_tail: reason.stderrTail,
    } satisfies CaseResult as unknown as R;
  }
}
