// The house layering rules (.dependency-cruiser.cjs) hold for the repository, and fail when a rule is broken.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/paths.js';

async function violations(baseDir: string, roots: string[]): Promise<string[]> {
  const config = await extractDepcruiseConfig(path.join(REPO_ROOT, '.dependency-cruiser.cjs'));
  const options = { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, baseDir };
  if (baseDir !== REPO_ROOT) delete options.tsConfig;
  const { output } = await cruise(roots, options);
  return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe('architecture', () => {
  it('has no import loop, no upward import between harness parts, and an isomorphic, self-contained src/', async () => {
    expect(await violations(REPO_ROOT, ['src', 'harness', 'bench', 'test'])).toEqual([]);
  }, 60_000);

  const planted = mkdtempSync(path.join(tmpdir(), 'architecture-'));
  afterAll(() => rmSync(planted, { recursive: true, force: true }));
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(path.join(planted, file)), { recursive: true });
    writeFileSync(path.join(planted, file), text);
  };

  it('fails on a planted loop, an upward import, a Node built-in in src/ and src/ importing the harness', async () => {
    write('src/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
    write('src/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
    write('src/io.ts', "import { readFileSync } from 'node:fs';\nexport const io = readFileSync;\n");
    write('src/leak.ts', "import { job } from '../harness/worker/job.js';\nexport const leak = job;\n");
    write('harness/worker/job.ts', "import { judge } from '../parity/judge.js';\nexport const job = judge;\n");
    write('harness/parity/judge.ts', 'export const judge = 1;\n');
    const found = await violations(planted, ['src', 'harness']);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^no-circular: src\/(a|b)\.ts/),
        'src-is-isomorphic: src/io.ts → fs',
        'src-imports-only-src: src/leak.ts → harness/worker/job.ts',
        'no-upward-import-from-worker: harness/worker/job.ts → harness/parity/judge.ts',
      ]),
    );
  }, 60_000);
});
