// golden:regen writes only what a reviewer must read: a fixture is rewritten when torch's
// expectation or the recording torch changed, never for recorded_at, the TS answer or the machine
// it ran on; --dry-run writes nothing; provenance names no machine path.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldenRegen, parseGoldenCli } from '../../../harness/golden-cli.js';
import { portableExecutable, regenerateFixture, type Fixture } from '../../../harness/golden/fixture.js';
import { recordFixtures } from '../../../harness/golden/record.js';
import { DirectoryBackend, GoldenStore } from '../../../harness/golden/store.js';
import { REPO_ROOT } from '../../../harness/paths.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { Tensor } from '../../../src/index.js';
import { fixtureOf, smallCase } from './builders.js';

describe('regenerateFixture (no Python)', () => {
  const stored = fixtureOf(smallCase());
  const provenance = (torch: string) => ({
    ...stored.provenance,
    recorded_at: '2030-01-01T00:00:00.000Z',
    worker: { ...stored.provenance.worker, torch_version: torch },
  });

  it('leaves a fixture alone when only recorded_at and the TS answer would change', () => {
    const tsNow = { ...stored.tsAtRecord, warnings: ['a new TS warning'] };
    expect(regenerateFixture(stored, { outcome: stored.expected, shadow: null }, { tsAtRecord: tsNow, provenance: provenance('2.13.0') })).toBeNull();
  });

  it('rewrites a fixture whose expectation moved, and says what moved', () => {
    const moved = { ...stored.expected, warnings: ['torch now warns'] };
    const regeneration = regenerateFixture(
      stored,
      { outcome: moved, shadow: null },
      { tsAtRecord: stored.tsAtRecord, provenance: provenance('2.13.0') },
    );
    expect(regeneration?.changes).toEqual(['expected']);
    expect(regeneration?.fixture.expected).toBe(moved);
  });

  it('rewrites the provenance when another torch gives the same numbers', () => {
    const regeneration = regenerateFixture(
      stored,
      { outcome: stored.expected, shadow: null },
      { tsAtRecord: stored.tsAtRecord, provenance: provenance('2.14.0') },
    );
    expect(regeneration?.changes).toEqual(['torch 2.13.0 → 2.14.0']);
  });

  it('spells interpreters without machine paths', () => {
    expect(portableExecutable(path.join(REPO_ROOT, 'python', '.venv', 'bin', 'python'))).toBe('python/.venv/bin/python');
    expect(portableExecutable('/usr/local/bin/python3.11')).toBe('python3.11');
  });

  it('takes --dry-run on regen only', () => {
    const parsed = parseGoldenCli(['regen', '--dry-run']);
    expect(parsed.kind === 'run' && parsed.run.options.dryRun).toBe(true);
    expect(parseGoldenCli(['drift', '--dry-run']).kind).toBe('exit');
  });
});

describe('pnpm golden:regen against the pinned torch (live)', () => {
  let golden = '';
  let out = '';
  let store: GoldenStore;
  let recorded: Fixture[] = [];

  const snapshot = (): Record<string, string> =>
    Object.fromEntries(
      readdirSync(golden, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => {
          const file = path.join(entry.parentPath, entry.name);
          return [path.relative(golden, file), readFileSync(file, 'utf8')];
        }),
    );
  const regen = async (dryRun: boolean): Promise<{ code: number; log: string[] }> => {
    const log: string[] = [];
    // env: {} so the refusal meant for real test runs (VITEST) does not apply to this sandboxed store.
    const code = await goldenRegen({ golden, out, env: {}, dryRun, log: (line) => log.push(line) });
    return { code, log };
  };

  beforeAll(async () => {
    golden = mkdtempSync(path.join(tmpdir(), 'rnn-parity-regen-golden-'));
    out = mkdtempSync(path.join(tmpdir(), 'rnn-parity-regen-out-'));
    store = new GoldenStore(new DirectoryBackend(golden));
    const bridge = await TorchBridge.start();
    try {
      recorded = await recordFixtures(bridge, [
        { case: smallCase(), summary: 'small float32 case', origin: 'baseline' },
        { case: smallCase({ kwargs: { input_size: 2, hidden_size: 3, nonlinearity: 'relu' } }), summary: 'small relu case', origin: 'baseline' },
      ]);
    } finally {
      await bridge.stop();
    }
    for (const fixture of recorded) store.save(fixture);
  });

  afterAll(() => {
    rmSync(golden, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('writes provenance with no machine path', () => {
    for (const [file, text] of Object.entries(snapshot())) {
      expect(text, file).not.toContain(REPO_ROOT);
      expect(text, file).not.toContain(homedir());
      expect((JSON.parse(text) as { provenance: { worker: { python_executable: string } } }).provenance.worker.python_executable, file).not.toMatch(
        /^\//,
      );
    }
  });

  it('with the same torch changes no file', async () => {
    const before = snapshot();
    const { code, log } = await regen(false);
    expect(code).toBe(0);
    expect(log.at(-1)).toMatch(/^golden:regen: 0 fixtures rewritten from torch \S+, 2 unchanged, 0 kept/);
    expect(snapshot()).toEqual(before);
  });

  it('--dry-run names the fixture whose expectation moved and writes nothing; then regen rewrites only that one', async () => {
    // Arrange: one stored expectation no longer what torch says.
    const [moved, untouched] = recorded as [Fixture, Fixture];
    const output = moved.expected.tensors.output!;
    const tampered = Tensor.fromFlat(
      Array.from(output.data, (v, i) => (i === 0 ? v + 1 : v)),
      output.shape,
      output.dtype,
    );
    store.save({ ...moved, expected: { ...moved.expected, tensors: { ...moved.expected.tensors, output: tampered } } });
    const before = snapshot();

    const dry = await regen(true);
    expect(dry.log).toContainEqual(expect.stringMatching(new RegExp(`^  would rewrite ${moved.id} \\(expected\\)`)));
    expect(dry.log.at(-1)).toMatch(/1 fixtures would be rewritten \(dry run: no file written\)/);
    expect(snapshot()).toEqual(before);

    const real = await regen(false);
    expect(real.code).toBe(0);
    const after = snapshot();
    const changed = Object.keys(after).filter((file) => after[file] !== before[file]);
    expect(changed.map((file) => path.basename(file, '.json'))).toEqual([moved.id]);
    expect(store.fetch(moved.id)!.expected.tensors.output!.data).toEqual(output.data);
    expect(after[Object.keys(after).find((f) => f.includes(untouched.id))!]).toBe(before[Object.keys(before).find((f) => f.includes(untouched.id))!]);
  });
});
