// ApiTarget: one public function (or group of them) of the library, drawn by campaigns and judged exactly by real torch.
import type fc from 'fast-check';
import type { Difference } from '../parity/difference.js';
import type { PyValue } from '../worker/protocol.js';
import type { ApiArgs } from './api-args.js';
import type { ApiResult } from './api-result.js';

/**
 * A parity target beside the RNN recurrence: fast-check draws `Args`, the library answers through
 * `runTs`, and the worker's function of the same `name` (python/api_targets.py) answers with torch's
 * own functions; the judge wants the two {@link ApiResult}s equal (harness/api/api-judge.ts).
 * `runTs` and `wireArgs` are methods (bivariant in `Args`), so targets of different argument types
 * share one registry.
 */
export interface ApiTarget<Args extends ApiArgs = ApiArgs> {
  /** torch's name for what is exercised, e.g. 'pad_packed_sequence'; also the worker's dispatch key. */
  readonly name: string;
  /** The runtime exports of src/index.ts the case exercises (the API coverage line counts them). */
  readonly exports: readonly string[];
  /** Relative weight among API targets when a campaign draws one. */
  readonly weight: number;
  readonly arbitrary: fc.Arbitrary<Args>;
  /** Calls the library. */
  runTs(args: Args): ApiResult;
  /** The JSON the worker's target receives (usually {@link encodeArgs} of `args`). */
  wireArgs(args: Args): PyValue;
  /**
   * Judges this target's answers when exact equality is too strict (float outputs computed through
   * other kernels: harness/api/api-close-judge.ts); judgeApi when absent.
   */
  judge?(ts: ApiResult, torch: ApiResult, args: Args): Difference[];
  /** A size for reports (e.g. elements involved); smaller after shrinking. */
  size?(args: Args): number;
}
