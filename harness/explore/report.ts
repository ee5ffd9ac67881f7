// Campaign reports: the terminal summary, and the JSON and Markdown files a nightly job keeps (the HTML one is report-html.ts).
import type { CampaignReport } from './campaign.js';
import { divergenceOf } from './divergence.js';
import { type CampaignCase, isApiCase, toWireApiCase } from '../api/api-case.js';
import type { ApiTarget } from '../api/api-target.js';
import { API_TARGETS } from '../api/targets.js';
import { type CaseFailure, type WorkerFailure, isApiFailure } from './failures.js';
import { type ParityReportDoc, SCHEMA_VERSION } from './report-schema.js';
import { formatCaseSize } from './case-simplifications.js';
import { moduleValueCoverage } from './coverage.js';

/**
 * What the Markdown report reads: a campaign's report, or a merged one rebuilt from parity-report.json
 * documents (harness/explore/merge.ts), which keep each failure's lines but not its tensors.
 */
export type MarkdownReport = Omit<CampaignReport, 'failures' | 'workerFailures' | 'shrink'> & {
  readonly shrink?: CampaignReport['shrink'];
  readonly failures: readonly Pick<CaseFailure, 'report'>[];
  readonly workerFailures: readonly Pick<WorkerFailure, 'status' | 'phase' | 'error' | 'quarantinedBy'>[];
};

function exp(value: number): string {
  return value === 0 ? '0' : value.toExponential(2);
}

/** Valid cases per module and how many of the (module, dimension value) pairs they covered, the missing ones named. */
function moduleLine(c: MarkdownReport['coverage']): string {
  const { covered, total, missing } = moduleValueCoverage(c);
  const perModule = Object.entries(c.values.module ?? {})
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  return `${covered}/${total} (valid cases: ${perModule})${missing.length === 0 ? '' : `, missing ${missing.slice(0, 8).join('; ')}`}`;
}

/** Lines shared by the terminal summary and the Markdown report. */
function headline(report: MarkdownReport): string[] {
  const c = report.coverage;
  return [
    `torch ${report.torch.torch_version} (${report.torch.blas_info ?? 'unknown BLAS'}, ${report.torch.num_threads} thread, ${report.torch.cpu_capability}, init ${report.torch.init_fingerprint.model}, dropout ${report.torch.dropout_model}${report.exactDropout ? ', masks compared exactly' : ': train-mode dropout not comparable, run in eval'})`,
    `seed ${report.seed}${report.shard === null ? '' : ` (shard ${report.shard.index}/${report.shard.count})`}: ${report.casesExplored} cases in ${(report.elapsedMs / 1000).toFixed(1)} s (${report.casesPerSecond.toFixed(0)} cases/s, ${report.batches} batches)`,
    accountingLine(report),
    `coverage: ${c.validCases} valid + ${c.errorCases} error cases; values ${c.valuesCovered}/${c.valuesTotal}, pairs ${c.pairsCovered}/${c.pairsTotal}; modules × values ${moduleLine(c)}; error categories ${Object.keys(c.errorCategories).length}`,
    apiCoverageLine(c.api),
    `API targets: ${
      Object.entries(c.api.targets)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
    `settled by the assert_close budget: ${report.judged.budget}; by the float64 shadow: ${report.judged.shadow}; by rounding sensitivity: ${report.judged.sensitivity} (ill-conditioned or overflowing cases)`,
  ];
}

/**
 * The API coverage line: for every runtime export of src/index.ts, how many cases exercised it against
 * torch, unexercised exports first so they are seen.
 */
export function apiCoverageLine(api: CampaignReport['coverage']['api']): string {
  const entries = Object.entries(api.exports);
  const none = entries.filter(([, n]) => n === 0).map(([k]) => k);
  const some = entries.filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return `API coverage: ${entries.length - none.length}/${entries.length} exports exercised against torch${
    none.length > 0 ? `; none for ${none.join(', ')}` : ''
  }; cases per export: ${some.join(', ') || 'none'}`;
}

/** explored = compared + unanswered, for exploration and shrinking, and what the worker went through. */
function accountingLine(report: MarkdownReport): string {
  const { exploration: e, shrinking: s, quarantined } = report.accounting;
  const causes = Object.entries(report.worker.unanswered)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  return (
    `accounted: explored ${e.cases} = compared ${e.compared} + unanswered ${e.unanswered}` +
    (s.cases > 0 ? `; shrinking ${s.cases} = ${s.compared} + ${s.unanswered}` : '') +
    `; quarantined ${quarantined}; worker restarts ${report.worker.restarts}${causes === '' ? '' : ` (${causes})`}`
  );
}

function largestLines(report: MarkdownReport): string[] {
  const lines: string[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const kind of ['forward', 'gradient', 'exact'] as const) {
      const e = report.largestErrors[dtype][kind];
      if (kind === 'exact' && e.tensor !== '') {
        lines.push(`${dtype} exact (seeded weights, packing metadata): ${e.maxUlps === 0 ? 'bit-identical' : `max ${e.maxUlps} ULP`}`);
        continue;
      }
      if (e.tensor === '' && e.maxUlps === 0) continue;
      lines.push(`${dtype} ${kind}: max abs ${exp(e.maxAbs)} (${e.tensor}); where |torch| ≥ 1e-3: max rel ${exp(e.maxRel)}, max ${e.maxUlps} ULP`);
    }
  }
  return lines;
}

function unansweredLine(w: MarkdownReport['workerFailures'][number]): string {
  return `no torch answer (${w.status}, ${w.phase}${w.quarantinedBy === null ? '' : `, quarantined by rule ${w.quarantinedBy}`}): ${w.error}`;
}

/** The short summary `pnpm verify` prints: the failures first, then the run's facts, the verdict last. */
export function formatSummary(report: CampaignReport, fixturePaths: readonly string[] = [], quarantinePaths: readonly string[] = []): string {
  const lines: string[] = [];
  if (report.failures.length > 0) {
    lines.push(failedLine(report));
    for (const failure of report.failures) lines.push(...failure.report.map((r) => `  ${r}`));
    for (const p of fixturePaths) lines.push(`  fixture: ${p}`);
  }
  for (const w of report.workerFailures.slice(0, 10)) lines.push(unansweredLine(w));
  if (report.workerFailures.length > 10) lines.push(`… and ${report.workerFailures.length - 10} more unanswered cases (see the JSON report)`);
  for (const p of quarantinePaths) lines.push(`  quarantined case: ${p} (replay: pnpm replay ${p})`);
  for (const problem of report.problems) lines.push(`problem: ${problem}`);
  lines.push(...headline(report), ...largestLines(report).map((l) => `largest error (budget-settled cases), ${l}`));
  lines.push(report.status === 'INCOMPLETE' ? 'INCOMPLETE: some cases got no answer from torch' : report.status);
  return lines.join('\n');
}

function failedLine(report: MarkdownReport): string {
  const f = report.fastCheck;
  const found =
    f === null
      ? `FAILED: ${report.failures.length} mismatching case(s):`
      : `FAILED after ${f.numRuns} runs and ${f.shrinks} shrinks (replay: --seed ${f.seed} --path ${f.path}):`;
  return report.shrink == null ? found : `${found}\n  ${shrinkLine(report.shrink)}`;
}

/** Where the failure started, how many cases found it, the shrink steps and the size it ended at. */
export function shrinkLine(s: NonNullable<CampaignReport['shrink']>): string {
  return (
    `found from ${s.startedFrom} after ${s.casesToFind} cases; shrunk by ${s.fastCheckShrinks} fast-check shrinks and ${s.domainSteps} domain steps ` +
    `(${s.tried} candidates${s.localMinimum ? ', a local minimum' : ', stopped by the shrink time'}): ${formatCaseSize(s.initialSize)} → ${formatCaseSize(s.finalSize)}`
  );
}

/** A Markdown report for a CI step summary or a pull request body. */
export function formatMarkdown(report: MarkdownReport, fixturePaths: readonly string[] = [], quarantinePaths: readonly string[] = []): string {
  const c = report.coverage;
  const out = [`# Parity campaign: ${report.status}`, ''];
  if (report.failures.length > 0) {
    out.push('## Failures', '');
    const f = report.fastCheck;
    if (f !== null) out.push(`Replay with \`pnpm parity --seed ${f.seed} --path ${f.path}\`.`, '');
    if (report.shrink != null) out.push(`${shrinkLine(report.shrink)}.`, '');
    for (const failure of report.failures) out.push(...failure.report.map((r) => `- ${r}`));
    for (const p of fixturePaths) out.push(`- fixture: \`${p}\``);
    out.push('');
  }
  if (report.problems.length > 0) out.push('## Problems', '', ...report.problems.map((p) => `- ${p}`), '');
  out.push('## Run', '', ...headline(report).map((l) => `- ${l}`), '');
  if (report.workerFailures.length > 0) {
    out.push('## Cases torch did not answer', '');
    out.push(...report.workerFailures.map((w) => `- ${unansweredLine(w)}`));
    out.push(...quarantinePaths.map((p) => `- stored: \`${p}\` (replay: \`pnpm replay ${p}\`)`), '');
  }
  for (const [title, table] of [
    ['Largest differences from torch, cases the budget settled', report.largestErrors],
    ['Largest differences from torch, all cases (ill-conditioned and overflowing ones included)', report.largestErrorsAll],
  ] as const) {
    out.push(`## ${title}`, '', '| dtype | tensors | max abs | max rel | max ULP | where |', '| --- | --- | --- | --- | --- | --- |');
    for (const dtype of ['float32', 'float64'] as const) {
      for (const kind of ['forward', 'gradient', 'exact'] as const) {
        const e = table[dtype][kind];
        out.push(`| ${dtype} | ${kind} | ${exp(e.maxAbs)} | ${exp(e.maxRel)} | ${e.maxUlps} | ${e.tensor || '—'} |`);
      }
    }
    out.push('');
  }
  out.push('', '## Coverage', '', '| dimension | cases per value |', '| --- | --- |');
  for (const [dimension, values] of Object.entries(c.values)) {
    out.push(
      `| ${dimension} | ${Object.entries(values)
        .map(([v, n]) => `${v}: ${n}`)
        .join(', ')} |`,
    );
  }
  out.push(
    '',
    `Error categories: ${
      Object.entries(c.errorCategories)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  if (c.missingPairs.length > 0) out.push('', `Pairs never exercised (${c.missingPairs.length}): ${c.missingPairs.slice(0, 30).join('; ')}`);
  return `${out.join('\n')}\n`;
}

/**
 * The report as a document of docs/parity-report.schema.json: everything but the failing cases'
 * tensors (they live in their fixtures), with where each failure diverges.
 */
export function reportDoc(report: CampaignReport, fixturePaths: readonly string[] = [], quarantinePaths: readonly string[] = []): ParityReportDoc {
  const { failures, torch, workerFailures, ...rest } = report;
  return {
    schema_version: SCHEMA_VERSION,
    ...rest,
    problems: [...rest.problems],
    shrink: rest.shrink === null ? null : { ...rest.shrink, steps: [...rest.shrink.steps] },
    torch: { ...torch },
    failures: failures.map((f) => ({ report: f.report, ...caseFields(f.case), divergence: isApiFailure(f) ? [] : safeDivergence(f) })),
    unanswered: workerFailures.map((w) => ({
      status: w.status,
      phase: w.phase,
      error: w.error,
      quarantined_by: w.quarantinedBy,
      ...caseFields(w.case),
    })),
    fixtures: [...fixturePaths],
    quarantine: [...quarantinePaths],
  };
}

/** How a report names a case: an RNN case by its kwargs and dtype, an API case by its target and wire args. */
function caseFields(
  c: CampaignCase,
  targets: readonly ApiTarget[] = API_TARGETS,
): Pick<ParityReportDoc['failures'][number], 'kwargs' | 'dtype' | 'api'> {
  if (!isApiCase(c)) return { kwargs: { ...c.kwargs }, dtype: c.dtype };
  let args: unknown;
  try {
    args = toWireApiCase(c, '', targets).args;
  } catch {
    args = null; // a target the registry does not know (a planted-bug test's own): the report still is
  }
  return { kwargs: {}, dtype: null, api: { target: c.target, args } };
}

/** The divergence picture is a reading aid: if it cannot be computed, the report still is. */
function safeDivergence(failure: CaseFailure): ParityReportDoc['failures'][number]['divergence'] {
  try {
    return divergenceOf(failure);
  } catch {
    return [];
  }
}

/** parity-report.json. */
export function reportJson(report: CampaignReport, fixturePaths: readonly string[] = [], quarantinePaths: readonly string[] = []): string {
  return `${JSON.stringify(reportDoc(report, fixturePaths, quarantinePaths), null, 2)}\n`;
}
