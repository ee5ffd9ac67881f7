// The drift report as a terminal table, Markdown (fits a CI step summary or a PR body) and JSON files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DRIFT_LABEL, TORCH_DRIFTS, TS_DRIFTS, type DriftReport, type FixtureDrift } from './classify.js';
import type { WorkerDoc } from '../golden/fixture-schema.js';

const PROVENANCE_ROWS: readonly [string, (w: WorkerDoc) => string][] = [
  ['torch', (w) => w.torch_version],
  ['torch git', (w) => w.torch_git_version],
  ['Python', (w) => `${w.python_version} (${w.python_executable})`],
  ['BLAS', (w) => w.blas_info ?? 'unknown'],
  ['CPU', (w) => w.cpu_model ?? 'unknown (not recorded)'],
  ['CPU capability', (w) => w.cpu_capability],
  ['MKL_CBWR', (w) => (w.mkl_cbwr === undefined ? 'unknown (not recorded)' : (w.mkl_cbwr ?? 'unset'))],
  ['threads', (w) => String(w.num_threads)],
  ['init fingerprint', (w) => `${w.init_fingerprint.model} (float32 ${w.init_fingerprint.float32.join(', ')})`],
  ['dropout model', (w) => w.dropout_model],
  ['config digest', (w) => w.config_digest.slice(0, 19)],
  ['platform', (w) => w.platform],
];

/** One table cell: pipes escaped, newlines flattened, long torch messages cut (the JSON report keeps them whole). */
function cell(text: string, limit = 240): string {
  const flat = text.replace(/\n\s*/g, ' ');
  return (flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat).replace(/\|/g, '\\|');
}

function ledgerNote(e: FixtureDrift): string {
  if (e.ledger === null) return '';
  return e.ledger.status === 'fixed' ? ` **fixed — remove from the ledger: \`${e.ledger.entry}\`**` : ` (known divergence \`${e.ledger.entry}\`)`;
}

/** The report in Markdown: provenance of both sides, counts, then every fixture that moved, by class. */
export function driftMarkdown(report: DriftReport): string {
  const lines: string[] = [];
  const to = report.replayed_with;
  const from = [...new Set(report.recorded_with.map((w) => w.torch_version))].join(', ');
  lines.push(`# Golden drift: torch ${from} → ${to.torch_version}`, '');
  lines.push(
    `${report.fixtures} fixtures recorded with torch ${from}, replayed through torch ${to.torch_version} ` +
      `(\`${to.python_executable}\`) on ${report.generated_at}. The library follows the pinned torch ${report.pinned_torch} ` +
      '(python/requirements.txt); across torch minor versions, errors are compared by category and warnings by count.',
    '',
  );
  lines.push(report.failures.length === 0 ? '**Result: no action needed.**' : `**Result: ${report.failures.length} fixture(s) need action.**`, '');
  if (report.hardware_note !== null) lines.push(`**Hardware:** ${report.hardware_note}`, '');
  for (const failure of report.failures) lines.push(`- ${failure}`);
  if (report.failures.length > 0) lines.push('');

  lines.push('## Summary', '', '| how torch moved | fixtures |', '| --- | ---: |');
  for (const k of TORCH_DRIFTS) if (report.counts.torch[k] > 0 || k !== 'no-answer') lines.push(`| ${DRIFT_LABEL[k]} | ${report.counts.torch[k]} |`);
  lines.push('', '| TS verdict (recorded → replaying torch) | fixtures |', '| --- | ---: |');
  for (const k of TS_DRIFTS) lines.push(`| ${DRIFT_LABEL[k]} | ${report.counts.ts[k]} |`);
  lines.push('');

  lines.push('## Provenance', '', `| | recorded with | replayed with |`, '| --- | --- | --- |');
  for (const [label, value] of PROVENANCE_ROWS) {
    lines.push(`| ${label} | ${cell([...new Set(report.recorded_with.map(value))].join('; '), 1000)} | ${cell(value(to), 1000)} |`);
  }
  lines.push('');

  lines.push('## What moved', '');
  const moved = report.entries.filter((e) => e.torch !== 'bit-identical' || e.ts !== 'passes' || e.ledger !== null);
  if (moved.length === 0) lines.push('Nothing: every fixture is bit-identical and TS passes against both.', '');
  for (const k of TORCH_DRIFTS) {
    const group = moved.filter((e) => e.torch === k);
    if (group.length === 0) continue;
    lines.push(`### ${DRIFT_LABEL[k]} (${group.length})`, '', '| fixture | case | what moved | TS |', '| --- | --- | --- | --- |');
    for (const e of group) {
      const ts = `${DRIFT_LABEL[e.ts]}${ledgerNote(e)}${e.ts_differences.length > 0 && e.ts !== 'passes' ? `: ${e.ts_differences.join('; ')}` : ''}`;
      lines.push(`| \`${e.id}\` | ${cell(e.summary, 1000)} | ${cell(e.detail)} | ${cell(ts)} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function pad(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** A compact terminal table: counts, then one line per fixture that moved. */
export function driftTable(report: DriftReport): string {
  const lines: string[] = [];
  const from = [...new Set(report.recorded_with.map((w) => w.torch_version))].join(', ');
  lines.push(
    `golden:drift — ${report.fixtures} fixtures, torch ${from} → ${report.replayed_with.torch_version} (${report.replayed_with.python_executable})`,
  );
  lines.push(
    TORCH_DRIFTS.filter((k) => report.counts.torch[k] > 0)
      .map((k) => `${DRIFT_LABEL[k]}: ${report.counts.torch[k]}`)
      .join(' | '),
  );
  lines.push(
    TS_DRIFTS.filter((k) => report.counts.ts[k] > 0)
      .map((k) => `${DRIFT_LABEL[k]}: ${report.counts.ts[k]}`)
      .join(' | '),
  );
  const moved = report.entries.filter((e) => e.torch !== 'bit-identical' || e.ts !== 'passes' || e.ledger !== null);
  if (moved.length > 0) {
    lines.push('', `${pad('fixture', 17)} ${pad('torch', 24)} ${pad('TS', 14)} what moved`);
    for (const e of moved) {
      const ledger =
        e.ledger === null ? '' : e.ledger.status === 'fixed' ? ` [FIXED: remove ledger entry ${e.ledger.entry}]` : ` [ledger: ${e.ledger.entry}]`;
      lines.push(`${pad(e.id, 17)} ${pad(DRIFT_LABEL[e.torch], 24)} ${pad(DRIFT_LABEL[e.ts], 14)} ${pad(`${e.detail}${ledger}`, 110)}`);
    }
  }
  if (report.hardware_note !== null) lines.push('', `hardware: ${report.hardware_note}`);
  lines.push('', report.failures.length === 0 ? 'result: no action needed' : `result: ${report.failures.length} fixture(s) need action:`);
  for (const failure of report.failures) lines.push(`  - ${failure}`);
  return lines.join('\n');
}

/** Writes `drift-report.json` and `drift-report.md` into `dir`; returns their paths. */
export function writeDriftReport(report: DriftReport, dir: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'drift-report.json');
  const markdown = path.join(dir, 'drift-report.md');
  writeFileSync(json, `${JSON.stringify(report, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  writeFileSync(markdown, driftMarkdown(report));
  return { json, markdown };
}
