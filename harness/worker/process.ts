// One python/worker.py process on python-shell: frames (JSON lines, raw tensor payloads), handshake, bounded stderr log, kill and cleanup.
import type { ChildProcess } from 'node:child_process';
import { PythonShell } from 'python-shell';
import { FrameReader, type RawFrame, attachPayload, requestChunks } from './frame-reader.js';
import { PROTOCOL_VERSION, type Handshake, type HandshakeFailure, type Request } from './protocol.js';
import { SETUP_HINT, WORKER_SCRIPT, setupHintFor } from './python-env.js';

/** The last lines a worker wrote to stderr; old lines fall off so a chatty worker cannot grow memory. */
export class StderrRing {
  private readonly lines: string[] = [];

  constructor(
    private readonly capacity: number,
    private readonly maxLineLength = 2000,
  ) {}

  push(line: string): void {
    this.lines.push(line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}…` : line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  tail(count = this.capacity): string[] {
    return this.lines.slice(-count);
  }
}

/** The worker could not be brought up; `retryable` is false when a retry cannot help (no torch, wrong protocol). */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly stderrTail: readonly string[] = [],
  ) {
    super(message);
  }
}

/** How a worker ended: exit code or signal. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** What a live worker reports back to its owner. */
export interface WorkerEvents {
  /** A complete line that parsed as a JSON object. */
  frame(frame: Record<string, unknown>): void;
  /** A line on stdout that is not a JSON object: the frame stream can no longer be trusted. */
  garbage(line: string): void;
  /** The process ended and its stdout is fully read. */
  exit(exit: WorkerExit): void;
}

/** Options for {@link WorkerProcess.spawn}. */
export interface SpawnOptions {
  readonly python: string;
  readonly env: NodeJS.ProcessEnv;
  readonly startTimeoutMs: number;
  readonly stderrLines: number;
  readonly onStderr?: (line: string) => void;
}

// Every live child, killed from a synchronous 'exit' handler so no worker outlives Node.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

function describeExit(exit: WorkerExit): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/**
 * A running worker after a successful handshake. Frames are written with {@link send}; replies,
 * garbage and the exit are delivered to the events given at spawn, until {@link detach}.
 */
export class WorkerProcess {
  private events: WorkerEvents | undefined;
  private exited = false;

  private constructor(
    private readonly shell: PythonShell,
    readonly handshake: Handshake,
    readonly stderr: StderrRing,
  ) {}

  /** The OS process id. */
  get pid(): number | undefined {
    return this.shell.childProcess.pid;
  }

  /**
   * Starts the worker and resolves once its handshake arrives.
   * @throws WorkerStartError when it exits, times out, cannot import torch, or speaks another protocol.
   */
  static spawn(options: SpawnOptions, events: WorkerEvents): Promise<WorkerProcess> {
    installExitHook();
    const stderr = new StderrRing(options.stderrLines);
    const shell = new PythonShell(WORKER_SCRIPT, {
      // Frames carry raw tensor bytes (Note [tensor payloads] in python/worker.py): stdout is read
      // here as bytes, not through python-shell's text lines; stderr stays text lines.
      mode: 'binary',
      pythonPath: options.python,
      // faulthandler prints the Python stack on a segfault, which lands in the crash report.
      pythonOptions: ['-u', '-X', 'faulthandler'],
      env: options.env,
    });
    const child = shell.childProcess;
    liveChildren.add(child);
    // Writes to a dead worker fail with EPIPE; the exit path reports the death, so swallow it here.
    child.stdin?.on('error', () => {});

    return new Promise<WorkerProcess>((resolve, reject) => {
      let worker: WorkerProcess | undefined;
      let settled = false;
      const fail = (error: WorkerStartError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      const timer = setTimeout(() => {
        fail(new WorkerStartError(`torch worker sent no handshake within ${options.startTimeoutMs} ms`, true, stderr.tail(20)));
      }, options.startTimeoutMs);

      shell.on('stderr', (line: string) => {
        stderr.push(line);
        options.onStderr?.(line);
      });
      shell.on('error', (error: Error) => {
        fail(new WorkerStartError(`could not run ${options.python}: ${error.message}. ${SETUP_HINT}`, false));
      });
      shell.on('close', () => {
        liveChildren.delete(child);
        const exit = { code: shell.exitCode ?? null, signal: shell.exitSignal ?? null };
        if (worker === undefined) {
          fail(new WorkerStartError(`torch worker ${describeExit(exit)} before its handshake`, true, stderr.tail(20)));
        } else {
          worker.exited = true;
          worker.events?.exit(exit);
        }
      });
      const onFrame = ({ line, payload }: RawFrame): void => {
        if (line === '') return;
        let frame: unknown;
        try {
          frame = JSON.parse(line);
        } catch {
          frame = undefined;
        }
        if (payload !== null && !attachPayload(frame, payload)) frame = undefined;
        const isObject = typeof frame === 'object' && frame !== null && !Array.isArray(frame);
        if (worker !== undefined) {
          if (isObject) worker.events?.frame(frame as Record<string, unknown>);
          else worker.events?.garbage(line);
          return;
        }
        if (!isObject || (frame as { op?: unknown }).op !== 'handshake') {
          // Before the handshake nothing is in flight; keep the line for the report and wait on.
          stderr.push(`[stdout before handshake] ${line.slice(0, 500)}`);
          return;
        }
        const hello = frame as Handshake | HandshakeFailure;
        if ('error' in hello) {
          fail(
            new WorkerStartError(
              `torch is not importable by ${hello.python_executable} (Python ${hello.python_version}): ` +
                `${hello.error.type}: ${hello.error.message}. ${setupHintFor(options.python)}`,
              false,
              stderr.tail(20),
            ),
          );
          return;
        }
        if (hello.protocol_version !== PROTOCOL_VERSION) {
          fail(new WorkerStartError(`worker speaks protocol ${hello.protocol_version}, this bridge speaks ${PROTOCOL_VERSION}`, false));
          return;
        }
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker = new WorkerProcess(shell, hello, stderr);
        worker.events = events;
        resolve(worker);
      };
      const frames = new FrameReader(onFrame, (text) => onFrame({ line: text, payload: null }));
      // Registered ahead of python-shell's own 'end' listener, so a last partial frame is delivered before 'close'.
      child.stdout?.prependListener('end', () => frames.end());
      child.stdout?.on('data', (chunk: Buffer) => frames.push(chunk));
    });
  }

  /** Writes one request frame. */
  send(request: Request): void {
    const stdin = this.shell.childProcess.stdin;
    if (stdin === null) throw new Error('BUG: the worker was spawned without a stdin pipe');
    for (const chunk of requestChunks(request)) stdin.write(chunk);
  }

  /**
   * Lets Node exit while this worker idles (`busy = false`), and holds Node open while a request is
   * in flight (`busy = true`), so an idle worker never keeps vitest alive.
   */
  setBusy(busy: boolean): void {
    const child = this.shell.childProcess;
    const handles: ({ ref(): unknown; unref(): unknown } | null)[] = [
      child,
      child.stdin as unknown as { ref(): unknown; unref(): unknown } | null,
      child.stdout as unknown as { ref(): unknown; unref(): unknown } | null,
      child.stderr as unknown as { ref(): unknown; unref(): unknown } | null,
    ];
    for (const handle of handles) {
      if (handle === null || typeof handle.ref !== 'function') continue;
      if (busy) handle.ref();
      else handle.unref();
    }
  }

  /** Stops delivering events; the owner has given up on this worker. */
  detach(): void {
    this.events = undefined;
  }

  /** SIGKILL, no questions asked. */
  kill(): void {
    if (!this.exited) this.shell.childProcess.kill('SIGKILL');
  }

  /** Closes stdin so the worker leaves its loop; SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs: number): Promise<void> {
    this.detach();
    if (this.exited) return Promise.resolve();
    // An idle worker's handles are unref'd (setBusy); without this, Node could run out of referenced
    // handles while waiting for 'close' and exit silently with code 0 before the caller's next line
    // (seen: `golden:drift` wrote its reports but printed nothing, 1 run in 3).
    this.setBusy(true);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.shell.childProcess.kill('SIGKILL');
      }, graceMs);
      this.shell.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.shell.childProcess.stdin?.end();
    });
  }

  /** One-line description of an exit, for failure reports. */
  static describeExit(exit: WorkerExit): string {
    return describeExit(exit);
  }
}
