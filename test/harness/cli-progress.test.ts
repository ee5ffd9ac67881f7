// Campaign progress on stderr: a bar with total and ETA on a terminal, plain lines every 10 s in a log.
import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../harness/cli.js';

/** Just enough of a WriteStream for cli-progress and the plain printer, recording what was written. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  let text = '';
  const stream = {
    isTTY,
    columns: 120,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => text };
}

describe('campaign progress', () => {
  it('draws a bar over the time budget with cases, rate and ETA on a terminal', () => {
    const { stream, written } = fakeStream(true);
    const progress = progressPrinter(60, stream);
    progress.update({ cases: 300, elapsedMs: 30_000, failures: 0, shrinking: false });
    progress.stop();
    // Terminal control sequences (cursor, line clearing) separate the redraws.
    const esc = String.fromCharCode(27);
    const frames = written()
      .split(new RegExp(`${esc}\\[[0-9;?]*[A-Za-z]|${esc}[78]`))
      .filter((l) => l.includes('cases'));
    expect(frames.at(-1)).toBe(`exploring [${'█'.repeat(20)}${'░'.repeat(20)}] 50% | 30/60 s | 300 cases, 10 cases/s | ETA 30s`);
  });

  it('prints a plain line at most every 10 s when stderr is not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const progress = progressPrinter(60, stream);
    progress.update({ cases: 10, elapsedMs: 5_000, failures: 0, shrinking: false });
    progress.update({ cases: 200, elapsedMs: 10_000, failures: 0, shrinking: false });
    progress.update({ cases: 250, elapsedMs: 12_000, failures: 0, shrinking: true });
    progress.stop();
    expect(written()).toBe('200 cases, 10 s, 20 cases/s\n');
  });
});
