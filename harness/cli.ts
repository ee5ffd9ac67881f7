// The harness CLI: `verify` (before you push), `parity` (the nightly campaign) and `replay` (one stored case). zx runs verify's steps.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { $, type ProcessPromise } from 'zx';
import type { ModuleKind } from './worker/protocol.js';
import { MODULE_WEIGHTS, parityCase } from './explore/arbitraries.js';
import { TorchBridge } from './worker/bridge.js';
import { CasePool } from './parity/case-pool.js';
import { Presets, SingleBar } from 'cli-progress';
import { type CampaignProgress, type CampaignReport, checkBatch, runCampaign } from './explore/campaign.js';
import { formatMarkdown, formatSummary, reportDoc } from './explore/report.js';
import { formatHtml } from './explore/report-html.js';
import { type ParityReportDoc, parityReportSchema } from './explore/report-schema.js';
import { type ReportPart, markdownReport, mergeReports } from './explore/merge.js';
import { type Shard, parseShard, shardName } from './explore/shard.js';
import { unexercisedExportsProblem } from './explore/export-coverage-rule.js';
import { campaignCaseId, describeCase, fixtureFromDoc } from './golden/fixture.js';
import { isApiCase } from './api/api-case.js';
import { loadApiFixtures, newApiFixture, saveApiFixture } from './golden/api-fixture.js';
import { type CaseFailure, type ShrinkStart, isApiFailure } from './explore/failures.js';
import { parseFixtureDoc } from './golden/fixture-schema.js';
import { loadQuarantineRules, quarantine, quarantineRuleFor, quarantinedCase } from './golden/quarantine.js';
import { DirectoryBackend, GOLDEN_DIR, GoldenStore } from './golden/store.js';
import { type Parsed, printExit, integerOption, parseCommandLine, pathOption, positiveNumberOption, runIfMain } from './command-line.js';
import { REPO_ROOT } from './paths.js';
import { exitOnStopRequest } from './shutdown.js';
import { setupPython } from './worker/python-setup.js';
import { harnessVersion, recordFixtures } from './golden/record.js';

/** The fixed default seed of `pnpm verify`, so two runs of the same tree explore the same cases. */
export const DEFAULT_SEED = 20261128;

export interface CampaignCommandOptions {
  readonly seed: number;
  readonly budgetSeconds: number;
  readonly runs?: number;
  readonly path?: string;
  readonly reportDir?: string;
  readonly minCases?: number;
  /** The fixture store to replay first and to write found fixtures and quarantined cases to; default golden/. */
  readonly golden?: string;
  /** Worker request deadline in seconds (default 60). */
  readonly deadlineSeconds?: number;
  /** Extra environment for the worker (tests inject faults through it). */
  readonly workerEnv?: NodeJS.ProcessEnv;
  /** Explore only this shard of the seed's case stream (and of the corpus); see harness/explore/shard.ts. */
  readonly shard?: Shard;
  /**
   * Torch workers, each with a TS worker thread when there are two or more (harness/parity/case-pool.ts);
   * default the machine's cores (`os.availableParallelism()`). The cases and the verdict do not depend on it.
   */
  readonly workers?: number;
  /**
   * Draw only these modules, equally often, and no API cases beside them (a campaign that proves one
   * module family, e.g. the 100,000 cases per module of issue 17); default every module by
   * MODULE_WEIGHTS, with the API supplement.
   */
  readonly modules?: readonly ModuleKind[];
}

/** What a campaign run leaves behind. */
export interface CampaignRun {
  readonly report: CampaignReport;
  /** Fixtures written for the failures, as paths. */
  readonly fixtures: string[];
  /** Quarantine records written for unanswered cases, as paths. */
  readonly quarantined: string[];
}

/** Exit codes: PASS 0, FAIL 1, usage 2, INCOMPLETE 3 (a case went unanswered: never a pass). */
export const EXIT_CODE: Readonly<Record<CampaignReport['status'], number>> = { PASS: 0, FAIL: 1, INCOMPLETE: 3 };

/**
 * Campaign progress on stderr: on a terminal a bar over the time budget with cases, rate and ETA
 * (cli-progress); elsewhere (CI logs) a plain line every 10 s, since a redrawn bar is noise in a log.
 */
export function progressPrinter(
  budgetSeconds: number,
  stream: NodeJS.WriteStream = process.stderr,
): { update: (p: CampaignProgress) => void; stop: () => void } {
  if (stream.isTTY !== true) {
    let last = 0;
    return {
      update: ({ cases, elapsedMs, shrinking }) => {
        if (elapsedMs - last < 10_000) return;
        last = elapsedMs;
        stream.write(
          `${shrinking ? 'shrinking… ' : ''}${cases} cases, ${(elapsedMs / 1000).toFixed(0)} s, ${(cases / (elapsedMs / 1000)).toFixed(0)} cases/s\n`,
        );
      },
      stop: () => {},
    };
  }
  // The cursor stays visible: a stop signal ends the process at once, with no chance to show it again.
  // The budget, not the case count, ends exploration, so the bar's total is seconds and its ETA the
  // budget left (cli-progress's own ETA extrapolates from its update rate, which a campaign does not set).
  const bar = new SingleBar(
    {
      stream,
      format: '{phase} [{bar}] {percentage}% | {value}/{total} s | {cases} cases, {rate} cases/s | ETA {left}',
      hideCursor: false,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const total = Math.ceil(budgetSeconds);
  bar.start(total, 0, { phase: 'exploring', cases: 0, rate: 0, left: `${total}s` });
  return {
    update: ({ cases, elapsedMs, shrinking }) => {
      const seconds = elapsedMs / 1000;
      // Shrinking runs under its own limit after the budget: how long it takes is not known ahead.
      const left = shrinking ? '?' : `${Math.max(0, Math.ceil(budgetSeconds - seconds))}s`;
      bar.update(Math.min(total, Math.floor(seconds)), {
        phase: shrinking ? 'shrinking' : 'exploring',
        cases,
        rate: seconds > 0 ? Math.round(cases / seconds) : 0,
        left,
      });
    },
    stop: () => bar.stop(),
  };
}

/**
 * Runs a live campaign against the worker's torch, replaying the golden corpus first. A failure's
 * shrunk case is stored in `<golden>/found/` as a fixture; every case torch did not answer is stored
 * in `<golden>/quarantine/` with its replay command. Unreadable fixtures are each reported and the
 * run goes on with the rest (then fails, naming them all).
 */
export async function campaign(options: CampaignCommandOptions): Promise<CampaignRun> {
  // From the start: a stop request while torch is still loading must end the run too.
  let pool: CasePool | null = null;
  const guard = exitOnStopRequest(() => pool?.kill());
  try {
    await setupPython();
    return await campaignWith(options, (started) => {
      pool = started;
    });
  } finally {
    guard.dispose();
  }
}

async function campaignWith(options: CampaignCommandOptions, onPool: (pool: CasePool) => void): Promise<CampaignRun> {
  const goldenDir = options.golden ?? GOLDEN_DIR;
  const backend = new DirectoryBackend(goldenDir);
  const store = new GoldenStore(backend);
  for (const removed of store.sweep()) console.error(`removed ${removed}: a temporary file left by a writer that was killed`);
  const { fixtures: loaded, problems: badRnnFixtures } = store.loadAll();
  const { fixtures: loadedApi, problems: badApiFixtures } = loadApiFixtures(backend);
  const badFixtures = [...badRnnFixtures, ...badApiFixtures];
  const rules = loadQuarantineRules(path.join(goldenDir, 'quarantine-rules.json'));
  const pool = await CasePool.start({
    workers: options.workers ?? availableParallelism(),
    bridge: {
      ...(options.deadlineSeconds === undefined ? {} : { deadlineMs: options.deadlineSeconds * 1000 }),
      // A live campaign judges torch's answers with tolerances, so MKL may take this CPU's fastest path
      // (COMPATIBLE, the worker's default for recording the corpus, cost ~10% of campaign cases/s here);
      // fixtures found meanwhile record the setting in their provenance, and an explicit MKL_CBWR wins.
      env: { MKL_CBWR: process.env.MKL_CBWR ?? 'AUTO', ...options.workerEnv },
    },
  });
  onPool(pool);
  const bridge = pool.bridge;
  try {
    const progress = progressPrinter(options.budgetSeconds);
    let campaignReport: CampaignReport;
    try {
      campaignReport = await runCampaign({
        bridge,
        pool,
        seed: options.seed,
        budgetMs: options.budgetSeconds * 1000,
        ...(options.runs === undefined ? {} : { numRuns: options.runs }),
        ...(options.path === undefined ? {} : { path: options.path }),
        ...(options.minCases === undefined ? {} : { minCases: options.minCases }),
        ...(options.shard === undefined ? {} : { shard: options.shard }),
        ...(options.modules === undefined
          ? {}
          : { arbitrary: parityCase({ modules: Object.fromEntries(options.modules.map((m) => [m, 1])) }), supplement: null }),
        examples: [...loaded.map((f) => f.fixture.case), ...loadedApi.map((f) => f.fixture.case)],
        quarantine: (failure) => quarantineRuleFor(rules, failure),
        onProgress: (p) => progress.update(p),
      });
    } finally {
      progress.stop();
    }
    const problems = [...campaignReport.problems, ...badFixtures.map((p) => `unreadable fixture: ${p}`)];
    // The rule holds a whole campaign run to its budget: a failure ends exploration early, and --runs,
    // --path, --shard and --modules cut the stream on purpose, so exports unexercised then are no news.
    const isWholeRun = options.runs === undefined && options.path === undefined && options.shard === undefined && options.modules === undefined;
    const unexercised = isWholeRun && campaignReport.failures.length === 0 ? unexercisedExportsProblem(campaignReport.coverage.api) : null;
    if (unexercised !== null) problems.push(unexercised);
    const report: CampaignReport =
      problems.length === campaignReport.problems.length ? campaignReport : { ...campaignReport, problems, status: 'FAIL', passed: false };
    const fixtures: string[] = [];
    // A failing case that is already a fixture (a corpus case replayed first) is named, not copied.
    const corpus = new Map([...loaded, ...loadedApi].map((f) => [f.fixture.id, f.key]));
    const fresh = report.failures.filter((f) => {
      const key = corpus.get(campaignCaseId(f.case));
      if (key !== undefined) fixtures.push(backend.describe(key));
      return key === undefined;
    });
    const freshRnn = fresh.filter((f): f is CaseFailure => !isApiFailure(f));
    const fastCheckOrigin =
      report.fastCheck === null ? null : { seed: report.fastCheck.seed, path: report.fastCheck.path ?? '', numRuns: report.fastCheck.numRuns };
    for (const f of fresh.filter(isApiFailure)) {
      // An API failure carries torch's exact answer already: stored as seen, no re-recording needed.
      const fixture = newApiFixture({
        case: f.case,
        summary: `campaign seed ${report.seed}: ${f.report[0] ?? 'mismatch'}`,
        expected: f.torch,
        tsAtRecord: f.ts,
        handshake: report.torch,
        harnessVersion: harnessVersion(),
        recordedAt: new Date(),
        fastCheck: fastCheckOrigin,
      });
      fixtures.push(backend.describe(saveApiFixture(backend, fixture)));
    }
    if (freshRnn.length > 0) {
      const fastCheck = report.fastCheck;
      try {
        const recorded = await recordFixtures(
          bridge,
          freshRnn.map((f) => ({
            case: f.case,
            summary: `campaign seed ${report.seed}: ${f.report[0] ?? 'mismatch'}`.slice(0, 200),
            origin: 'campaign' as const,
            fastCheck: fastCheck === null ? null : { seed: fastCheck.seed, path: fastCheck.path ?? '', numRuns: fastCheck.numRuns },
            shrunkFrom: f.shrunkFrom === undefined ? null : { start: startName(f.shrunkFrom.start, loaded), steps: f.shrunkFrom.steps },
          })),
        );
        for (const fixture of recorded) fixtures.push(backend.describe(store.save(fixture).key));
      } catch (error) {
        problems.push(`the failing case could not be recorded as a fixture: ${(error as Error).message}`);
      }
    }
    // An unanswered API case is reported (report.workerFailures) but has no quarantine record yet.
    const quarantined = report.workerFailures.flatMap((w) => {
      const c = w.case;
      return isApiCase(c)
        ? []
        : [backend.describe(quarantine(backend, { ...w, case: c }, { seed: report.seed, torchVersion: report.torch.torch_version }))];
    });
    const final: CampaignReport = problems.length === report.problems.length ? report : { ...report, problems, status: 'FAIL', passed: false };
    if (options.reportDir !== undefined)
      writeReports(options.reportDir, reportDoc(final, fixtures, quarantined), formatMarkdown(final, fixtures, quarantined));
    return { report: final, fixtures, quarantined: [...new Set(quarantined)] };
  } finally {
    await pool.stop();
  }
}

/**
 * Names where a shrunk failure started, for the fixture's provenance: a corpus case by its fixture
 * id (the content hash, stable across checkouts), else the phase that found it.
 */
function startName(start: ShrinkStart, corpus: readonly { readonly fixture: { readonly id: string } }[]): string {
  return start.kind === 'corpus' ? `fixture ${corpus[start.example]?.fixture.id ?? `example ${start.example}`}` : start.kind;
}

/** Writes parity-report.{json,md,html} into `dir`. */
function writeReports(dir: string, doc: ParityReportDoc, markdown: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'parity-report.json'), `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(path.join(dir, 'parity-report.md'), markdown);
  writeFileSync(path.join(dir, 'parity-report.html'), formatHtml(doc));
}

/** A report file `parity:merge` cannot read: missing, not JSON, or not of the report schema. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

function readReport(file: string): ParityReportDoc {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReportFileError(`${file}: ${(error as Error).message}`);
  }
  const parsed = parityReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReportFileError(
      `${file} is not a parity-report.json of schema_version 1: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return parsed.data;
}

/**
 * `pnpm parity:merge REPORT… --out DIR`: merges shards' parity-report.json files into one report of
 * the same form (harness/explore/merge.ts), written as parity-report.{json,md,html} in `out`.
 *
 * @throws ReportFileError naming the file, for a report that cannot be read as a parity-report.json.
 */
export function mergeCommand(files: readonly string[], out: string): ParityReportDoc {
  const parts: ReportPart[] = files.map((file) => {
    const doc = readReport(file);
    return { name: doc.shard == null ? file : `shard ${shardName(doc.shard)}`, doc };
  });
  const merged = mergeReports(parts);
  writeReports(out, merged, formatMarkdown(markdownReport(merged), merged.fixtures, merged.quarantine));
  return merged;
}

/**
 * `pnpm replay FILE`: runs the one case of a quarantine record or a fixture through torch and TS
 * and prints the verdict (or torch's non-answer again).
 */
export async function replayCase(file: string, options: { readonly workerEnv?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const text = readFileSync(file, 'utf8');
  const json: unknown = JSON.parse(text);
  const c = quarantinedCase(json, file) ?? fixtureFromDoc(parseFixtureDoc(text, file)).case;
  await setupPython();
  const bridge = await TorchBridge.start(options.workerEnv === undefined ? {} : { env: options.workerEnv });
  const stopOnSignal = exitOnStopRequest(() => bridge.killWorker());
  try {
    let unanswered: string | null = null;
    const { failures } = await checkBatch(
      bridge,
      [c],
      undefined,
      () => {},
      (f) => {
        unanswered = `${f.status}: ${f.error}`;
      },
    );
    console.log(describeCase(c));
    if (unanswered !== null) {
      console.log(`torch did not answer (${unanswered})`);
      return EXIT_CODE.INCOMPLETE;
    }
    for (const failure of failures) for (const line of failure.report) console.log(`  ${line}`);
    console.log(failures.length === 0 ? 'PASS: TS matches torch' : 'FAIL');
    return failures.length === 0 ? EXIT_CODE.PASS : EXIT_CODE.FAIL;
  } finally {
    stopOnSignal.dispose();
    await bridge.stop();
  }
}

/** typecheck, unit tests, golden replay, then a live campaign; every step must pass. */
async function verify(options: CampaignCommandOptions): Promise<CampaignReport['status']> {
  $.cwd = REPO_ROOT;
  $.verbose = true;
  // A stop request during a step ends the step's process tree too, not only this process.
  let step: ProcessPromise | null = null;
  const guard = exitOnStopRequest(() => void step?.kill('SIGKILL'));
  try {
    step = $`pnpm run typecheck`;
    await step;
    step = $`pnpm exec vitest run --project unit --project golden`;
    await step;
    step = null;
  } finally {
    guard.dispose();
  }
  const { report, fixtures, quarantined } = await campaign(options);
  console.log(`\n${formatSummary(report, fixtures, quarantined)}`);
  return report.status;
}

/** What a command line asks the harness CLI to do. */
export type CampaignCommand =
  | { readonly command: 'verify' | 'parity'; readonly options: CampaignCommandOptions }
  | { readonly command: 'replay'; readonly file: string }
  | { readonly command: 'merge'; readonly files: readonly string[]; readonly out: string };

/** The fast-check replay path of one counterexample, e.g. `3:0:1`. */
function replayPath(text: string): string {
  if (!/^\d+(:\d+)*$/.test(text)) throw new InvalidArgumentError(`--path takes a fast-check path such as 3:0:1, got ${JSON.stringify(text)}.`);
  return text;
}

/** Every module kind a campaign draws: the keys of its weights. */
const MODULE_KINDS = Object.keys(MODULE_WEIGHTS) as ModuleKind[];

function modulesOption(text: string): ModuleKind[] {
  const kinds = text.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(MODULE_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0)
    throw new InvalidArgumentError(`--modules takes a comma-separated list of ${MODULE_KINDS.join(', ')}; got ${text}`);
  return [...new Set(kinds)] as ModuleKind[];
}

function shardOption(text: string): Shard {
  try {
    return parseShard(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
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
        .option('--report-dir <dir>', `write parity-report.{json,md,html} here${name === 'parity' ? ' (default .parity/reports)' : ''}`, pathOption)
        .option('--min-cases <n>', 'fail a run that executed fewer cases (default 50)', integerOption('--min-cases', 0))
        .option('--golden <dir>', 'fixture store to replay first and to write found and quarantined cases to (default golden/)', pathOption)
        .option('--deadline <seconds>', 'deadline of one worker request (default 60)', positiveNumberOption('--deadline'))
        .option('--shard <i/n>', 'explore only shard i of n of the case stream (1 ≤ i ≤ n); merge the reports with parity:merge', shardOption)
        .option(
          '--workers <n>',
          `torch workers, and TS worker threads beside them (default: the machine's cores, ${availableParallelism()} here)`,
          integerOption('--workers', 1, 256),
        )
        .option('--modules <list>', `draw only these modules, equally often, without API cases (${MODULE_KINDS.join(',')})`, modulesOption)
        .action(
          (values: {
            seed?: number;
            budget?: number;
            runs?: number;
            path?: string;
            reportDir?: string;
            minCases?: number;
            golden?: string;
            deadline?: number;
            shard?: Shard;
            workers?: number;
            modules?: ModuleKind[];
          }) => {
            const reportDir = values.reportDir ?? (name === 'parity' ? path.join(REPO_ROOT, '.parity', 'reports') : undefined);
            select({
              command: name,
              options: {
                seed: values.seed ?? DEFAULT_SEED,
                budgetSeconds: values.budget ?? budget,
                ...(values.runs === undefined ? {} : { runs: values.runs }),
                ...(values.path === undefined ? {} : { path: values.path }),
                ...(values.minCases === undefined ? {} : { minCases: values.minCases }),
                ...(values.golden === undefined ? {} : { golden: values.golden }),
                ...(values.deadline === undefined ? {} : { deadlineSeconds: values.deadline }),
                ...(values.shard === undefined ? {} : { shard: values.shard }),
                ...(values.workers === undefined ? {} : { workers: values.workers }),
                ...(values.modules === undefined ? {} : { modules: values.modules }),
                ...(reportDir === undefined ? {} : { reportDir }),
              },
            });
          },
        );
    };
    // verify keeps the whole command within two minutes here; the nightly job passes a long budget.
    define('verify', 'typecheck, unit tests, golden replay, then a live campaign (before you push)', 45);
    define('parity', 'the long live campaign with JSON, Markdown and HTML reports (nightly)', 600);
    program
      .command('replay')
      .description('run the one case of a quarantine record or a fixture through torch and TS, and print the verdict')
      .argument('<file>', 'golden/quarantine/<id>.json or a fixture', pathOption)
      .action((file: string) => select({ command: 'replay', file }));
    program
      .command('merge')
      .description("merge shards' parity-report.json files into one report (parity-report.{json,md,html})")
      .argument('<reports...>', "the shards' parity-report.json files", (file: string, previous: string[] = []) => [...previous, pathOption(file)])
      .requiredOption('--out <dir>', 'write the merged parity-report.{json,md,html} here', pathOption)
      .action((files: string[], values: { out: string }) => select({ command: 'merge', files, out: values.out }));
    return program;
  });
}

/** Parses and runs; returns the exit code (2 for a usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (parsed.kind === 'exit') return printExit(parsed);
  const run = parsed.run;
  if (run.command === 'replay') return replayCase(run.file);
  if (run.command === 'merge') {
    let merged: ParityReportDoc;
    try {
      merged = mergeCommand(run.files, run.out);
    } catch (error) {
      if (!(error instanceof ReportFileError)) throw error;
      console.error(`error: ${error.message}`);
      return 2;
    }
    console.log(`merged ${run.files.length} reports: ${merged.casesExplored} cases, ${merged.status}`);
    console.log(`reports: ${run.out}/parity-report.{json,md,html}`);
    return EXIT_CODE[merged.status];
  }
  const { command, options } = run;
  if (command === 'verify') return EXIT_CODE[await verify(options)];
  const { report, fixtures, quarantined } = await campaign(options);
  console.log(formatSummary(report, fixtures, quarantined));
  console.log(`reports: ${options.reportDir}/parity-report.{json,md,html}`);
  return EXIT_CODE[report.status];
}

runIfMain(import.meta.url, main);
