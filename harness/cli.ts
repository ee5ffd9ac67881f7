// The harness CLI: `verify` (before you push) and `parity` (the nightly campaign). zx runs the steps.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { $ } from 'zx';
import { TorchBridge } from './worker/bridge.js';
import { type CampaignReport, runCampaign } from './explore/campaign.js';
import { formatMarkdown, formatSummary, reportJson } from './explore/report.js';
import { GoldenStore } from './golden/store.js';
import { type Parsed, integerOption, parseCommandLine, pathOption, positiveNumberOption, runIfMain } from './command-line.js';
import { REPO_ROOT } from './paths.js';
import { setupPython } from './worker/python-setup.js';
import { recordFixtures } from './golden/record.js';

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

/** What a command line asks the harness CLI to do. */
export interface CampaignCommand {
  readonly command: 'verify' | 'parity';
  readonly options: CampaignCommandOptions;
}

/** The fast-check replay path of one counterexample, e.g. `3:0:1`. */
function replayPath(text: string): string {
  if (!/^\d+(:\d+)*$/.test(text)) throw new InvalidArgumentError(`--path takes a fast-check path such as 3:0:1, got ${JSON.stringify(text)}.`);
  return text;
}

/**
 * Parses the harness CLI's arguments (after the script name) without running anything: every value
 * is validated here, so a run never starts with a seed or budget that is not a number.
 */
export function parseCli(argv: readonly string[]): Parsed<CampaignCommand> {
  return parseCommandLine<CampaignCommand>(argv, (select) => {
    const program = new Command('harness/cli.ts').description('Live parity campaigns against the pinned torch.');
    const define = (name: 'verify' | 'parity', description: string, budget: number): void => {
      program
        .command(name)
        .description(description)
        .option('--seed <n>', `fast-check seed (default ${DEFAULT_SEED})`, integerOption('--seed', -(2 ** 31), 2 ** 31 - 1))
        .option('--budget <seconds>', `exploration time budget (default ${budget})`, positiveNumberOption('--budget'))
        .option('--runs <n>', 'at most this many property runs (batches)', integerOption('--runs', 1))
        .option('--path <path>', 'replay one fast-check counterexample path', replayPath)
        .option('--report-dir <dir>', `write parity-report.{json,md} here${name === 'parity' ? ' (default .parity/reports)' : ''}`, pathOption)
        .option('--min-cases <n>', 'fail a run that executed fewer cases (default 50)', integerOption('--min-cases', 0))
        .action((values: { seed?: number; budget?: number; runs?: number; path?: string; reportDir?: string; minCases?: number }) => {
          const reportDir = values.reportDir ?? (name === 'parity' ? path.join(REPO_ROOT, '.parity', 'reports') : undefined);
          select({
            command: name,
            options: {
              seed: values.seed ?? DEFAULT_SEED,
              budgetSeconds: values.budget ?? budget,
              ...(values.runs === undefined ? {} : { runs: values.runs }),
              ...(values.path === undefined ? {} : { path: values.path }),
              ...(values.minCases === undefined ? {} : { minCases: values.minCases }),
              ...(reportDir === undefined ? {} : { reportDir }),
            },
          });
        });
    };
    // verify keeps the whole command within two minutes here; the nightly job passes a long budget.
    define('verify', 'typecheck, unit tests, golden replay, then a live campaign (before you push)', 45);
    define('parity', 'the long live campaign with JSON and Markdown reports (nightly)', 600);
    return program;
  });
}

/** Parses and runs; returns the exit code (2 for a usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const { command, options } = parsed.run;
  if (command === 'verify') return (await verify(options)) ? 0 : 1;
  const { report, fixtures } = await campaign(options);
  console.log(formatSummary(report, fixtures));
  console.log(`reports: ${options.reportDir}/parity-report.{json,md}`);
  return report.passed ? 0 : 1;
}

runIfMain(import.meta.url, main);
