// Stopping a run: SIGTERM to pnpm (which does not pass it on) or SIGINT to the harness's node ends the whole tree, and nothing is written after.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChain } from '../../harness/shutdown.js';
import { REPO_ROOT } from '../../harness/paths.js';

const root = mkdtempSync(path.join(tmpdir(), 'shutdown-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every process in a process group, with its command line, read from /proc. */
function groupMembers(pgid: number): { pid: number; cmd: string }[] {
  const members: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[2]) !== pgid) continue;
      members.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/** `pnpm parity` in its own process group, writing into a scratch golden store and report directory. */
function startParity(name: string): { child: ChildProcess; reportDir: string } {
  const reportDir = path.join(root, name, 'reports');
  const child = spawn('pnpm', ['parity', '--budget', '120', '--golden', path.join(root, name, 'golden'), '--report-dir', reportDir], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: 'ignore',
  });
  return { child, reportDir };
}

describe('stopping a run', () => {
  it.each([
    ['SIGTERM to pnpm', 'pnpm', 'SIGTERM'],
    ['SIGINT to the harness’s node', 'node', 'SIGINT'],
  ] as const)(
    '%s: no process of the run survives 5 s, and no report is written',
    async (_title, target, signal) => {
      const { child, reportDir } = startParity(`${target}-${signal}`);
      const pgid = child.pid!;
      // Wait until the torch worker is up: the whole tree exists and the campaign is running.
      expect(await waitFor(() => groupMembers(pgid).some((m) => m.cmd.includes('worker.py')), 90_000)).toBe(true);
      const victim = target === 'pnpm' ? pgid : groupMembers(pgid).find((m) => m.cmd.includes('--import') && m.cmd.includes('harness/cli.ts'))!.pid;
      process.kill(victim, signal);
      const ended = await waitFor(() => groupMembers(pgid).length === 0, 5_000);
      const survivors = groupMembers(pgid);
      for (const { pid } of survivors) process.kill(pid, 'SIGKILL');
      expect(survivors).toEqual([]);
      expect(ended).toBe(true);
      expect(existsSync(reportDir)).toBe(false);
    },
    120_000,
  );

  it('watches the launchers up to the first process that is not one (here: vitest’s own node)', () => {
    const chain = launchChain();
    expect(chain[0]).toBe(process.ppid);
    expect(chain.every((pid) => pid > 1)).toBe(true);
  });
});
