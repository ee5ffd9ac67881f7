// The setup step's plan (pins, override, stamp) and its no-op on an up-to-date venv.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUIREMENTS_FILE, VENV_PYTHON, setupHintFor } from '../../../harness/worker/python-env.js';
import { installPlan, setupPython } from '../../../harness/worker/python-setup.js';
import { parseTorchPin } from '../../../harness/worker/torch-pin.js';

const REQUIREMENTS = '# comment\ntorch==2.13.0  # the pin\n\n';

describe('installPlan', () => {
  it('installs the torch line of requirements.txt when no override is set', () => {
    const plan = installPlan(REQUIREMENTS, {});

    expect(plan.requirements).toEqual(['torch==2.13.0']);
    expect(plan.torch.version).toBe('2.13.0');
  });

  it('replaces the torch line with RNN_PARITY_TORCH_SPEC and changes the stamp', () => {
    const plain = installPlan(REQUIREMENTS, {});
    const nightly = installPlan(REQUIREMENTS, { RNN_PARITY_TORCH_SPEC: 'torch==2.14.1' });

    expect(nightly.requirements).toEqual(['torch==2.14.1']);
    expect(nightly.stamp).not.toBe(plain.stamp);
  });

  it.each(['torch', 'torch>=2.13', 'torch~=2.13.0', 'torch==2.*', 'numpy==2.0.0'])('refuses the unpinned spec %s', (spec) => {
    expect(() => installPlan(REQUIREMENTS, { RNN_PARITY_TORCH_SPEC: spec })).toThrow(
      `RNN_PARITY_TORCH_SPEC gives ${JSON.stringify(spec)}, which is not a pinned torch requirement. ` +
        'Use an exact pin such as `torch==2.13.0`: an unpinned torch resolves to a multi-GB CUDA build.',
    );
  });

  it('refuses a requirements file without exactly one torch line', () => {
    expect(() => installPlan('numpy==2.0.0\n', {})).toThrow('python/requirements.txt must name torch exactly once, found 0 torch lines');
  });

  it.each([{}, { RNN_PARITY_TORCH_SPEC: 'torch==2.14.1' }])('installs the pinned safetensors the file-format targets judge with (env %j)', (env) => {
    const plan = installPlan(readFileSync(REQUIREMENTS_FILE, 'utf8'), env);

    expect(plan.requirements).toContain('safetensors==0.8.0');
    expect(plan.requirements.filter((line) => line.startsWith('torch'))).toEqual([env.RNN_PARITY_TORCH_SPEC ?? 'torch==2.13.0']);
  });

  it('keeps a local version label in the pin', () => {
    expect(parseTorchPin('torch == 2.13.0+cpu', 'test')).toEqual({ spec: 'torch==2.13.0+cpu', version: '2.13.0+cpu' });
  });
});

describe('setupPython', () => {
  it('does nothing when the venv stamp matches the plan', async () => {
    await setupPython({ log: () => {} });
    const start = performance.now();

    const result = await setupPython({ log: () => {} });

    expect(result.changed).toBe(false);
    expect(performance.now() - start).toBeLessThan(200);
  });
});

// A stand-in interpreter (a shell script), so setup's decisions are tested without pip or network
// and without touching python/.venv: its "pip install" lays out torch 2.13.0 in site-packages, after
// which it reports that version, and `-m venv DIR` creates DIR/bin/python as another such script.
const FAKE_PYTHON = `#!/bin/sh
here=$(cd "$(dirname "$0")/.." && pwd)
case "$*" in
  "-m venv "*) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0 ;;
  *"-m pip install"*) mkdir -p "$here/lib/python3.11/site-packages/torch" "$here/lib/python3.11/site-packages/torch-2.13.0.dist-info"
    touch "$here/lib/python3.11/site-packages/torch/__init__.py" "$here/installed"; exit 0 ;;
esac
if [ -f "$here/installed" ]; then printf 2.13.0; fi
exit 0
`;

function fakePython(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, FAKE_PYTHON);
  chmodSync(file, 0o755);
  return file;
}

describe('setupPython on a venv that lies or is broken', () => {
  const roots: string[] = [];
  const tempRoot = (): string => {
    const root = mkdtempSync(path.join(tmpdir(), 'setup-python-'));
    roots.push(root);
    return root;
  };
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
  const plan = installPlan(readFileSync(REQUIREMENTS_FILE, 'utf8'), {});

  it('reinstalls when the stamp matches but torch is missing, instead of doing nothing', async () => {
    const venvDir = path.join(tempRoot(), '.venv');
    fakePython(path.join(venvDir, 'bin', 'python'));
    writeFileSync(path.join(venvDir, '.rnn-parity-stamp'), `${plan.stamp}\n`);
    const log: string[] = [];

    const result = await setupPython({ venvDir, env: {}, log: (line) => log.push(line) });

    expect(result.changed).toBe(true);
    expect(existsSync(path.join(venvDir, 'installed'))).toBe(true);
    expect(log[0]).toMatch(/has a matching stamp but no torch; reinstalling torch==2\.13\.0$/);
    expect((await setupPython({ venvDir, env: {}, log: () => {} })).changed).toBe(false);
  });

  it('replaces a dangling python/.venv symlink with a fresh venv, not [Errno 17] File exists', async () => {
    const root = tempRoot();
    const venvDir = path.join(root, '.venv');
    symlinkSync(path.join(root, 'gone', '.venv'), venvDir);
    const basePython = fakePython(path.join(root, 'base', 'bin', 'python'));
    const log: string[] = [];

    const result = await setupPython({ venvDir, env: {}, basePython, log: (line) => log.push(line) });

    expect(result.changed).toBe(true);
    expect(lstatSync(venvDir).isSymbolicLink()).toBe(false);
    expect(log[0]).toBe(`setup:python: ${venvDir} is a symlink to a missing directory; removing it and creating a fresh venv`);
  });

  it('names the fix when python/.venv is a file', async () => {
    const venvDir = path.join(tempRoot(), '.venv');
    writeFileSync(venvDir, 'not a venv');

    await expect(setupPython({ venvDir, env: {}, log: () => {} })).rejects.toThrow(
      `setup:python: ${venvDir} exists and is not a directory. Remove it (\`rm -rf ${venvDir}\`) and run \`pnpm setup:python\` again.`,
    );
  });
});

describe('setupHintFor', () => {
  it('sends the venv to pnpm setup:python, which repairs it', () => {
    expect(setupHintFor(VENV_PYTHON, {})).toBe(
      'Run `pnpm setup:python` (creates or repairs python/.venv with the pinned torch), or set RNN_PARITY_PYTHON to a python that has torch.',
    );
  });

  it('tells an explicit RNN_PARITY_PYTHON how to get the pinned torch', () => {
    expect(setupHintFor('/opt/py/bin/python', { RNN_PARITY_PYTHON: '/opt/py/bin/python' })).toBe(
      'Install the pinned torch into it (`/opt/py/bin/python -m pip install torch==2.13.0`), or unset RNN_PARITY_PYTHON and run `pnpm setup:python`.',
    );
  });
});
