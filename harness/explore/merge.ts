// Merging the parity-report.json of a campaign's shards into one report of the same form (issue 16).
import type { Handshake, UnansweredStatus } from '../worker/protocol.js';
import type { CampaignStatus } from './campaign.js';
import type { MarkdownReport } from './report.js';
import type { ParityReportDoc } from './report-schema.js';

/** One shard's report and a name to quote it by (its file). */
export interface ReportPart {
  readonly name: string;
  readonly doc: ParityReportDoc;
}

const SEVERITY: Readonly<Record<CampaignStatus, number>> = { PASS: 0, INCOMPLETE: 1, FAIL: 2 };

function sumRecords(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const record of records) for (const [key, n] of Object.entries(record)) out[key] = (out[key] ?? 0) + n;
  return out;
}

function sumAccount(accounts: readonly ParityReportDoc['accounting']['exploration'][]): ParityReportDoc['accounting']['exploration'] {
  return {
    cases: accounts.reduce((n, a) => n + a.cases, 0),
    compared: accounts.reduce((n, a) => n + a.compared, 0),
    unanswered: accounts.reduce((n, a) => n + a.unanswered, 0),
  };
}

/** Per slot: the largest of each measure; the tensor named is the one with the largest absolute error, as in a single run. */
function maxLargest(tables: readonly ParityReportDoc['largestErrors'][]): ParityReportDoc['largestErrors'] {
  const merge = (slots: readonly ParityReportDoc['largestErrors']['float32']['forward'][]) => {
    const named = slots.filter((s) => s.tensor !== '');
    const widest = named.reduce<(typeof slots)[number] | null>((best, s) => (best === null || s.maxAbs > best.maxAbs ? s : best), null);
    return {
      maxAbs: Math.max(0, ...slots.map((s) => s.maxAbs)),
      maxRel: Math.max(0, ...slots.map((s) => s.maxRel)),
      maxUlps: Math.max(0, ...slots.map((s) => s.maxUlps)),
      tensor: widest?.tensor ?? '',
    };
  };
  const byKind = (dtype: 'float32' | 'float64') => ({
    forward: merge(tables.map((t) => t[dtype].forward)),
    gradient: merge(tables.map((t) => t[dtype].gradient)),
    exact: merge(tables.map((t) => t[dtype].exact)),
  });
  return { float32: byKind('float32'), float64: byKind('float64') };
}

function sumHistograms(parts: readonly ParityReportDoc['differences'][]): ParityReportDoc['differences'] {
  const byKind = (dtype: 'float32' | 'float64') => {
    const pair = (kind: 'forward' | 'gradient' | 'exact') => ({
      ulps: sumRecords(parts.map((p) => p[dtype][kind].ulps)),
      rel: sumRecords(parts.map((p) => p[dtype][kind].rel)),
    });
    return { forward: pair('forward'), gradient: pair('gradient'), exact: pair('exact') };
  };
  return { float32: byKind('float32'), float64: byKind('float64') };
}

/** Counts summed per value; a pair is missing only if every shard missed it; covered and total recomputed. */
function mergeCoverage(parts: readonly ParityReportDoc['coverage'][]): ParityReportDoc['coverage'] {
  const values: Record<string, Record<string, number>> = {};
  for (const part of parts) {
    for (const [dimension, counts] of Object.entries(part.values)) {
      values[dimension] = sumRecords([values[dimension] ?? {}, counts]);
    }
  }
  const all = Object.values(values).flatMap((counts) => Object.values(counts));
  const missingPairs = parts[0]!.missingPairs.filter((pair) => parts.every((p) => p.missingPairs.includes(pair)));
  const pairsTotal = Math.max(...parts.map((p) => p.pairsTotal));
  return {
    validCases: parts.reduce((n, p) => n + p.validCases, 0),
    errorCases: parts.reduce((n, p) => n + p.errorCases, 0),
    values,
    valuesCovered: all.filter((n) => n > 0).length,
    valuesTotal: all.length,
    pairsCovered: pairsTotal - missingPairs.length,
    pairsTotal,
    missingPairs,
    errorCategories: Object.fromEntries(Object.entries(sumRecords(parts.map((p) => p.errorCategories))).sort()),
    api: {
      targets: Object.fromEntries(Object.entries(sumRecords(parts.map((p) => p.api.targets))).sort()),
      exports: Object.fromEntries(Object.entries(sumRecords(parts.map((p) => p.api.exports))).sort()),
    },
  };
}

/** What keeps shards from adding up to one campaign: mixed seeds or torch versions, missing or repeated shards. */
function mismatches(parts: readonly ReportPart[]): string[] {
  const problems: string[] = [];
  const seeds = [...new Set(parts.map((p) => p.doc.seed))];
  if (seeds.length > 1) problems.push(`merge: the shards ran different seeds (${seeds.join(', ')}), so they do not partition one case stream`);
  const versions = [...new Set(parts.map((p) => p.doc.torch.torch_version))];
  if (versions.length > 1) problems.push(`merge: the shards ran different torch versions (${versions.join(', ')})`);
  const sharded = parts.filter((p) => p.doc.shard != null);
  if (sharded.length > 0) {
    const counts = [...new Set(sharded.map((p) => p.doc.shard!.count))];
    if (sharded.length < parts.length || counts.length > 1) {
      problems.push(
        `merge: the reports are not shards of one split (${parts.map((p) => (p.doc.shard == null ? 'unsharded' : `${p.doc.shard.index}/${p.doc.shard.count}`)).join(', ')})`,
      );
    } else {
      const count = counts[0]!;
      for (let index = 1; index <= count; index++) {
        const n = sharded.filter((p) => p.doc.shard!.index === index).length;
        if (n === 0) problems.push(`merge: shard ${index}/${count} is missing, so part of the case stream went unexplored`);
        if (n > 1) problems.push(`merge: shard ${index}/${count} appears ${n} times, so its cases would be counted twice`);
      }
    }
  }
  return problems;
}

/**
 * Merges shards' reports into one of the same form: counts, accounting, coverage, histograms and
 * judges summed; largest errors the largest; failures, unanswered cases and problems concatenated
 * (each problem prefixed with its shard); fixture and quarantine paths deduplicated (both are named by
 * the case's content hash, so one path is one case); the status the worst of the parts. Elapsed time
 * is summed (machine time), so cases/s is per machine. Seeds, torch versions or shards that do not
 * add up to one campaign are problems, which fail the merged report.
 *
 * @throws Error when there is nothing to merge.
 */
export function mergeReports(parts: readonly ReportPart[]): ParityReportDoc {
  if (parts.length === 0) throw new Error('merge: no reports to merge');
  const docs = parts.map((p) => p.doc);
  const first = docs[0]!;
  const problems = [...mismatches(parts), ...parts.flatMap((p) => p.doc.problems.map((problem) => `${p.name}: ${problem}`))];
  const worst = docs.map((d) => d.status).reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'PASS' as CampaignStatus);
  const status: CampaignStatus = problems.length > 0 ? 'FAIL' : worst;
  const casesExplored = docs.reduce((n, d) => n + d.casesExplored, 0);
  const elapsedMs = docs.reduce((n, d) => n + d.elapsedMs, 0);
  const sum = (pick: (d: ParityReportDoc) => number): number => docs.reduce((n, d) => n + pick(d), 0);
  return {
    schema_version: first.schema_version,
    status,
    passed: status === 'PASS',
    seed: first.seed,
    shard: null,
    casesExplored,
    casesInShrinking: sum((d) => d.casesInShrinking),
    accounting: {
      exploration: sumAccount(docs.map((d) => d.accounting.exploration)),
      shrinking: sumAccount(docs.map((d) => d.accounting.shrinking)),
      quarantined: sum((d) => d.accounting.quarantined),
    },
    worker: { restarts: sum((d) => d.worker.restarts), unanswered: sumRecords(docs.map((d) => d.worker.unanswered)) },
    batches: sum((d) => d.batches),
    elapsedMs,
    casesPerSecond: elapsedMs > 0 ? casesExplored / (elapsedMs / 1000) : 0,
    minCases: sum((d) => d.minCases),
    // The first failing shard's replay: every shard draws the same stream, so its path replays unsharded too.
    fastCheck: docs.find((d) => d.fastCheck !== null)?.fastCheck ?? null,
    coverage: mergeCoverage(docs.map((d) => d.coverage)),
    largestErrors: maxLargest(docs.map((d) => d.largestErrors)),
    largestErrorsAll: maxLargest(docs.map((d) => d.largestErrorsAll)),
    differences: sumHistograms(docs.map((d) => d.differences)),
    judged: {
      budget: sum((d) => d.judged.budget),
      shadow: sum((d) => d.judged.shadow),
      sensitivity: sum((d) => d.judged.sensitivity),
    },
    exactDropout: docs.every((d) => d.exactDropout),
    problems,
    torch: first.torch,
    shrink: docs.find((d) => d.shrink != null)?.shrink ?? null,
    failures: docs.flatMap((d) => d.failures),
    unanswered: docs.flatMap((d) => d.unanswered),
    fixtures: [...new Set(docs.flatMap((d) => d.fixtures))],
    quarantine: [...new Set(docs.flatMap((d) => d.quarantine))],
  };
}

/** A report document in the shape the Markdown writer reads (failures keep their lines, not their tensors). */
export function markdownReport(doc: ParityReportDoc): MarkdownReport {
  const { schema_version: _, fixtures: __, quarantine: ___, unanswered, shard, ...rest } = doc;
  return {
    ...rest,
    shard: shard ?? null,
    // reportDoc wrote the whole handshake; the schema checks only the fields every report reads.
    torch: doc.torch as unknown as Handshake,
    worker: { restarts: doc.worker.restarts, unanswered: doc.worker.unanswered as Record<UnansweredStatus, number> },
    failures: doc.failures.map((f) => ({ report: f.report })),
    workerFailures: unanswered.map((u) => ({ status: u.status, phase: u.phase, error: u.error, quarantinedBy: u.quarantined_by })),
  };
}
