// Synthetic parity-report.json documents of shards, for the merge and workflow tests.
import type { ParityReportDoc } from '../../harness/explore/report-schema.js';

type Largest = ParityReportDoc['largestErrors'];

function largest(maxAbs: number, maxUlps: number, tensor: string): Largest {
  const slot = { maxAbs, maxRel: maxAbs / 2, maxUlps, tensor };
  const zero = { maxAbs: 0, maxRel: 0, maxUlps: 0, tensor: '' };
  return { float32: { forward: slot, gradient: zero, exact: zero }, float64: { forward: zero, gradient: zero, exact: zero } };
}

/** A shard's report with `cases` explored, of which `unanswered` got no answer; the rest varies by `tag`. */
export function shardDoc(index: number, count: number, cases: number, unanswered: number, tag: 'a' | 'b' | 'c'): ParityReportDoc {
  const pair = () => ({ ulps: {}, rel: {} });
  const status = unanswered > 0 ? 'INCOMPLETE' : 'PASS';
  return {
    schema_version: 1,
    status,
    passed: status === 'PASS',
    seed: 42,
    shard: { index, count },
    casesExplored: cases,
    casesInShrinking: 0,
    accounting: {
      exploration: { cases, compared: cases - unanswered, unanswered },
      shrinking: { cases: 0, compared: 0, unanswered: 0 },
      quarantined: 0,
    },
    worker: { restarts: unanswered, unanswered: { 'worker-crash': unanswered, timeout: 0, 'protocol-error': 0, 'worker-fault': 0 } },
    batches: index,
    elapsedMs: 1000 * index,
    casesPerSecond: cases / index,
    minCases: 1,
    fastCheck: null,
    coverage: {
      validCases: cases - unanswered - 1,
      errorCases: 1,
      values: { dtype: tag === 'a' ? { float32: cases - unanswered - 1, float64: 0 } : { float32: 1, float64: cases - unanswered - 2 } },
      valuesCovered: tag === 'a' ? 1 : 2,
      valuesTotal: 2,
      pairsCovered: tag === 'a' ? 1 : 2,
      pairsTotal: 3,
      missingPairs: tag === 'a' ? ['p2', 'p3'] : ['p3'],
      errorCategories: { [tag === 'a' ? 'hidden_size' : 'input_size']: 1 },
      api: { targets: { pad_packed_sequence: index }, exports: { RNN: cases - unanswered, padPackedSequence: index } },
    },
    largestErrors: largest(index * 1e-7, index, `output.${tag}`),
    largestErrorsAll: largest(index * 1e-6, 10 * index, `h_n.${tag}`),
    differences: {
      float32: { forward: { ulps: { zero: cases, '1': index }, rel: { zero: cases } }, gradient: pair(), exact: pair() },
      float64: { forward: pair(), gradient: pair(), exact: pair() },
    },
    judged: { budget: cases - 2, shadow: 1, sensitivity: 0 },
    exactDropout: true,
    problems: [],
    torch: {
      torch_version: '2.13.0',
      python_version: '3.11.9',
      blas_info: null,
      num_threads: 1,
      cpu_capability: 'AVX2',
      cpu_model: 'test',
      init_fingerprint: { model: 'fused' },
      dropout_model: 'mt19937-bernoulli',
    },
    failures: [],
    unanswered: Array.from({ length: unanswered }, () => ({
      status: 'worker-crash' as const,
      phase: 'exploration' as const,
      error: `crash in shard ${index}`,
      quarantined_by: null,
      kwargs: { input_size: 1, hidden_size: 1 },
      dtype: 'float32' as const,
    })),
    fixtures: [],
    quarantine: Array.from({ length: unanswered }, (_, i) => `golden/quarantine/${i.toString(16).padStart(16, '0')}.json`),
  };
}
