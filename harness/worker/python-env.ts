// Python discovery for the torch worker: RNN_PARITY_PYTHON → python/.venv → an error that says how to fix it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';

/** `python/`: the worker, its requirements and its virtual environment. */
export const PYTHON_DIR = path.join(REPO_ROOT, 'python');

/** `python/.venv`, created by `pnpm setup:python`. */
export const VENV_DIR = path.join(PYTHON_DIR, '.venv');

/** The interpreter inside {@link VENV_DIR}. */
export const VENV_PYTHON = path.join(VENV_DIR, 'bin', 'python');

/** The worker script the bridge runs. */
export const WORKER_SCRIPT = path.join(PYTHON_DIR, 'worker.py');

/** The pinned requirements the setup step installs. */
export const REQUIREMENTS_FILE = path.join(PYTHON_DIR, 'requirements.txt');

/** Environment variable naming an explicit interpreter; it wins over the venv. */
export const PYTHON_ENV_VAR = 'RNN_PARITY_PYTHON';

/** The one-line fix printed in every discovery and missing-torch error. */
export const SETUP_HINT =
  'Run `pnpm setup:python` (creates or repairs python/.venv with the pinned torch), or set RNN_PARITY_PYTHON to a python that has torch.';

/**
 * The fix for a worker interpreter that cannot import torch: `pnpm setup:python` repairs the venv
 * (it checks that torch really imports at the pinned version); an explicit RNN_PARITY_PYTHON needs
 * torch installed into it, or to be unset.
 */
export function setupHintFor(python: string, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[PYTHON_ENV_VAR];
  if (explicit === undefined || explicit === '' || path.resolve(python) === VENV_PYTHON) return SETUP_HINT;
  const pin = /^torch\s*==\s*(\S+)/m.exec(readFileSync(REQUIREMENTS_FILE, 'utf8'))?.[1];
  return `Install the pinned torch into it (\`${python} -m pip install torch==${pin ?? '<version in python/requirements.txt>'}\`), or unset ${PYTHON_ENV_VAR} and run \`pnpm setup:python\`.`;
}

/** Where the worker's interpreter came from. */
export interface PythonLocation {
  readonly path: string;
  readonly source: 'env' | 'venv';
}

/** No usable interpreter was found; the message says how to get one. */
export class PythonNotFoundError extends Error {
  override readonly name = 'PythonNotFoundError';
}

/**
 * Finds the interpreter for the worker: `$RNN_PARITY_PYTHON` if set, else `python/.venv/bin/python`.
 * Only existence is checked here; whether torch imports is reported by the worker's handshake.
 * @throws PythonNotFoundError when neither exists, with the command that fixes it.
 */
export function resolvePython(env: NodeJS.ProcessEnv = process.env): PythonLocation {
  const explicit = env[PYTHON_ENV_VAR];
  if (explicit !== undefined && explicit !== '') {
    if (!existsSync(explicit)) {
      throw new PythonNotFoundError(`${PYTHON_ENV_VAR}=${explicit} does not exist. ${SETUP_HINT}`);
    }
    return { path: explicit, source: 'env' };
  }
  if (existsSync(VENV_PYTHON)) return { path: VENV_PYTHON, source: 'venv' };
  throw new PythonNotFoundError(
    `No Python for the torch worker: ${PYTHON_ENV_VAR} is not set and ${path.relative(REPO_ROOT, VENV_PYTHON)} does not exist. ${SETUP_HINT}`,
  );
}
