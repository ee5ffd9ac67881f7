// parity-report.html: the report for people, with Chart.js plots; one self-contained file (the library is inlined, so it renders offline).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bucketLabel, sortedBuckets } from './histogram.js';
import type { ParityReportDoc } from './report-schema.js';

/** Chart.js's browser build, read once. The package exports only its module builds, so the UMD file is found beside them. */
let chartJsSource: string | null = null;
function chartJs(): string {
  if (chartJsSource === null) {
    const entry = createRequire(import.meta.url).resolve('chart.js');
    chartJsSource = readFileSync(path.join(path.dirname(entry), 'chart.umd.min.js'), 'utf8');
  }
  return chartJsSource;
}

/** A Chart.js configuration, as plain data the page passes to `new Chart`. */
interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly type: 'bar' | 'scatter';
  readonly labels?: readonly string[];
  readonly datasets: readonly { label: string; data: readonly (number | { x: number; y: number; r?: number })[] }[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly horizontal?: boolean;
  readonly logY?: boolean;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Histograms of one measure (ULP or rel), one dataset per dtype × tensor kind that saw any tensor. */
function histogramChart(doc: ParityReportDoc, measure: 'ulps' | 'rel', id: string, title: string, xTitle: string): ChartSpec | null {
  const series: { label: string; counts: Record<string, number> }[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const kind of ['forward', 'gradient', 'exact'] as const) {
      const counts = doc.differences[dtype][kind][measure];
      if (Object.keys(counts).length > 0) series.push({ label: `${dtype} ${kind}`, counts });
    }
  }
  if (series.length === 0) return null;
  const buckets = sortedBuckets(series.flatMap((s) => Object.keys(s.counts)));
  return {
    id,
    title,
    type: 'bar',
    labels: buckets.map(bucketLabel),
    datasets: series.map((s) => ({ label: s.label, data: buckets.map((b) => s.counts[b] ?? 0) })),
    xTitle,
    // Most tensors sit at 0 ULP; a log axis keeps the tail, where a regression shows, visible.
    yTitle: 'tensors, one per case and tensor (log scale)',
    logY: true,
  };
}

function coverageChart(doc: ParityReportDoc): ChartSpec {
  const labels: string[] = [];
  const data: number[] = [];
  for (const [dimension, values] of Object.entries(doc.coverage.values)) {
    for (const [value, n] of Object.entries(values)) {
      labels.push(`${dimension}=${value}`);
      data.push(n);
    }
  }
  return {
    id: 'coverage',
    title: 'Valid cases per dimension value',
    type: 'bar',
    labels,
    datasets: [{ label: 'cases', data }],
    xTitle: 'cases',
    yTitle: '',
    horizontal: true,
  };
}

function errorChart(doc: ParityReportDoc): ChartSpec | null {
  const entries = Object.entries(doc.coverage.errorCategories);
  if (entries.length === 0) return null;
  return {
    id: 'errors',
    title: 'Error cases per category (torch raised, TS had to raise the same)',
    type: 'bar',
    labels: entries.map(([k]) => k),
    datasets: [{ label: 'cases', data: entries.map(([, n]) => n) }],
    xTitle: 'cases',
    yTitle: '',
    horizontal: true,
  };
}

/**
 * Where failure `index` diverges: one point per differing element at (t, unit), one series per
 * tensor, layer, direction and batch; h_n sits at t = −1. The bigger the point, the more ULPs.
 */
function divergenceCharts(failure: ParityReportDoc['failures'][number], index: number): ChartSpec[] {
  const series = new Map<string, { x: number; y: number; r: number }[]>();
  const maxPerTensor = new Map<string, number>();
  for (const p of failure.divergence) {
    maxPerTensor.set(p.tensor, Math.max(maxPerTensor.get(p.tensor) ?? 0, p.ulps));
    if (p.unit === null) continue;
    const key = `${p.tensor}${p.layer === null ? '' : ` layer ${p.layer}`}${p.direction === null ? '' : ` ${p.direction}`}${p.batch === null ? '' : ` batch ${p.batch}`}`;
    const points = series.get(key) ?? [];
    points.push({ x: p.t ?? -1, y: p.unit, r: Math.min(12, 2 + Math.log2(1 + p.ulps) / 3) });
    series.set(key, points);
  }
  const charts: ChartSpec[] = [];
  if (series.size > 0) {
    charts.push({
      id: `divergence-${index}`,
      title: 'Differing elements by time step and hidden unit (h_n at t = −1; size ∝ log ULP)',
      type: 'scatter',
      datasets: [...series.entries()].slice(0, 24).map(([label, data]) => ({ label, data })),
      xTitle: 't',
      yTitle: 'unit',
    });
  }
  if (maxPerTensor.size > 0) {
    charts.push({
      id: `tensors-${index}`,
      title: 'Largest difference per differing tensor',
      type: 'bar',
      labels: [...maxPerTensor.keys()],
      datasets: [{ label: 'max ULP', data: [...maxPerTensor.values()].map((u) => Math.max(u, 1)) }],
      xTitle: 'tensor',
      yTitle: 'ULP (log scale)',
      logY: true,
    });
  }
  return charts;
}

function canvas(spec: ChartSpec | null): string {
  if (spec === null) return '';
  // A horizontal bar chart grows with its labels so each stays readable.
  const height = spec.horizontal === true ? Math.max(200, 90 + 16 * (spec.labels?.length ?? 0)) : 320;
  return `<figure class="chart" style="height: ${height}px"><canvas id="${spec.id}" role="img" aria-label="${escapeHtml(spec.title)}"></canvas></figure>`;
}

/** The page's own script: every chart from its spec, without animation so a screenshot shows the final picture. */
const RENDER = `
const specs = JSON.parse(document.getElementById('chart-specs').textContent);
let rendered = 0;
for (const s of specs) {
  const el = document.getElementById(s.id);
  if (el === null) continue;
  const axis = (title, log) => ({ title: { display: title !== '', text: title }, ...(log ? { type: 'logarithmic', min: 0.5 } : {}) });
  const scales = { x: axis(s.xTitle, false), y: axis(s.yTitle, s.logY === true) };
  // Every category label of a horizontal bar chart is a dimension value a reader looks for: none skipped.
  if (s.horizontal) scales.y.ticks = { autoSkip: false };
  if (s.type === 'scatter') {
    scales.x = { ...scales.x, min: -1.5, ticks: { stepSize: 1, callback: (v) => (v === -1 ? 'h_n' : Number.isInteger(v) && v >= 0 ? 't=' + v : '') } };
    scales.y = { ...scales.y, min: -0.5, grace: 0.5, ticks: { stepSize: 1, callback: (v) => (Number.isInteger(v) && v >= 0 ? v : '') } };
  }
  new Chart(el, {
    type: s.type === 'scatter' ? 'bubble' : 'bar',
    data: { labels: s.labels, datasets: s.datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: s.horizontal ? 'y' : 'x',
      plugins: { title: { display: true, text: s.title } },
      scales,
    },
  });
  rendered++;
}
document.body.dataset.charts = String(rendered);
`;

/** parity-report.html from the JSON report document: status, accounting and worker lines on top, failures first, then the plots. */
export function formatHtml(doc: ParityReportDoc): string {
  const { exploration: e, shrinking: s, quarantined } = doc.accounting;
  const causes = Object.entries(doc.worker.unanswered)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const facts = [
    `torch ${doc.torch.torch_version} (${doc.torch.blas_info ?? 'unknown BLAS'}, ${doc.torch.num_threads} thread, ${doc.torch.cpu_capability}, ${doc.torch.cpu_model})`,
    `seed ${doc.seed}: ${doc.casesExplored} cases in ${(doc.elapsedMs / 1000).toFixed(1)} s (${doc.casesPerSecond.toFixed(0)} cases/s, ${doc.batches} batches)`,
    `accounted: explored ${e.cases} = compared ${e.compared} + unanswered ${e.unanswered}${s.cases > 0 ? `; shrinking ${s.cases} = ${s.compared} + ${s.unanswered}` : ''}; quarantined ${quarantined}`,
    `worker restarts ${doc.worker.restarts}${causes === '' ? '' : ` (${causes})`}`,
    `coverage: ${doc.coverage.validCases} valid + ${doc.coverage.errorCases} error cases; values ${doc.coverage.valuesCovered}/${doc.coverage.valuesTotal}, pairs ${doc.coverage.pairsCovered}/${doc.coverage.pairsTotal}`,
    `settled by the tolerance budget ${doc.judged.budget}, by the float64 shadow ${doc.judged.shadow}, by rounding sensitivity ${doc.judged.sensitivity}`,
  ];
  const charts: ChartSpec[] = [];
  const body: string[] = [
    `<h1 class="${doc.status}">Parity campaign: ${doc.status}</h1>`,
    `<ul class="facts">${facts.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`,
  ];
  if (doc.failures.length > 0) {
    body.push('<h2>Failures</h2>');
    if (doc.fastCheck !== null)
      body.push(`<p>Replay with <code>pnpm parity --seed ${doc.fastCheck.seed} --path ${escapeHtml(doc.fastCheck.path ?? '')}</code></p>`);
    doc.failures.forEach((failure, i) => {
      const specs = divergenceCharts(failure, i);
      charts.push(...specs);
      body.push(
        `<section class="failure"><h3>${failure.dtype} ${escapeHtml(JSON.stringify(failure.kwargs))}</h3><pre>${escapeHtml(failure.report.join('\n'))}</pre>${specs.map(canvas).join('')}</section>`,
      );
    });
    for (const f of doc.fixtures) body.push(`<p>fixture: <code>${escapeHtml(f)}</code></p>`);
  }
  if (doc.unanswered.length > 0) {
    body.push('<h2>Cases torch did not answer</h2><ul>');
    for (const w of doc.unanswered)
      body.push(
        `<li>${escapeHtml(`${w.status}, ${w.phase}${w.quarantined_by === null ? '' : `, quarantined by rule ${w.quarantined_by}`}: ${w.error}`)}</li>`,
      );
    body.push(
      '</ul>',
      ...doc.quarantine.map((p) => `<p>stored: <code>${escapeHtml(p)}</code> (replay: <code>pnpm replay ${escapeHtml(p)}</code>)</p>`),
    );
  }
  if (doc.problems.length > 0) body.push('<h2>Problems</h2><ul>', ...doc.problems.map((p) => `<li>${escapeHtml(p)}</li>`), '</ul>');
  const ulps = histogramChart(doc, 'ulps', 'ulps', 'Per-tensor max ULP difference, per case', 'max ULP (log2 bucket: 2^k means [2^k, 2^(k+1)))');
  const rel = histogramChart(doc, 'rel', 'rel', 'Per-tensor max relative difference (|torch| ≥ 1e-3), per case', 'max rel (log2 bucket)');
  const coverage = coverageChart(doc);
  const errors = errorChart(doc);
  for (const spec of [ulps, rel, coverage, errors]) if (spec !== null) charts.push(spec);
  body.push('<h2>Differences from torch</h2>', canvas(ulps), canvas(rel));
  body.push('<h2>Coverage</h2>', canvas(coverage), canvas(errors));
  if (doc.coverage.missingPairs.length > 0) {
    body.push(
      `<details><summary>${doc.coverage.missingPairs.length} value pairs never exercised</summary><p>${escapeHtml(doc.coverage.missingPairs.join('; '))}</p></details>`,
    );
  }
  // Inside <script>, "</" could close the element early; \u003c reads the same to JSON.parse.
  const specJson = JSON.stringify(charts).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parity campaign: ${doc.status}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; max-width: 1100px; }
h1.PASS { color: #1a7f37; } h1.FAIL { color: #cf222e; } h1.INCOMPLETE { color: #9a6700; }
.facts { padding-left: 1.2rem; } pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; }
.chart { position: relative; margin: 1rem 0; }
</style></head>
<body>
${body.join('\n')}
<script type="application/json" id="chart-specs">${specJson}</script>
<script>${chartJs()}</script>
<script>${RENDER}</script>
</body></html>
`;
}
