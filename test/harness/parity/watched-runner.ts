// A CaseRunner that shows a test every batch before passing it on: which cases a campaign ran, in which order, and when.
import type { CaseRunner } from '../../../harness/parity/case-pool.js';
import type { ParityCase } from '../../../harness/parity/parity-case.js';

/** `runner`, with `onBatch` called on each batch of parity cases before it runs. */
export function watchedRunner(runner: CaseRunner, onBatch: (cases: readonly ParityCase[]) => void): CaseRunner {
  return {
    bridge: runner.bridge,
    factory: runner.factory,
    get restarts() {
      return runner.restarts;
    },
    get unanswered() {
      return runner.unanswered;
    },
    runApi: (cases) => runner.runApi(cases),
    run: (cases, roundingReference) => {
      onBatch(cases);
      return runner.run(cases, roundingReference);
    },
  };
}
