// Which hardware answered: CPU model, ATen capability and MKL_CBWR, and whether two answers can be expected bit-identical.
import type { WorkerDoc } from '../golden/fixture-schema.js';

/** The hardware facts of a worker, as one line: `AMD EPYC, AVX2, MKL_CBWR=COMPATIBLE`. */
export function hardwareOf(worker: WorkerDoc): string {
  const cbwr = worker.mkl_cbwr === undefined ? 'MKL_CBWR not recorded' : `MKL_CBWR=${worker.mkl_cbwr ?? 'unset'}`;
  return `${worker.cpu_model ?? 'CPU not recorded'}, ${worker.cpu_capability}, ${cbwr}`;
}

/**
 * Same torch build (version and git commit): any difference in answers is then not torch's. The
 * config digest is no test: torch's config summary names the CPU capability it runs with.
 */
export function sameTorchBuild(a: WorkerDoc, b: WorkerDoc): boolean {
  return a.torch_version === b.torch_version && a.torch_git_version === b.torch_git_version;
}

/** Same recorded hardware facts; unknown (fixtures older than issue 12) never counts as the same. */
export function sameHardware(a: WorkerDoc, b: WorkerDoc): boolean {
  return (
    a.cpu_model !== undefined && a.cpu_model === b.cpu_model && a.cpu_capability === b.cpu_capability && (a.mkl_cbwr ?? null) === (b.mkl_cbwr ?? null)
  );
}

/**
 * Whether the replaying worker must reproduce a recorded answer bit for bit: the same torch build and
 * thread count, the same ATen CPU capability (its vector kernels: tanh, reductions) and the same
 * MKL_CBWR, and either the same CPU model or MKL pinned to COMPATIBLE, the one branch MKL promises
 * gives the same results on every x86-64 CPU (see Note [MKL reproducibility] in python/worker.py).
 * Otherwise the tolerances of harness/compare.ts judge.
 */
export function bitIdentityExpected(recorded: WorkerDoc, replayed: WorkerDoc): boolean {
  if (!sameTorchBuild(recorded, replayed) || recorded.num_threads !== replayed.num_threads) return false;
  if (
    recorded.cpu_capability !== replayed.cpu_capability ||
    recorded.mkl_cbwr === undefined ||
    (recorded.mkl_cbwr ?? null) !== (replayed.mkl_cbwr ?? null)
  )
    return false;
  return sameHardware(recorded, replayed) || recorded.mkl_cbwr === 'COMPATIBLE';
}

/**
 * A line for drift reports when the hardware, not torch, is the likely cause of moved values: the
 * recording and replaying workers ran the same torch build on different (or unrecorded) hardware.
 * Null when the hardware is the same for every recording.
 */
export function hardwareNote(recorded: readonly WorkerDoc[], replayed: WorkerDoc): string | null {
  const other = recorded.filter((w) => !sameHardware(w, replayed));
  if (other.length === 0) return null;
  const from = [...new Set(other.map(hardwareOf))].join('; ');
  const sameBuild = other.every((w) => sameTorchBuild(w, replayed));
  return sameBuild
    ? `Same torch build on other hardware (recorded on ${from}; replayed on ${hardwareOf(replayed)}): values that moved are most likely the hardware (MKL and ATen pick code paths per CPU), not torch.`
    : `The hardware differs too (recorded on ${from}; replayed on ${hardwareOf(replayed)}): part of what moved may be the hardware rather than torch.`;
}
