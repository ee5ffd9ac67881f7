// Both front doors parse → validate → run: bad flags and values are one line and exit 2, --help is stdout and exit 0.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, parseCli } from '../../harness/cli.js';
import { parseGoldenCli } from '../../harness/golden-cli.js';

function usageError(parsed: ReturnType<typeof parseCli> | ReturnType<typeof parseGoldenCli>): string {
  if (parsed.kind !== 'exit' || parsed.code !== 2) throw new Error(`expected a usage error, got ${JSON.stringify(parsed)}`);
  return parsed.stderr.split('\n')[0]!;
}

describe('harness CLI (verify, parity)', () => {
  it('runs verify with the fixed seed and a 45 s budget by default, parity with 600 s and a report directory', () => {
    const verify = parseCli(['verify']);
    expect(verify).toMatchObject({ kind: 'run', run: { command: 'verify', options: { seed: DEFAULT_SEED, budgetSeconds: 45 } } });
    expect(verify.kind === 'run' && 'options' in verify.run && verify.run.options.reportDir).toBe(undefined);
    const parity = parseCli(['parity']);
    expect(parity).toMatchObject({ kind: 'run', run: { command: 'parity', options: { seed: DEFAULT_SEED, budgetSeconds: 600 } } });
    expect(parity.kind === 'run' && 'options' in parity.run && parity.run.options.reportDir).toMatch(/\.parity\/reports$/);
  });

  it('takes every option as a validated value', () => {
    expect(parseCli(['parity', '--seed', '-7', '--budget', '2.5', '--runs', '3', '--path', '4:0:1', '--min-cases', '0'])).toMatchObject({
      kind: 'run',
      run: { options: { seed: -7, budgetSeconds: 2.5, runs: 3, path: '4:0:1', minCases: 0 } },
    });
  });

  it('refuses an unknown flag, a value that is not a number and a missing or unknown command, in one line with exit 2', () => {
    expect(usageError(parseCli(['parity', '--budjet', '5']))).toBe("error: unknown option '--budjet'");
    expect(usageError(parseCli(['parity', '--budget', 'abc']))).toContain('--budget takes a number greater than 0, got "abc".');
    expect(usageError(parseCli(['parity', '--budget', '0']))).toContain('--budget takes a number greater than 0');
    expect(usageError(parseCli(['verify', '--seed', 'abc']))).toContain('--seed takes a whole number');
    expect(usageError(parseCli(['verify', '--seed', '1.5']))).toContain('--seed takes a whole number');
    expect(usageError(parseCli(['verify', '--runs', '0']))).toContain('--runs takes a whole number from 1');
    expect(usageError(parseCli(['verify', '--path', 'x']))).toContain('--path takes a fast-check path');
    expect(usageError(parseCli([]))).toBe('error: missing command');
    expect(usageError(parseCli(['frob']))).toBe("error: unknown command 'frob'");
  });

  it('takes --shard i/n with 1 ≤ i ≤ n, and refuses anything else in one line with exit 2', () => {
    expect(parseCli(['parity', '--shard', '2/8'])).toMatchObject({ kind: 'run', run: { options: { shard: { index: 2, count: 8 } } } });
    expect(parseCli(['verify', '--shard', '1/1'])).toMatchObject({ kind: 'run', run: { options: { shard: { index: 1, count: 1 } } } });
    const unsharded = parseCli(['parity']);
    expect(unsharded.kind === 'run' && 'options' in unsharded.run && 'shard' in unsharded.run.options).toBe(false);
    for (const bad of ['0/2', '3/2', '2', 'a/b', '1/0']) {
      expect(usageError(parseCli(['parity', '--shard', bad]))).toBe(
        `error: option '--shard <i/n>' argument '${bad}' is invalid. --shard takes i/n with 1 ≤ i ≤ n, such as 2/8, got ${JSON.stringify(bad)}.`,
      );
    }
  });

  it('takes --modules as a list of module kinds, and refuses an unknown one with exit 2', () => {
    expect(parseCli(['parity', '--modules', 'lstm, gru,lstm'])).toMatchObject({ kind: 'run', run: { options: { modules: ['lstm', 'gru'] } } });
    expect(usageError(parseCli(['parity', '--modules', 'lstm,transformer']))).toBe(
      "error: option '--modules <list>' argument 'lstm,transformer' is invalid. --modules takes a comma-separated list of rnn, lstm, gru, rnn_cell, lstm_cell, gru_cell; got lstm,transformer",
    );
  });

  it('merges report files into --out, and needs both', () => {
    const parsed = parseCli(['merge', 'a/parity-report.json', 'b/parity-report.json', '--out', 'merged']);
    expect(parsed).toMatchObject({ kind: 'run', run: { command: 'merge' } });
    if (parsed.kind !== 'run' || parsed.run.command !== 'merge') return;
    expect(parsed.run.files.map((f) => f.split('/').slice(-2).join('/'))).toEqual(['a/parity-report.json', 'b/parity-report.json']);
    expect(parsed.run.out).toMatch(/^\/.*\/merged$/);
    expect(usageError(parseCli(['merge', '--out', 'merged']))).toBe("error: missing required argument 'reports'");
    expect(usageError(parseCli(['merge', 'a.json']))).toBe("error: required option '--out <dir>' not specified");
  });

  it('replays one stored case by its file, and needs the file', () => {
    expect(parseCli(['replay', 'golden/quarantine/0123456789abcdef.json'])).toMatchObject({ kind: 'run', run: { command: 'replay' } });
    expect(usageError(parseCli(['replay']))).toBe("error: missing required argument 'file'");
  });

  it('prints help on stdout with exit 0', () => {
    for (const argv of [['--help'], ['verify', '--help'], ['parity', '-h']]) {
      const parsed = parseCli(argv);
      expect(parsed).toMatchObject({ kind: 'exit', code: 0, stderr: '' });
      expect(parsed.kind === 'exit' && parsed.stdout).toMatch(/^Usage: harness\/cli\.ts/);
    }
  });
});

describe('golden CLI (baseline, drift, regen)', () => {
  it('resolves its paths and leaves unset options out', () => {
    const parsed = parseGoldenCli(['drift', '--python', 'venv/bin/python', '--golden', 'g']);
    expect(parsed.kind).toBe('run');
    if (parsed.kind !== 'run') return;
    expect(parsed.run.command).toBe('drift');
    expect(parsed.run.options.python).toMatch(/^\/.*venv\/bin\/python$/);
    expect(parsed.run.options.golden).toMatch(/^\/.*\/g$/);
    expect(Object.keys(parsed.run.options).sort()).toEqual(['golden', 'python']);
  });

  it('refuses unknown flags and commands with exit 2, and prints help with exit 0', () => {
    expect(usageError(parseGoldenCli(['drift', '--pythn', 'x']))).toBe("error: unknown option '--pythn'");
    expect(usageError(parseGoldenCli(['record']))).toBe("error: unknown command 'record'");
    expect(usageError(parseGoldenCli([]))).toBe('error: missing command');
    expect(parseGoldenCli(['--help'])).toMatchObject({ kind: 'exit', code: 0, stderr: '' });
  });
});
