// The harness CLI: `verify` (before you push) and `parity` (the nightly campaign). zx runs the steps.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { $ } from 'zx';
import { TorchBridge } from './bridge.js';
import { type CampaignReport, runCampaign } from './campaign.js';
import { formatMarkdown, formatSummary, reportJson } from './campaign-report.js';
import { GoldenStore } from './golden.js';
import { REPO_ROOT } from './python-env.js';
import { setupPython } from './python-setup.js';
import { recordFixtures } from './record.js';

/** The fixed default seed of `pnpm verify`, so two runs of the same tree explore the same cases. */
export const DEFAULT_SEED = 20261128;

export interface CampaignCommandOptions {
  readonly seed: number;
  readonly budgetSeconds: number;
  readonly runs?: number;
  readonly path?: string;
  readonly reportDir?: string;
  readonly minCases?: number;
}

function progressPrinter(): (p: { cases: number; elapsedMs: number; shrinking: boolean }) => void {
  let last = 0;
  return ({ cases, elapsedMs, shrinking }) => {
    if (elapsedMs - last < (process.stderr.isTTY ? 250 : 10_000)) return;
    last = elapsedMs;
    const line = `${shrinking ? 'shrinking… ' : ''}${cases} cases, ${(elapsedMs / 1000).toFixed(0)} s, ${(cases / (elapsedMs / 1000)).toFixed(0)} cases/s`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}   ` : `${line}\n`);
  };
}

/**
 * Runs a live campaign against the worker's torch, replaying the golden corpus first; a failure's
 * shrunk case is stored in golden/found/ as a fixture. Returns the report and the fixture paths.
 */
export async function campaign(options: CampaignCommandOptions): Promise<{ report: CampaignReport; fixtures: string[] }> {
  await setupPython();
  const store = new GoldenStore();
  const examples = store.keys().map((key) => store.load(key).case);
  const bridge = await TorchBridge.start();
  try {
    const report = await runCampaign({
      bridge,
      seed: options.seed,
      budgetMs: options.budgetSeconds * 1000,
      ...(options.runs === undefined ? {} : { numRuns: options.runs }),
      ...(options.path === undefined ? {} : { path: options.path }),
      ...(options.minCases === undefined ? {} : { minCases: options.minCases }),
      examples,
      onProgress: progressPrinter(),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const fixtures: string[] = [];
    if (report.failures.length > 0 && report.fastCheck !== null) {
      const recorded = await recordFixtures(
        bridge,
        report.failures.map((f) => ({
          case: f.case,
          summary: `campaign seed ${report.seed}: ${f.report[0] ?? 'mismatch'}`.slice(0, 200),
          origin: 'campaign' as const,
          fastCheck: { seed: report.fastCheck!.seed, path: report.fastCheck!.path ?? '', numRuns: report.fastCheck!.numRuns },
        })),
      );
      for (const fixture of recorded) fixtures.push(path.join('golden', store.save(fixture).key));
    }
    if (options.reportDir !== undefined) {
      mkdirSync(options.reportDir, { recursive: true });
      writeFileSync(path.join(options.reportDir, 'parity-report.json'), reportJson(report, fixtures));
      writeFileSync(path.join(options.reportDir, 'parity-report.md'), formatMarkdown(report, fixtures));
    }
    return { report, fixtures };
  } finally {
    await bridge.stop();
  }
}

/** typecheck, unit tests, golden replay, then a live campaign; every step must pass. */
async function verify(options: CampaignCommandOptions): Promise<boolean> {
  $.cwd = REPO_ROOT;
  $.verbose = true;
  await $`pnpm run typecheck`;
  await $`pnpm exec vitest run --project unit --project golden`;
  const { report, fixtures } = await campaign(options);
  console.log(`\n${formatSummary(report, fixtures)}`);
  return report.passed;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      seed: { type: 'string' },
      budget: { type: 'string' },
      runs: { type: 'string' },
      path: { type: 'string' },
      'report-dir': { type: 'string' },
      'min-cases': { type: 'string' },
    },
  });
  const number = (text: string | undefined, fallback: number): number => (text === undefined ? fallback : Number(text));
  const isParity = command === 'parity';
  const options: CampaignCommandOptions = {
    seed: number(values.seed, DEFAULT_SEED),
    // verify keeps the whole command within two minutes here; the nightly job passes a long budget.
    budgetSeconds: number(values.budget, isParity ? 600 : 45),
    ...(values.runs === undefined ? {} : { runs: Number(values.runs) }),
    ...(values.path === undefined ? {} : { path: values.path }),
    ...(values['min-cases'] === undefined ? {} : { minCases: Number(values['min-cases']) }),
    reportDir: values['report-dir'] ?? (isParity ? path.join(REPO_ROOT, '.parity', 'reports') : undefined),
  };
  if (command === 'verify') return (await verify(options)) ? 0 : 1;
  if (command === 'parity') {
    const { report, fixtures } = await campaign(options);
    console.log(formatSummary(report, fixtures));
    console.log(`reports: ${options.reportDir}/parity-report.{json,md}`);
    return report.passed ? 0 : 1;
  }
  console.error('usage: tsx harness/cli.ts verify|parity [--seed N] [--budget SECONDS] [--runs N] [--path P] [--report-dir DIR] [--min-cases N]');
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
