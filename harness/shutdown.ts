// Stopping a run: SIGINT, SIGTERM, SIGHUP, or the death of the pnpm/tsx processes that launched it, end the whole tree at once.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Processes of the launch chain: package managers, tsx, node and the `sh -c` pnpm runs scripts in. */
const LAUNCHERS = new Set(['node', 'sh', 'dash', 'tsx', 'pnpm', 'npm', 'npx', 'corepack']);

/** A process's parent, state and argv[0] from /proc, or null where /proc is absent or the process is gone. */
function processInfo(pid: number): { ppid: number; state: string; name: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return { ppid: Number(ppid), state, name: path.basename(argv0) };
  } catch {
    return null;
  }
}

/**
 * The ancestors that launched this process: parents up the chain while they are launchers (pnpm,
 * sh -c, tsx, node), stopping at the first that is not (a user's shell, a CI runner). pnpm does not
 * pass SIGTERM on to its script, so its death is watched instead; a shell is not watched, so a run
 * under nohup outlives the shell that started it.
 */
export function launchChain(pid = process.pid): number[] {
  const chain: number[] = [];
  let current = processInfo(pid)?.ppid ?? process.ppid;
  for (let depth = 0; depth < 16 && current > 1; depth++) {
    const info = processInfo(current);
    if (info === null) {
      if (chain.length === 0) chain.push(current);
      break;
    }
    if (chain.length > 0 && !LAUNCHERS.has(info.name)) break;
    chain.push(current);
    current = info.ppid;
  }
  return chain;
}

/** Alive and not a zombie (a dead launcher whose parent has not reaped it yet). */
function isAlive(pid: number): boolean {
  if (processInfo(pid)?.state === 'Z') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Until disposed, a stop request — SIGINT, SIGTERM, SIGHUP, or a launcher of the {@link launchChain}
 * gone — runs `cleanup` (kill the worker) and exits at once with 130 (SIGINT) or 143, so nothing is
 * written after the request: no report, no fixture.
 */
export function exitOnStopRequest(cleanup: () => void): { dispose(): void } {
  const chain = launchChain();
  const stop = (reason: string, code: number): void => {
    try {
      cleanup();
    } finally {
      process.stderr.write(`\nstopped (${reason}): nothing more is written\n`);
      process.exit(code);
    }
  };
  const handlers = new Map<NodeJS.Signals, () => void>([
    ['SIGINT', () => stop('SIGINT', 130)],
    ['SIGTERM', () => stop('SIGTERM', 143)],
    ['SIGHUP', () => stop('SIGHUP', 129)],
  ]);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const watch = setInterval(() => {
    const gone = chain.find((pid) => !isAlive(pid));
    if (gone !== undefined) stop(`launcher ${gone} exited`, 143);
  }, 250);
  watch.unref();
  return {
    dispose() {
      clearInterval(watch);
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}
