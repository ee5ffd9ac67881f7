// Every pnpm script works on a fresh clone as the first command after `pnpm install`, or says in one
// line what to run first. A new script must be classified here, so nobody adds one that fails with
// a bare stack before python/.venv exists.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/paths.js';

const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** How each script copes without python/.venv. */
const FRESH_CLONE: Record<string, 'needs no torch' | 'sets up torch itself' | 'one line: run pnpm setup:python'> = {
  build: 'needs no torch',
  prepublishOnly: 'needs no torch',
  typecheck: 'needs no torch',
  'test:unit': 'needs no torch',
  lint: 'needs no torch',
  'lint:arch': 'needs no torch',
  'check:package': 'needs no torch',
  'docs:api': 'needs no torch',
  'report:schema': 'needs no torch',
  'setup:python': 'sets up torch itself',
  test: 'sets up torch itself',
  verify: 'sets up torch itself',
  parity: 'sets up torch itself',
  'parity:merge': 'needs no torch',
  replay: 'sets up torch itself',
  bench: 'one line: run pnpm setup:python',
  'golden:baseline': 'one line: run pnpm setup:python',
  'golden:drift': 'one line: run pnpm setup:python',
  'golden:regen': 'one line: run pnpm setup:python',
  'build:wasm': 'needs no torch',
  'bench:tanh': 'one line: run pnpm setup:python',
  'bench:pool': 'one line: run pnpm setup:python',
  'bench:shards': 'one line: run pnpm setup:python',
  'bench:family': 'one line: run pnpm setup:python',
  'audit:mutations': 'one line: run pnpm setup:python',
};

// The commands behind the "one line" scripts, run with an interpreter that does not exist: the same
// discovery failure as a clone without python/.venv, without touching the real venv.
const ONE_LINERS: Record<string, string[]> = {
  bench: ['bench/run.ts'],
  'bench:tanh': ['bench/tanh-parity.ts'],
  'bench:pool': ['bench/pool.ts'],
  'bench:shards': ['bench/shards.ts'],
  'bench:family': ['bench/family.ts'],
  'golden:drift': ['harness/golden-cli.ts', 'drift'],
  'audit:mutations': ['scripts/mutation-audit.ts'],
};

describe('pnpm scripts on a fresh clone', () => {
  it('every script in package.json is classified', () => {
    expect(Object.keys(scripts).sort()).toEqual(Object.keys(FRESH_CLONE).sort());
  });

  it("scripts that set torch up themselves run 'pnpm run setup:python' or call setupPython", () => {
    expect(scripts.test).toMatch(/^pnpm run setup:python && /);
    expect(readFileSync(path.join(REPO_ROOT, 'harness', 'cli.ts'), 'utf8')).toContain('await setupPython();');
  });

  it.each(Object.entries(ONE_LINERS))('%s without torch exits 1 with one line naming pnpm setup:python', (_, args) => {
    const result = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), args, {
      cwd: REPO_ROOT,
      env: { ...process.env, RNN_PARITY_PYTHON: path.join(REPO_ROOT, 'no-such-dir', 'python') },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('pnpm setup:python');
  });
});
