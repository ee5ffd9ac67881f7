// TorchBridge under faults: crashes, hangs, garbage, start-up exits and missing torch each give the right per-case result and a working worker after.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge, WorkerStartError } from '../../../harness/worker/bridge.js';
import type { CaseResult, WireCase } from '../../../harness/worker/protocol.js';
import { REPO_ROOT } from '../../../harness/paths.js';
import { rnnCase } from './wire-cases.js';

const FAULTS = { RNN_PARITY_WORKER_FAULTS: '1' };

function statuses(results: readonly CaseResult[]): string[] {
  return results.map((result) => `${result.id}:${result.status}`);
}

/** True while `pid` runs; a zombie (dead, not yet reaped by its new parent) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

/** Waits up to `ms` for `pid` to die, since SIGKILL delivery is asynchronous. */
async function isAliveAfter(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return isAlive(pid);
}

async function expectWorking(bridge: TorchBridge): Promise<void> {
  const [result] = await bridge.run([rnnCase('after')]);
  expect(result!.status).toBe('ok');
}

describe('with per-case isolation (the default)', () => {
  let bridge: TorchBridge;

  beforeAll(async () => {
    bridge = await TorchBridge.start({ env: FAULTS, deadlineMs: 3_000 });
  });

  afterAll(async () => {
    await bridge.stop();
  });

  it('gives a case that SIGKILLs the worker mid-batch worker-crash, its batch-mates their results, and restarts', async () => {
    const before = bridge.pid!;

    const results = await bridge.run([rnnCase('a'), rnnCase('b'), rnnCase('crash', { fault: { kind: 'crash' } }), rnnCase('d')]);

    expect(statuses(results)).toEqual(['a:ok', 'b:ok', 'crash:worker-crash', 'd:ok']);
    expect(results[2]!.error!.type).toBe('WorkerCrash');
    expect(results[2]!.error!.message).toMatch(/^the worker was killed by SIGKILL \(worker pid \d+\)$/);
    expect(bridge.pid).not.toBe(before);
    await expectWorking(bridge);
  });

  it('gives a case that hangs past the deadline timeout and kills the hung worker', async () => {
    const before = bridge.pid!;

    const results = await bridge.run([rnnCase('a'), rnnCase('hang', { fault: { kind: 'hang' } }), rnnCase('c')], { deadlineMs: 1_500 });

    expect(statuses(results)).toEqual(['a:ok', 'hang:timeout', 'c:ok']);
    expect(results[1]!.error!.message).toMatch(/^no answer within the 1500 ms deadline \(worker pid \d+\)$/);
    expect(await isAliveAfter(before, 2_000)).toBe(false);
    await expectWorking(bridge);
  });

  it('gives a case that writes garbage on stdout protocol-error and restarts the worker', async () => {
    const results = await bridge.run([rnnCase('a'), rnnCase('garbage', { fault: { kind: 'garbage' } }), rnnCase('c')]);

    expect(statuses(results)).toEqual(['a:ok', 'garbage:protocol-error', 'c:ok']);
    expect(results[1]!.error!.message).toContain("garbage on the worker's stdout");
    await expectWorking(bridge);
  });

  it('puts the stderr tail of a worker that exits mid-case into the crash report', async () => {
    const [result] = await bridge.run([rnnCase('exit', { fault: { kind: 'exit', code: 9 } })]);

    expect(result!.status).toBe('worker-crash');
    expect(result!.error!.message).toMatch(/^the worker exited with code 9 /);
    await expectWorking(bridge);
  });

  it('reruns the cases of a batch killed from outside, so none is lost', async () => {
    const cases = [rnnCase('slow', { fault: { kind: 'sleep', ms: 1_000 } }), rnnCase('b'), rnnCase('c')];

    const running = bridge.run(cases);
    setTimeout(() => bridge.killWorker(), 300);
    const results = await running;

    expect(statuses(results)).toEqual(['slow:ok', 'b:ok', 'c:ok']);
  });

  it('resends the requests queued behind a crashed one, in order', async () => {
    const cases: WireCase[] = Array.from({ length: 40 }, (_, i) => rnnCase(`case-${i}`, i === 5 ? { fault: { kind: 'crash' } } : {}));
    const restarts = bridge.restarts;

    const results = await bridge.run(cases);

    expect(results.map((r) => r.id)).toEqual(cases.map((c) => c.id));
    expect(results.filter((r) => r.status !== 'ok').map((r) => `${r.id}:${r.status}`)).toEqual(['case-5:worker-crash']);
    expect(bridge.restarts - restarts).toBe(2);
  });
});

describe('without isolation', () => {
  let bridge: TorchBridge;

  beforeAll(async () => {
    bridge = await TorchBridge.start({ env: FAULTS, isolateFailures: false, stderrLines: 5 });
  });

  afterAll(async () => {
    await bridge.stop();
  });

  it('returns every in-flight case of a worker SIGKILLed from outside as worker-crash, then works', async () => {
    const running = bridge.run([rnnCase('slow', { fault: { kind: 'sleep', ms: 1_000 } }), rnnCase('b')]);
    setTimeout(() => bridge.killWorker(), 300);

    const results = await running;

    expect(statuses(results)).toEqual(['slow:worker-crash', 'b:worker-crash']);
    await expectWorking(bridge);
  });

  it('keeps only the last stderr lines of a chatty worker for the report', async () => {
    const [, crashed] = await bridge.run([
      rnnCase('chatty', { fault: { kind: 'stderr', lines: 50 } }),
      rnnCase('crash', { fault: { kind: 'crash' } }),
    ]);

    expect(crashed!.stderr_tail).toEqual(['stderr line 45', 'stderr line 46', 'stderr line 47', 'stderr line 48', 'stderr line 49']);
  });
});

describe('start-up', () => {
  it('gives up on a worker that exits before its handshake after bounded retries, with a clear error', async () => {
    const starting = TorchBridge.start({ env: { ...FAULTS, RNN_PARITY_WORKER_FAULT_AT_START: 'exit' }, startAttempts: 2 });

    await expect(starting).rejects.toThrow(WorkerStartError);
    await expect(starting).rejects.toThrow(/^torch worker failed to start after 2 attempts: torch worker exited with code 7 before its handshake/);
  });

  it('retries a worker that exits once at start-up and then serves requests', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rnn-parity-'));
    try {
      const marker = path.join(dir, 'exited-once');
      const bridge = await TorchBridge.start({ env: { ...FAULTS, RNN_PARITY_WORKER_FAULT_AT_START: `exit-once:${marker}` } });

      expect(existsSync(marker)).toBe(true);
      await expectWorking(bridge);
      await bridge.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs garbage printed before the handshake and starts normally', async () => {
    const bridge = await TorchBridge.start({ env: { ...FAULTS, RNN_PARITY_WORKER_FAULT_AT_START: 'garbage' } });

    expect(bridge.stderrTail()).toContain('[stdout before handshake] garbage before the handshake');
    await expectWorking(bridge);
    await bridge.stop();
  });

  it('says how to fix a python without torch', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rnn-parity-bare-'));
    const previous = process.env['RNN_PARITY_PYTHON'];
    try {
      spawnSync('python3', ['-m', 'venv', '--without-pip', dir]);
      const python = path.join(dir, 'bin', 'python');
      const version = spawnSync(python, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).stdout.trim();
      process.env['RNN_PARITY_PYTHON'] = python;

      const starting = TorchBridge.start();

      await expect(starting).rejects.toThrow(
        `torch is not importable by ${python} (Python ${version}): ModuleNotFoundError: No module named 'torch'. ` +
          `Install the pinned torch into it (\`${python} -m pip install torch==2.13.0\`), or unset RNN_PARITY_PYTHON and run \`pnpm setup:python\`.`,
      );
    } finally {
      if (previous === undefined) delete process.env['RNN_PARITY_PYTHON'];
      else process.env['RNN_PARITY_PYTHON'] = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('process lifetime', () => {
  it('kills the worker on stop()', async () => {
    const bridge = await TorchBridge.start();
    const pid = bridge.pid!;

    await bridge.stop();

    expect(await isAliveAfter(pid, 2_000)).toBe(false);
  });

  it('lets Node exit with a started, unused bridge that was never stopped, and takes the worker with it', async () => {
    const script = [
      `import { TorchBridge } from ${JSON.stringify(path.join(REPO_ROOT, 'harness/worker/bridge.ts'))};`,
      'const bridge = await TorchBridge.start();',
      'console.log(bridge.pid);',
    ].join('\n');

    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(child.status).toBe(0);
    const pid = Number(child.stdout.trim());
    expect(Number.isInteger(pid)).toBe(true);
    expect(await isAliveAfter(pid, 2_000)).toBe(false);
  });
});
