// zx setup step: python/.venv with the pinned torch (or RNN_PARITY_TORCH_SPEC), a fast no-op once its stamp matches.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { REPO_ROOT } from '../paths.js';
import { REQUIREMENTS_FILE, VENV_DIR } from './python-env.js';
import { type TorchPin, isTorchLine, parseTorchPin, requirementLines } from './torch-pin.js';

/** Environment variable that swaps the torch requirement for another pinned spec (`torch==2.14.1`). */
export const TORCH_SPEC_ENV_VAR = 'RNN_PARITY_TORCH_SPEC';

/** The stamp inside the venv: a hash of everything installed, so a repeated setup can skip pip. */
export const STAMP_FILE = path.join(VENV_DIR, '.rnn-parity-stamp');

// Bump when the install procedure changes in a way an existing venv does not reflect.
const STAMP_FORMAT = 1;

/** What pip is asked to install: requirements.txt with its torch line replaced by the override, if any. */
export interface InstallPlan {
  readonly requirements: readonly string[];
  readonly torch: TorchPin;
  /** Hash of the plan; equal stamps mean the venv already holds it. */
  readonly stamp: string;
}

/**
 * Builds the install plan from the requirements text and the environment.
 * @throws Error when requirements.txt has no single pinned torch line or the override is unpinned.
 */
export function installPlan(requirementsText: string, env: NodeJS.ProcessEnv = process.env): InstallPlan {
  const lines = requirementLines(requirementsText);
  const torchLines = lines.filter(isTorchLine);
  if (torchLines.length !== 1) {
    throw new Error(`python/requirements.txt must name torch exactly once, found ${torchLines.length} torch lines`);
  }
  const fileTorch = parseTorchPin(torchLines[0]!, 'python/requirements.txt');
  const override = env[TORCH_SPEC_ENV_VAR]?.trim();
  const torch = override ? parseTorchPin(override, TORCH_SPEC_ENV_VAR) : fileTorch;
  const requirements = lines.map((line) => (isTorchLine(line) ? torch.spec : line));
  const stamp = createHash('sha256')
    .update(JSON.stringify({ format: STAMP_FORMAT, requirements }))
    .digest('hex');
  return { requirements, torch, stamp };
}

/** Outcome of {@link setupPython}. */
export interface SetupResult {
  readonly python: string;
  readonly torch: TorchPin;
  /** False when the stamp matched and nothing ran. */
  readonly changed: boolean;
}

/** Options of {@link setupPython}. */
export interface SetupOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Interpreter that creates the venv (default `python3`). */
  readonly basePython?: string;
  readonly log?: (line: string) => void;
  /** The venv to set up (default python/.venv); tests use a temporary one. */
  readonly venvDir?: string;
}

/** Why `venvDir` cannot be used as a venv path as it stands, or null; a dangling symlink is removed here. */
function prepareVenvPath(venvDir: string, log: (line: string) => void): string | null {
  let link: ReturnType<typeof lstatSync>;
  try {
    link = lstatSync(venvDir);
  } catch {
    return null;
  }
  if (link.isSymbolicLink()) {
    if (!existsSync(venvDir)) {
      // `python3 -m venv` on a dangling symlink fails with `[Errno 17] File exists`; the link points
      // nowhere, so nothing is lost by replacing it with a fresh venv.
      log(`setup:python: ${venvDir} is a symlink to a missing directory; removing it and creating a fresh venv`);
      rmSync(venvDir);
      return null;
    }
    if (!statSync(venvDir).isDirectory()) return `${venvDir} is a symlink to something that is not a directory`;
    return null;
  }
  return link.isDirectory() ? null : `${venvDir} exists and is not a directory`;
}

/**
 * The torch version installed in the venv, read from its site-packages without starting Python
 * (a millisecond, where `import torch` takes seconds): the version of the `torch-*.dist-info` whose
 * package directory `torch/__init__.py` is present too; null when there is none. This is what pip
 * uninstalling or replacing torch changes behind a matching stamp.
 */
function installedTorch(venvDir: string): string | null {
  const lib = path.join(venvDir, 'lib');
  let found: string | null = null;
  for (const python of safeList(lib).filter((name) => name.startsWith('python'))) {
    const sitePackages = path.join(lib, python, 'site-packages');
    if (!existsSync(path.join(sitePackages, 'torch', '__init__.py'))) continue;
    for (const entry of safeList(sitePackages)) {
      const match = /^torch-([^-]+)\.dist-info$/.exec(entry);
      if (match !== null) found = match[1]!;
    }
  }
  return found;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function versionMatches(reported: string, expected: string): boolean {
  return expected.includes('+') ? reported === expected : reported.split('+')[0] === expected;
}

/**
 * Creates python/.venv with `python3 -m venv` and pip-installs the plan, then checks that the
 * installed torch reports the pinned version and writes the stamp. Returns after one cheap probe
 * when the stamp matches and the venv really has the pinned torch, so `pnpm test` can call it every
 * time; reinstalls when the stamp matches but torch is missing or another version. A dangling
 * python/.venv symlink is replaced by a fresh venv.
 * @throws Error for an unpinned torch spec, a failed venv/pip step, or a torch version mismatch.
 */
export async function setupPython(options: SetupOptions = {}): Promise<SetupResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(line));
  const venvDir = options.venvDir ?? VENV_DIR;
  const venvPython = path.join(venvDir, 'bin', 'python');
  const stampFile = path.join(venvDir, path.basename(STAMP_FILE));
  const plan = installPlan(readFileSync(REQUIREMENTS_FILE, 'utf8'), env);
  const inRepo = !path.relative(REPO_ROOT, venvDir).startsWith('..');
  const venv = inRepo ? path.relative(REPO_ROOT, venvDir) : venvDir;
  if (existsSync(venvPython) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === plan.stamp) {
    // A matching stamp is a claim, not a proof: torch may have been uninstalled or replaced since.
    const installed = installedTorch(venvDir);
    if (installed !== null && versionMatches(installed, plan.torch.version)) {
      return { python: venvPython, torch: plan.torch, changed: false };
    }
    log(`setup:python: ${venv} has a matching stamp but ${installed === null ? 'no torch' : `torch ${installed}`}; reinstalling ${plan.torch.spec}`);
  }
  const unusable = prepareVenvPath(venvDir, log);
  if (unusable !== null) {
    throw new Error(`setup:python: ${unusable}. Remove it (\`rm -rf ${venv}\`) and run \`pnpm setup:python\` again.`);
  }
  const sh = $({ cwd: REPO_ROOT, quiet: true, verbose: false, env: { ...process.env, ...env } });
  if (!existsSync(venvPython)) {
    log(`setup:python: creating ${venv}`);
    await sh`${options.basePython ?? 'python3'} -m venv ${venvDir}`;
  }
  // A half-finished install must not look finished if pip is interrupted.
  rmSync(stampFile, { force: true });
  log(`setup:python: installing ${plan.requirements.join(' ')} into ${venv}`);
  await $({
    cwd: REPO_ROOT,
    stdio: 'inherit',
    verbose: false,
    env: { ...process.env, ...env },
  })`${venvPython} -m pip install --disable-pip-version-check -q ${plan.requirements}`;
  const reported = (await sh`${venvPython} -c ${'import torch, sys; sys.stdout.write(torch.__version__)'}`).stdout.trim();
  if (!versionMatches(reported, plan.torch.version)) {
    throw new Error(`setup:python: ${venv} reports torch ${reported}, but ${plan.torch.spec} was requested`);
  }
  writeFileSync(stampFile, `${plan.stamp}\n`);
  log(`setup:python: ${venv} ready with torch ${reported}`);
  return { python: venvPython, torch: plan.torch, changed: true };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  setupPython().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
