// The interpreter the benchmarks time torch with; on a fresh clone, one line that says what to run first.
import { PythonNotFoundError, resolvePython } from '../harness/worker/python-env.js';

/** The worker's interpreter, or exit 1 with one line naming the fix (no stack) when there is none yet. */
export function pythonOrExit(script: string): string {
  try {
    return resolvePython().path;
  } catch (error) {
    if (!(error instanceof PythonNotFoundError)) throw error;
    console.error(`${script} needs torch: ${error.message}`);
    process.exit(1);
  }
}
