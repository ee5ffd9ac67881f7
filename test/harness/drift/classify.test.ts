// Drift classification without Python: how torch's answer moved, what that does to TS, the ledger, reports, and the regen guard.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyTorchDrift, driftReport, fixtureDrift, type DriftOptions } from '../../../harness/drift/classify.js';
import { driftMarkdown, driftTable, writeDriftReport } from '../../../harness/drift/report.js';
import { workerDoc } from '../../../harness/golden/fixture.js';
import { goldenRegen, regenRefusal } from '../../../harness/golden-cli.js';
import { parseLedger } from '../../../harness/golden/ledger.js';
import type { Outcome } from '../../../harness/parity/outcome.js';
import { runTs } from '../../../harness/parity/parity-case.js';
import { fixtureOf, handshakeOf, smallCase, withValue } from '../golden/builders.js';

const c = smallCase();
const ts = runTs(c);
const h0 = ts.tensors.h_n!.data[0]!;
const nextFloat32 = (x: number, steps: number): number => {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  view.setInt32(0, view.getInt32(0) + (x >= 0 ? steps : -steps));
  return view.getFloat32(0);
};
const error = (type: string, message: string): Outcome => ({ tensors: {}, error: { type, message }, warnings: [] });

describe('how torch moved', () => {
  it('is bit-identical for the same bits, NaN included', async () => {
    const withNaN = withValue(ts, 'output', 1, Number.NaN);
    expect(await classifyTorchDrift(withNaN, withValue(ts, 'output', 1, Number.NaN), c, null)).toEqual({
      torch: 'bit-identical',
      detail: '',
      maxUlps: 0,
    });
  });

  it('is within a few ULP for a one-ULP move, and for -0 against 0', async () => {
    expect(await classifyTorchDrift(ts, withValue(ts, 'h_n', 0, nextFloat32(h0, 1)), c, null)).toEqual({
      torch: 'within-few-ulp',
      detail: '1 values moved, largest 1 ULP in h_n',
      maxUlps: 1,
    });
    const zero = withValue(ts, 'output', 0, 0);
    expect((await classifyTorchDrift(zero, withValue(ts, 'output', 0, -0), c, null)).torch).toBe('within-few-ulp');
  });

  it('moved within tolerance beyond a few ULP but inside assert_close', async () => {
    expect(await classifyTorchDrift(ts, withValue(ts, 'h_n', 0, nextFloat32(h0, 20)), c, null)).toMatchObject({
      torch: 'moved-within-tolerance',
      maxUlps: 20,
    });
  });

  it('moved beyond tolerance for a change harness/parity/compare.ts rejects, or a new tensor', async () => {
    expect((await classifyTorchDrift(ts, withValue(ts, 'h_n', 0, h0 + 0.01), c, null)).torch).toBe('moved-beyond-tolerance');
    const { h_n: _dropped, ...rest } = ts.tensors;
    void _dropped;
    expect(await classifyTorchDrift({ ...ts, tensors: rest }, ts, c, null)).toMatchObject({ torch: 'moved-beyond-tolerance', detail: 'h_n: new' });
  });

  it('changed error type when the type differs or an error appears or disappears', async () => {
    expect(
      await classifyTorchDrift(error('ValueError', 'num_layers must be greater than zero'), error('IndexError', 'list index out of range'), c, null),
    ).toEqual({
      torch: 'error-type-changed',
      detail: 'ValueError → IndexError: "list index out of range"',
      maxUlps: null,
    });
    expect((await classifyTorchDrift(ts, error('ValueError', 'x'), c, null)).detail).toBe('no error → ValueError: "x"');
    expect((await classifyTorchDrift(error('ValueError', 'x'), ts, c, null)).detail).toBe('ValueError → no error');
  });

  it('changed error message for the same type with other text, or other warnings', async () => {
    expect(await classifyTorchDrift(error('ValueError', 'a'), error('ValueError', 'b'), c, null)).toEqual({
      torch: 'error-message-changed',
      detail: 'ValueError: "a" → "b"',
      maxUlps: null,
    });
    expect(await classifyTorchDrift(ts, { ...ts, warnings: ['w'] }, c, null)).toEqual({
      torch: 'error-message-changed',
      detail: 'warnings [] → ["w"]',
      maxUlps: 0,
    });
  });
});

describe('what drift does to TS', () => {
  const options: DriftOptions = { pinnedTorch: '2.13.0', ledger: { format_version: 1, entries: [] } };
  const stored = (f: ReturnType<typeof fixtureOf>) => ({ key: `baseline/${f.id}.json`, fixture: f });
  const moved = withValue(ts, 'h_n', 0, h0 + 0.01);

  it('says TS now fails when torch moves away from TS, and now passes when torch moves to it', async () => {
    expect(await fixtureDrift(stored(fixtureOf(c)), { outcome: moved, shadow: null }, '2.13.0', options)).toMatchObject({
      torch: 'moved-beyond-tolerance',
      ts: 'now-fails',
    });
    expect(await fixtureDrift(stored(fixtureOf(c, { expected: moved })), { outcome: ts, shadow: null }, '2.13.0', options)).toMatchObject({
      ts: 'now-passes',
    });
    expect(await fixtureDrift(stored(fixtureOf(c)), { outcome: ts, shadow: null }, '2.13.0', options)).toMatchObject({
      torch: 'bit-identical',
      ts: 'passes',
    });
  });

  it('reports a worker failure as a classified no-answer, not an exception', async () => {
    const entry = await fixtureDrift(stored(fixtureOf(c)), { noAnswer: 'worker-crash' }, '2.13.0', options);
    expect(entry).toMatchObject({ torch: 'no-answer', detail: 'worker-crash' });
  });

  it('flags a ledger-listed case that the replaying torch now agrees with TS on, and fails the run', async () => {
    const listed = fixtureOf(c, { expected: moved });
    const ledger = parseLedger(JSON.stringify({ format_version: 1, entries: [{ id: 'old-gap', reason: 'r', match: { id: listed.id } }] }), 'l');
    const entry = await fixtureDrift(stored(listed), { outcome: ts, shadow: null }, '2.13.0', { ...options, ledger });

    const report = driftReport([entry], [listed], workerDoc(handshakeOf('2.13.0')), options);

    expect(entry.ledger).toEqual({ entry: 'old-gap', status: 'fixed' });
    expect(report.failures).toEqual([`${listed.id}: fixed — remove from the ledger: entry 'old-gap'`]);
    expect(driftMarkdown(report)).toContain('**fixed — remove from the ledger: `old-gap`**');
    expect(driftTable(report)).toContain('[FIXED: remove ledger entry old-gap]');
  });

  it('does not fail the run for a listed case that still differs', async () => {
    const listed = fixtureOf(c, { expected: moved });
    const ledger = parseLedger(JSON.stringify({ format_version: 1, entries: [{ id: 'gap', reason: 'r', match: { id: listed.id } }] }), 'l');
    const entry = await fixtureDrift(stored(listed), { outcome: moved, shadow: null }, '2.13.0', { ...options, ledger });
    expect(entry).toMatchObject({ ts: 'fails', ledger: { entry: 'gap', status: 'known-divergence' } });
    expect(driftReport([entry], [listed], workerDoc(handshakeOf('2.13.0')), options).failures).toEqual([]);
  });
});

describe('reports', () => {
  it('count every class and write Markdown and JSON', async () => {
    const f = fixtureOf(c, { summary: 'a | b' });
    const entry = await fixtureDrift({ key: 'k', fixture: f }, { outcome: withValue(ts, 'h_n', 0, nextFloat32(h0, 1)), shadow: null }, '2.14.0', {
      pinnedTorch: '2.13.0',
      ledger: { format_version: 1, entries: [] },
    });
    const report = driftReport([entry], [f], workerDoc(handshakeOf('2.14.0')), {
      pinnedTorch: '2.13.0',
      ledger: { format_version: 1, entries: [] },
      now: new Date(0),
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'drift-'));
    try {
      const files = writeDriftReport(report, dir);
      const markdown = readFileSync(files.markdown, 'utf8');
      expect(markdown).toContain('# Golden drift: torch 2.13.0 → 2.14.0');
      expect(markdown).toContain('| within a few ULP | 1 |');
      expect(markdown).toContain('| TS passes | 1 |');
      expect(markdown).toContain('a \\| b');
      expect(JSON.parse(readFileSync(files.json, 'utf8'))).toMatchObject({ fixtures: 1, counts: { torch: { 'within-few-ulp': 1 } }, failures: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('golden:regen', () => {
  it('is refused under vitest and in the CI test job, and allowed elsewhere', async () => {
    expect(regenRefusal({ VITEST: 'true' })).toMatch(/^golden:regen refuses to run under vitest/);
    expect(regenRefusal({ CI_TEST_JOB: '1' })).toMatch(/^golden:regen refuses to run in the CI test job/);
    expect(regenRefusal({ CI: 'true' })).toBeNull();
  });

  it('refuses before starting torch or reading fixtures when run inside this test process', async () => {
    const lines: string[] = [];
    expect(await goldenRegen({ golden: '/nonexistent', python: '/nonexistent', log: (line) => lines.push(line) })).toBe(2);
    expect(lines).toEqual([regenRefusal(process.env)]);
  });
});
