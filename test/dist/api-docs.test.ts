// The API reference (pnpm docs:api) builds from the doc comments without a warning: every public
// type it names is exported or deliberately internal, and every {@link} resolves (typedoc.json).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './readme-example.js';

it('typedoc documents the public surface with no warnings', () => {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  expect(result.stdout + result.stderr).not.toMatch(/\[warning\]|\[error\]/);
  expect(result.status).toBe(0);
});
