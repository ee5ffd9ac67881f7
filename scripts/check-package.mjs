// pnpm check:package: build, pack the tarball users get, and lint it the way consumers resolve it:
// @arethetypeswrong/cli (types for node10, node16 from ESM and CJS, bundler) and publint (exports
// map, files, fields). Exits non-zero on any problem either reports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (file, args) => execFileSync(file, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, [path.join(root, 'scripts', 'build.mjs')]);
const packDir = mkdtempSync(path.join(tmpdir(), 'rnn-parity-pack-'));
try {
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = path.join(
    packDir,
    readdirSync(packDir).find((f) => f.endsWith('.tgz')),
  );
  run(bin('attw'), [tarball, '--format', 'table-flipped']);
  run(bin('publint'), ['run', tarball, '--strict']);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
