// Reports from real campaigns against torch: the JSON validates against its schema, failures come first,
// and the HTML report renders its Chart.js plots in headless Chromium (screenshot taken).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CampaignReport, runCampaign } from '../../../harness/explore/campaign.js';
import { formatMarkdown, formatSummary, reportDoc } from '../../../harness/explore/report.js';
import { formatHtml } from '../../../harness/explore/report-html.js';
import { type ParityReportDoc, parityReportSchema } from '../../../harness/explore/report-schema.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { RNN } from '../../../src/index.js';
import { CHROMIUM_ARGS, requireChromium } from '../../chromium.js';
import { type ActivationKernel, reluInPlace } from '../../../src/kernels.js';

/** A classic mistake, so the failing report has a real divergence to draw. */
class ReluForTanh extends RNN {
  protected override activation(): ActivationKernel {
    return reluInPlace;
  }
}

describe('campaign reports', () => {
  let bridge: TorchBridge;
  let passing: CampaignReport;
  let failing: CampaignReport;
  const dir = mkdtempSync(path.join(tmpdir(), 'parity-report-'));

  beforeAll(async () => {
    bridge = await TorchBridge.start();
    passing = await runCampaign({ bridge, seed: 20261203, budgetMs: 6_000, minCases: 1 });
    // minCases far above what a failing run explores: before the fix, the early stop at the first
    // failure tripped the tripwire and the report named one fault twice.
    failing = await runCampaign({
      bridge,
      seed: 20261203,
      budgetMs: 6_000,
      shrinkBudgetMs: 10_000,
      minCases: 1_000_000,
      factory: (o) => new ReluForTanh(o),
    });
  }, 120_000);
  afterAll(async () => {
    await bridge?.stop();
    if (process.env.KEEP_REPORT === undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('both reports validate against the schema, nothing dropped, with schema_version 1', () => {
    for (const report of [passing, failing]) {
      const doc = JSON.parse(JSON.stringify(reportDoc(report))) as unknown;
      expect(parityReportSchema.parse(doc)).toEqual(doc);
      expect((doc as ParityReportDoc).schema_version).toBe(1);
    }
    expect(passing.status).toBe('PASS');
    const forward = passing.differences.float32.forward.ulps;
    expect(Object.values(forward).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('a failing report lists the failure first, with where it diverges, and no second fault for the early stop', () => {
    expect(failing.status).toBe('FAIL');
    expect(failing.problems).toEqual([]);
    expect(formatSummary(failing).split('\n')[0]).toMatch(/^FAILED after \d+ runs/);
    const headings = formatMarkdown(failing)
      .split('\n')
      .filter((l) => l.startsWith('## '));
    expect(headings[0]).toBe('## Failures');
    const divergence = reportDoc(failing).failures[0]!.divergence;
    expect(divergence.length).toBeGreaterThan(0);
    expect(divergence.some((p) => p.unit !== null && p.layer !== null && p.direction !== null)).toBe(true);
  });

  it('the HTML report renders its charts in headless Chromium, offline, without console errors', async () => {
    const file = path.join(dir, 'parity-report.html');
    const html = formatHtml(reportDoc(failing));
    writeFileSync(file, html);
    expect(html).not.toMatch(/<script[^>]+src=/);
    const userDataDir = mkdtempSync(path.join(tmpdir(), 'parity-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: requireChromium(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
      });
      await page.goto(`file://${file}`);
      await page.waitForFunction('document.body.dataset.charts !== undefined');
      // A string, not a function: the test is compiled without the DOM library.
      const charts = (await page.evaluate(`({
        rendered: Number(document.body.dataset.charts),
        canvases: [...document.querySelectorAll('canvas')].map((c) => ({ id: c.id, width: c.getBoundingClientRect().width, height: c.getBoundingClientRect().height, drawn: c.width > 0 && c.height > 0 })),
        heading: document.querySelector('h1')?.textContent,
        firstSection: document.querySelector('h2')?.textContent,
      })`)) as { rendered: number; canvases: { id: string; width: number; height: number; drawn: boolean }[]; heading: string; firstSection: string };
      expect(problems).toEqual([]);
      expect(charts.heading).toBe('Parity campaign: FAIL');
      expect(charts.firstSection).toBe('Failures');
      // failure divergence, per-tensor maximum, ULP and rel histograms, coverage (error categories if any)
      expect(charts.canvases.map((c) => c.id)).toEqual(expect.arrayContaining(['divergence-0', 'tensors-0', 'ulps', 'rel', 'coverage']));
      expect(charts.rendered).toBe(charts.canvases.length);
      for (const c of charts.canvases) {
        expect(c.width, c.id).toBeGreaterThan(100);
        expect(c.height, c.id).toBeGreaterThan(100);
        expect(c.drawn, c.id).toBe(true);
      }
      const png = path.join(dir, 'parity-report.png');
      await page.screenshot({ path: png, fullPage: true });
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
      // A blank page of this size compresses to a few KB; charts, text and colours make it far larger.
      expect(statSync(png).size).toBeGreaterThan(50_000);
      console.log(`screenshot: ${png} (${statSync(png).size} bytes, ${charts.canvases.length} charts)`);
    } finally {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
