// golden:drift and golden:regen against live torch: the pinned one, and Debian's torch 1.13 where it is installed.
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { driftFixtures } from '../../../harness/drift/classify.js';
import { bitIdentityExpected } from '../../../harness/drift/hardware.js';
import { fixtureToDoc, workerDoc, type Fixture } from '../../../harness/golden/fixture.js';
import { goldenRegen } from '../../../harness/golden-cli.js';
import { DirectoryBackend, GoldenStore, type StoredFixture } from '../../../harness/golden/store.js';
import { EMPTY_LEDGER, loadLedger } from '../../../harness/golden/ledger.js';
import { REPO_ROOT } from '../../../harness/paths.js';
import { pinnedTorchVersion } from '../../../harness/worker/torch-pin.js';
import { withValue } from '../golden/builders.js';

const committed = new GoldenStore();
const pinnedTorch = pinnedTorchVersion();

/** A spread of committed fixtures: grid, edge values, seeded init, dropout, packed, errors. */
function sample(): StoredFixture[] {
  const all = committed.list(['baseline']);
  const wanted = [
    /^grid: RNN\(3, 2, num_layers=2, bidirectional=True\) float32/,
    /^NaN, ±Inf/,
    /^seeded init/,
    /^train-mode dropout/,
    /^packed/,
    /^constructor error, num_layers 0/,
    /^forward error, float64 hx:/,
    /^batch size 0/,
  ];
  return wanted.flatMap((pattern) => all.filter((s) => pattern.test(s.fixture.summary)).slice(0, 2));
}

describe('golden:drift against the pinned torch', () => {
  let bridge: TorchBridge;
  beforeAll(async () => {
    bridge = await TorchBridge.start();
  });
  afterAll(async () => {
    await bridge.stop();
  });

  // The committed bits hold bit for bit only where they are guaranteed (harness/drift/hardware.ts:
  // same torch build, ATen capability and MKL_CBWR, and the same CPU or MKL pinned to COMPATIBLE);
  // on any other x86-64 CPU the tolerances judge, so this passes on whatever CI machine runs it.
  it('finds the committed fixtures bit-identical where the hardware guarantees it, else within tolerance, with TS passing', async () => {
    const stored = sample();
    const { report } = await driftFixtures(bridge, stored, { pinnedTorch, ledger: loadLedger() });
    const replaying = workerDoc(bridge.handshake);
    expect(stored.length).toBeGreaterThanOrEqual(12);
    const unexpected = report.entries.filter((e, i) => {
      const exact = bitIdentityExpected(stored[i]!.fixture.provenance.worker, replaying);
      const allowed = exact ? ['bit-identical'] : ['bit-identical', 'within-few-ulp', 'moved-within-tolerance'];
      return !allowed.includes(e.torch) || e.ts !== 'passes';
    });
    expect(unexpected).toEqual([]);
    expect(report.failures).toEqual([]);
  });

  it('classifies an expectation from another torch as drift, and regen rewrites it from this torch', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'golden-regen-'));
    try {
      const store = new GoldenStore(new DirectoryBackend(root));
      // float64, so no float32 shadow can forgive the moved value (harness/parity/compare.ts judges float32 by the shadow).
      const numeric = committed
        .list(['baseline'])
        .find((s) => s.fixture.case.dtype === 'float64' && s.fixture.expected.error === null && !s.fixture.case.wantWeights)!.fixture;
      const failing = sample().find((s) => s.fixture.expected.error?.type === 'ValueError')!.fixture;
      const olderTorch = (f: Fixture, expected: Fixture['expected']): Fixture => ({
        ...f,
        expected,
        provenance: { ...f.provenance, worker: { ...f.provenance.worker, torch_version: '2.13.0-older' } },
      });
      const h0 = numeric.expected.tensors.h_n!.data[0]!;
      store.save(olderTorch(numeric, withValue(numeric.expected, 'h_n', 0, h0 + 0.01)));
      store.save(olderTorch(failing, { ...failing.expected, error: { type: failing.expected.error!.type, message: 'an older wording' } }));

      const { report } = await driftFixtures(bridge, store.list(), { pinnedTorch, ledger: EMPTY_LEDGER });
      expect(report.entries.map((e) => [e.id, e.torch, e.ts])).toEqual(
        expect.arrayContaining([
          [numeric.id, 'moved-beyond-tolerance', 'now-passes'],
          [failing.id, 'error-message-changed', 'now-passes'],
        ]),
      );

      const log: string[] = [];
      const code = await goldenRegen({ golden: root, out: path.join(root, 'out'), env: {}, log: (line) => log.push(line) });

      expect(code).toBe(0);
      expect(log.at(-2)).toMatch(/^golden:regen: 2 fixtures rewritten from torch 2\.13\.0/);
      for (const original of [numeric, failing]) {
        const rewritten = store.fetch(original.id)!;
        expect(rewritten.provenance.worker.torch_version).toBe(bridge.handshake.torch_version);
        expect(rewritten.provenance.worker.mkl_cbwr).toBe(bridge.handshake.mkl_cbwr);
        // Back to the committed bits where this hardware must reproduce them; elsewhere the error is
        // back exactly and the numbers within tolerance of them (TS passes against both).
        if (bitIdentityExpected(original.provenance.worker, workerDoc(bridge.handshake))) {
          expect(JSON.stringify(fixtureToDoc(rewritten).expected)).toBe(JSON.stringify(fixtureToDoc(original).expected));
        } else {
          expect(rewritten.expected.error).toEqual(original.expected.error);
          expect(Object.keys(rewritten.expected.tensors)).toEqual(Object.keys(original.expected.tensors));
        }
      }
      expect(readFileSync(path.join(root, 'out', 'drift-report.md'), 'utf8')).toContain('| moved beyond tolerance | 1 |');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('pnpm golden:drift', () => {
  it('runs from the command line, prints the table and writes both reports', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'golden-cli-'));
    try {
      mkdirSync(path.join(root, 'baseline'));
      for (const { key } of sample().slice(0, 3)) cpSync(path.join(REPO_ROOT, 'golden', key), path.join(root, key));
      const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
      const { stdout } = await promisify(execFile)(tsx, ['harness/golden-cli.ts', 'drift', '--golden', root, '--out', path.join(root, 'out')], {
        cwd: REPO_ROOT,
      });
      expect(stdout).toMatch(/^golden:drift — 3 fixtures, torch 2\.13\.0\S* → 2\.13\.0/);
      expect(stdout).toContain('result: no action needed');
      expect(existsSync(path.join(root, 'out', 'drift-report.json'))).toBe(true);
      const markdown = readFileSync(path.join(root, 'out', 'drift-report.md'), 'utf8');
      const report = JSON.parse(readFileSync(path.join(root, 'out', 'drift-report.json'), 'utf8')) as {
        replayed_with: Fixture['provenance']['worker'];
        hardware_note: string | null;
      };
      if (
        sample()
          .slice(0, 3)
          .every((s) => bitIdentityExpected(s.fixture.provenance.worker, report.replayed_with))
      ) {
        expect(markdown).toContain('| bit-identical | 3 |');
      } else {
        // Another CPU: the report names the hardware as the likely cause of anything that moved.
        expect(report.hardware_note).toMatch(/^Same torch build on other hardware/);
        expect(markdown).toContain('**Hardware:** Same torch build on other hardware');
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// Debian's python3-torch (torch 1.13.1 for /usr/bin/python3): a real upstream change, where installed.
const debianPython = '/usr/bin/python3';
const hasDebianTorch = existsSync(debianPython) && spawnSync(debianPython, ['-c', 'import torch'], { timeout: 30_000 }).status === 0;

describe.runIf(hasDebianTorch)('golden:drift against Debian torch 1.13', () => {
  it('shows num_layers=0 as error type changed with TS still passing by category, and seeded weights unchanged', async () => {
    const bridge = await TorchBridge.start({ python: debianPython });
    try {
      const stored = sample();
      const { report, answers } = await driftFixtures(bridge, stored, { pinnedTorch, ledger: loadLedger() });
      expect(report.replayed_with.torch_version).toMatch(/^1\.13/);
      expect(report.entries.find((e) => /num_layers 0/.test(e.summary))).toMatchObject({
        torch: 'error-type-changed',
        detail: 'ValueError → IndexError: "list index out of range"',
        ts: 'passes',
      });
      expect(report.entries.every((e) => e.torch !== 'no-answer')).toBe(true);
      const seeded = stored.flatMap((s, i) => (s.fixture.case.wantWeights ? [[s.fixture, answers[i]!] as const] : []));
      expect(seeded.length).toBeGreaterThan(0);
      for (const [fixture, answer] of seeded) {
        if ('noAnswer' in answer) throw new Error(answer.noAnswer);
        for (const [name, weights] of Object.entries(fixture.expected.tensors).filter(([n]) => n.startsWith('weights.'))) {
          expect(Array.from(answer.outcome.tensors[name]!.data), name).toEqual(Array.from(weights.data));
        }
      }
    } finally {
      await bridge.stop();
    }
  });
});
