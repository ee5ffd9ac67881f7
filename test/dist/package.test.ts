// What users install: the packed tarball, installed offline into fresh ESM, CommonJS and TypeScript
// (node16 from ESM and from CJS, bundler) projects, each running the README's example. All of them
// must print the same numbers as the example run against src/ directly.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT, ROOT, asCommonJs, readmeExample } from './readme-example.js';

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Consumer {
  readonly name: string;
  readonly type: 'module' | 'commonjs';
  readonly file: string;
  readonly source: (example: string) => string;
  /** compilerOptions for a TypeScript project; plain JavaScript when absent. */
  readonly tsconfig?: Record<string, unknown>;
}

// DOM only for the example's console.log; no @types/node, as in a browser project.
const TS_COMMON = { strict: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false, outDir: 'out', rootDir: '.' };

const CONSUMERS: readonly Consumer[] = [
  { name: 'esm (JavaScript)', type: 'module', file: 'index.mjs', source: (ex) => ex },
  { name: 'cjs (JavaScript)', type: 'commonjs', file: 'index.cjs', source: asCommonJs },
  {
    name: 'TypeScript node16, ESM project',
    type: 'module',
    file: 'index.ts',
    source: (ex) => ex,
    tsconfig: { ...TS_COMMON, module: 'Node16', moduleResolution: 'Node16' },
  },
  {
    name: 'TypeScript node16, CommonJS project',
    type: 'commonjs',
    file: 'index.ts',
    source: (ex) => ex,
    tsconfig: { ...TS_COMMON, module: 'Node16', moduleResolution: 'Node16' },
  },
  {
    name: 'TypeScript bundler resolution',
    type: 'module',
    file: 'index.ts',
    source: (ex) => ex,
    tsconfig: { ...TS_COMMON, module: 'ESNext', moduleResolution: 'Bundler' },
  },
];

let workDir = '';
let fromSrc = '';

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'rnn-parity-consumers-'));
  execFileSync('npm', ['pack', '--pack-destination', workDir, '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(workDir).find((f) => f.endsWith('.tgz'))!;
  // One offline install at the top; each consumer project below resolves 'rnn-parity' from it, as
  // Node and TypeScript walk up to the nearest node_modules. The package has no dependencies, so
  // --offline must succeed: a runtime dependency added by mistake fails here.
  writeFileSync(path.join(workDir, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', `./${tarball}`], { cwd: workDir, stdio: 'pipe' });

  // The same example against src/, for the numbers every consumer must reproduce.
  const srcRun = path.join(workDir, 'from-src.ts');
  const srcIndex = JSON.stringify(path.join(ROOT, 'src', 'index.ts'));
  writeFileSync(srcRun, readmeExample().replace("from 'rnn-parity';", `from ${srcIndex};`) + REPORT);
  fromSrc = execFileSync(TSX, [srcRun], { cwd: workDir }).toString();
}, 240_000);

afterAll(() => {
  if (workDir !== '') rmSync(workDir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('the example against src/ prints its numbers', () => {
    const report = JSON.parse(fromSrc) as Record<string, unknown>;
    expect((report.output as number[]).length).toBe(12);
    expect((report.hN as number[]).length).toBe(12);
  });

  it('ships the PyTorch export helper and the licence beside the library', () => {
    const installed = path.join(workDir, 'node_modules', 'rnn-parity');
    for (const file of ['python/export_rnn.py', 'LICENSE', 'README.md', 'dist/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json']) {
      expect(existsSync(path.join(installed, file)), file).toBe(true);
    }
  });

  it.each(CONSUMERS)('$name installs it and runs the README example with the same numbers', (consumer) => {
    const dir = path.join(workDir, consumer.name.replace(/\W+/g, '-'));
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, type: consumer.type }));
    writeFileSync(path.join(dir, consumer.file), consumer.source(readmeExample()) + REPORT);
    let entry = path.join(dir, consumer.file);
    if (consumer.tsconfig !== undefined) {
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: consumer.tsconfig, files: [consumer.file] }));
      // A type error (types not found, TS1479 from a CommonJS project, ...) fails here with tsc's output.
      try {
        execFileSync(process.execPath, [TSC, '-p', dir], { cwd: dir, stdio: 'pipe' });
      } catch (e) {
        throw new Error(`tsc failed for ${consumer.name}:\n${(e as { stdout?: Buffer }).stdout?.toString() ?? String(e)}`);
      }
      entry = path.join(dir, 'out', 'index.js');
    }
    const printed = execFileSync(process.execPath, [entry], { cwd: dir }).toString();
    expect(JSON.parse(printed)).toEqual(JSON.parse(fromSrc));
  });
});
