// The parity report's JSON shape, as a zod schema: the one definition that validates reports and emits docs/parity-report.schema.json.
import { z } from 'zod';

/** Bumped when a field is renamed, removed or changes meaning; adding a field keeps it. */
export const SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const dtype = z.enum(['float32', 'float64']);
const caseAccount = z.object({ cases: count, compared: count, unanswered: count });
const largest = z.object({ maxAbs: z.number(), maxRel: z.number(), maxUlps: z.number(), tensor: z.string() });
const largestByKind = z.object({ forward: largest, gradient: largest, exact: largest });
const largestErrors = z.object({ float32: largestByKind, float64: largestByKind });
const log2Counts = z
  .record(z.string().regex(/^(zero|inf|-?\d+)$/), count)
  .describe('counts by log2 bucket: "zero" for exactly 0, "k" for [2^k, 2^(k+1)), "inf" for non-finite');
const histogramPair = z.object({ ulps: log2Counts, rel: log2Counts });
const histogramsByKind = z.object({ forward: histogramPair, gradient: histogramPair, exact: histogramPair });

/** One element where TS and torch differ, decoded into torch's terms where the tensor allows (else null). */
export const divergencePoint = z.object({
  tensor: z.string(),
  where: z.string(),
  layer: count.nullable(),
  direction: z.enum(['forward', 'reverse']).nullable(),
  t: count.nullable(),
  batch: count.nullable(),
  unit: count.nullable(),
  ts: z.number().nullable().describe('null for NaN or ±Infinity'),
  torch: z.number().nullable().describe('null for NaN or ±Infinity'),
  ulps: z.number().nonnegative(),
});

/** An API case (harness/api/api-case.ts): its target and its args as the worker received them. */
const apiCase = z.object({ target: z.string(), args: z.unknown() });

const failure = z.object({
  report: z.array(z.string()).describe("the comparison's differences, one readable line each, then the localisation"),
  kwargs: z.record(z.string(), z.unknown()).describe('{} for an API case'),
  dtype: dtype.nullable().describe('null for an API case'),
  api: apiCase.optional().describe('present for an API case'),
  divergence: z.array(divergencePoint).describe('every differing element of the differing tensors (at most 400 per tensor, largest ULP first)'),
});

const caseSize = z.object({ layers: count, directions: count, hidden: count, inputSize: count, seqLen: count, batch: count });

/** The domain shrinker's account of the first failure (harness/explore/shrink-case.ts). */
const shrink = z.object({
  startedFrom: z.string().describe('"random exploration" or "corpus example <i>"'),
  casesToFind: count.describe('exploration cases run until the first failure, corpus examples included'),
  fastCheckShrinks: count,
  domainSteps: count,
  steps: z.array(z.string()).describe('the simplifications kept, in order'),
  tried: count,
  localMinimum: z.boolean().describe('true when every simpler candidate passed; false when the shrink time ran out'),
  initialSize: caseSize,
  finalSize: caseSize,
});

const unanswered = z.object({
  status: z.enum(['worker-crash', 'timeout', 'protocol-error', 'worker-fault']),
  phase: z.enum(['exploration', 'shrinking']),
  error: z.string(),
  quarantined_by: z.string().nullable(),
  kwargs: z.record(z.string(), z.unknown()).describe('{} for an API case'),
  dtype: dtype.nullable().describe('null for an API case'),
  api: apiCase.optional().describe('present for an API case'),
});

/** The shape of parity-report.json. */
export const parityReportSchema = z
  .object({
    schema_version: z.literal(SCHEMA_VERSION),
    status: z.enum(['PASS', 'FAIL', 'INCOMPLETE']),
    passed: z.boolean(),
    seed: z.number().int(),
    shard: z
      .object({ index: count.min(1), count: count.min(1) })
      .nullable()
      .optional()
      .describe("the part of the seed's case stream a `--shard i/n` run explored; null or absent for all of it (and in a merged report)"),
    casesExplored: count,
    casesInShrinking: count,
    accounting: z.object({ exploration: caseAccount, shrinking: caseAccount, quarantined: count }).describe('explored = compared + unanswered'),
    worker: z.object({ restarts: count, unanswered: z.record(z.string(), count).describe('unanswered case results by cause') }),
    batches: count,
    elapsedMs: z.number().nonnegative(),
    casesPerSecond: z.number(),
    minCases: count,
    fastCheck: z.object({ seed: z.number().int(), path: z.string().nullable(), numRuns: count, shrinks: count }).nullable(),
    shrink: shrink.nullable().optional().describe('how the first failure was found and shrunk; null or absent when nothing failed'),
    coverage: z.object({
      validCases: count,
      errorCases: count,
      values: z.record(z.string(), z.record(z.string(), count)).describe('dimension → value → cases'),
      valuesCovered: count,
      valuesTotal: count,
      pairsCovered: count,
      pairsTotal: count,
      missingPairs: z.array(z.string()),
      errorCategories: z.record(z.string(), count),
      api: z
        .object({
          targets: z.record(z.string(), count).describe('API target (harness/api/targets.ts) → cases'),
          exports: z.record(z.string(), count).describe('every runtime export of src/index.ts → cases that exercised it against torch'),
        })
        .describe('the API coverage line'),
    }),
    largestErrors: largestErrors.describe('over cases the tolerance budget settled'),
    largestErrorsAll: largestErrors.describe('over every case'),
    differences: z
      .object({ float32: histogramsByKind, float64: histogramsByKind })
      .describe('per-tensor max ULP and max rel per case, by dtype and tensor kind'),
    judged: z.object({ budget: count, shadow: count, sensitivity: count }),
    exactDropout: z.boolean(),
    problems: z.array(z.string()).describe('faults other than mismatches and unanswered cases (tripwire, harness error, unreadable fixture)'),
    torch: z.looseObject({
      torch_version: z.string(),
      python_version: z.string(),
      blas_info: z.string().nullable(),
      num_threads: count,
      cpu_capability: z.string(),
      cpu_model: z.string(),
    }),
    failures: z.array(failure),
    unanswered: z.array(unanswered),
    fixtures: z.array(z.string()).describe('fixtures written for the failures'),
    quarantine: z.array(z.string()).describe('quarantine records written for unanswered cases'),
  })
  .describe('rnn-parity campaign report (parity-report.json)');

export type ParityReportDoc = z.infer<typeof parityReportSchema>;
export type DivergencePoint = z.infer<typeof divergencePoint>;

/** The JSON Schema (draft 2020-12) of parity-report.json, as committed in docs/parity-report.schema.json. */
export function parityReportJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(parityReportSchema, { target: 'draft-2020-12' }), null, 2)}\n`;
}
