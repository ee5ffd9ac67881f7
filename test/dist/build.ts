// globalSetup of the 'dist' suite: builds dist/ (ESM + CommonJS) once, before the tests that use
// what we ship (the packed tarball, the browser bundle), so they never race on a half-written dist/.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default function setup(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}
