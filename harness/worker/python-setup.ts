// zx setup step: python/.venv with the pinned torch (or RNN_PARITY_TORCH_SPEC), a fast no-op once its stamp matches.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { REPO_ROOT } from '../paths.js';
import { REQUIREMENTS_FILE, VENV_DIR, VENV_PYTHON } from './python-env.js';
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
