// Python discovery: RNN_PARITY_PYTHON first, then python/.venv, else an error that says how to fix it.
import { describe, expect, it } from 'vitest';
import { PythonNotFoundError, resolvePython, VENV_PYTHON } from '../../../harness/worker/python-env.js';

describe('resolvePython', () => {
  it('prefers RNN_PARITY_PYTHON over the venv', () => {
    expect(resolvePython({ RNN_PARITY_PYTHON: process.execPath })).toEqual({ path: process.execPath, source: 'env' });
  });

  it('falls back to python/.venv', () => {
    expect(resolvePython({})).toEqual({ path: VENV_PYTHON, source: 'venv' });
  });

  it('names the missing interpreter and the fix', () => {
    expect(() => resolvePython({ RNN_PARITY_PYTHON: '/nonexistent/python' })).toThrow(PythonNotFoundError);
    expect(() => resolvePython({ RNN_PARITY_PYTHON: '/nonexistent/python' })).toThrow(
      'RNN_PARITY_PYTHON=/nonexistent/python does not exist. Run `pnpm setup:python` (creates or repairs python/.venv with the pinned torch), or set RNN_PARITY_PYTHON to a python that has torch.',
    );
  });
});
