// The pool's work queue: first come, first served, never more than a worker's capacity, least-loaded worker first.
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../harness/parity/work-queue.js';

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('gives every worker a job before any gets two, holds at most `capacity` per worker, and starts waiting jobs as slots free', async () => {
    const queue = new WorkQueue(['a', 'b'], 2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: string[] = [];
    const done = gates.map((gate, i) =>
      queue.submit(async (worker) => {
        started.push(`${i}@${worker}`);
        await gate.promise;
        return i;
      }),
    );
    expect(started).toEqual(['0@a', '1@b', '2@a', '3@b']);
    gates[1]!.resolve();
    expect(await done[1]).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['0@a', '1@b', '2@a', '3@b', '4@b']);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a job that throws synchronously rejects its own promise and frees its slot', async () => {
    const queue = new WorkQueue(['only'], 1);
    const failed = queue.submit((): Promise<number> => {
      throw new Error('no');
    });
    await expect(failed).rejects.toThrow('no');
    expect(await queue.submit(async (worker) => worker)).toBe('only');
  });
});
