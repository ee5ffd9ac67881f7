// zx setup step: python/.venv with the pinned torch (or RNN_PARITY_TORCH_SPEC), a fast no-op once its stamp matches.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { REPO_ROOT, REQUIREMENTS_FILE, VENV_DIR, VENV_PYTHON } from './python-env.js';

/** Environment variable that swaps the torch requirement for another pinned spec (`torch==2.14.1`). */
export const TORCH_SPEC_ENV_VAR = 'RNN_PARITY_TORCH_SPEC';

/** The stamp inside the venv: a hash of everything installed, so a repeated setup can skip pip. */
export const STAMP_FILE = path.join(VENV_DIR, '.rnn-parity-stamp');

// Bump when the install procedure changes in a way an existing venv does not reflect.
const STAMP_FORMAT = 1;

const PINNED_TORCH = /^torch\s*==\s*([0-9][0-9A-Za-z.!+_-]*)$/;

/** A torch requirement pinned to one version. */
export interface TorchPin {
  /** The spec as pip receives it, e.g. `torch==2.13.0`. */
  readonly spec: string;
  /** The pinned version, e.g. `2.13.0` (a local label such as `+cpu` is kept if given). */
  readonly version: string;
}

/**
 * Accepts only `torch==<version>`: an unpinned or ranged torch would pull a multi-GB CUDA build.
 * @throws Error naming the offending spec and the accepted form.
 */
export function parseTorchPin(spec: string, origin: string): TorchPin {
  const match = PINNED_TORCH.exec(spec.trim());
  if (match === null || match[1]!.includes('*')) {
    throw new Error(
      `${origin} gives ${JSON.stringify(spec)}, which is not a pinned torch requirement. ` +
        'Use an exact pin such as `torch==2.13.0`: an unpinned torch resolves to a multi-GB CUDA build.',
    );
  }
  return { spec: `torch==${match[1]!}`, version: match[1]! };
}

/** Requirement lines of a requirements file, comments and blanks removed. */
export function requirementLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

function isTorchLine(line: string): boolean {
  return /^torch(?![A-Za-z0-9_.-])/.test(line);
}

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
  const stamp = createHash('sha256').update(JSON.stringify({ format: STAMP_FORMAT, requirements })).digest('hex');
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
}

/**
 * Creates python/.venv with `python3 -m venv` and pip-installs the plan, then checks that the
 * installed torch reports the pinned version and writes the stamp. Returns at once when the stamp
 * already matches, so `pnpm test` can call it every time.
 * @throws Error for an unpinned torch spec, a failed venv/pip step, or a torch version mismatch.
 */
export async function setupPython(options: SetupOptions = {}): Promise<SetupResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(line));
  const plan = installPlan(readFileSync(REQUIREMENTS_FILE, 'utf8'), env);
  if (existsSync(VENV_PYTHON) && existsSync(STAMP_FILE) && readFileSync(STAMP_FILE, 'utf8').trim() === plan.stamp) {
    return { python: VENV_PYTHON, torch: plan.torch, changed: false };
  }
  const venv = path.relative(REPO_ROOT, VENV_DIR);
  const sh = $({ cwd: REPO_ROOT, quiet: true, verbose: false, env: { ...process.env, ...env } });
  if (!existsSync(VENV_PYTHON)) {
    log(`setup:python: creating ${venv}`);
    await sh`${options.basePython ?? 'python3'} -m venv ${VENV_DIR}`;
  }
  // A half-finished install must not look finished if pip is interrupted.
  rmSync(STAMP_FILE, { force: true });
  log(`setup:python: installing ${plan.requirements.join(' ')} into ${venv}`);
  await $({ cwd: REPO_ROOT, stdio: 'inherit', verbose: false, env: { ...process.env, ...env } })`${VENV_PYTHON} -m pip install --disable-pip-version-check -q ${plan.requirements}`;
  const reported = (await sh`${VENV_PYTHON} -c ${'import torch, sys; sys.stdout.write(torch.__version__)'}`).stdout.trim();
  const expected = plan.torch.version;
  const matches = expected.includes('+') ? reported === expected : reported.split('+')[0] === expected;
  if (!matches) {
    throw new Error(`setup:python: ${venv} reports torch ${reported}, but ${plan.torch.spec} was requested`);
  }
  writeFileSync(STAMP_FILE, `${plan.stamp}\n`);
  log(`setup:python: ${venv} ready with torch ${reported}`);
  return { python: VENV_PYTHON, torch: plan.torch, changed: true };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  setupPython().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
