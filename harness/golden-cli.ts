// golden:* commands: record the baseline corpus, report drift against another torch, regenerate expectations in a reviewed change.
import path from 'node:path';
import { Command } from 'commander';
import { baselinePlan, supportProbes } from './golden/baseline.js';
import { TorchBridge } from './worker/bridge.js';
import { driftFixtures } from './drift/classify.js';
import { driftTable, writeDriftReport } from './drift/report.js';
import { regenerateFixture, workerDoc, type Fixture } from './golden/fixture.js';
import { DirectoryBackend, GOLDEN_DIR, GoldenStore } from './golden/store.js';
import { loadLedger } from './golden/ledger.js';
import { runTs } from './parity/parity-case.js';
import { type Parsed, printExit, parseCommandLine, pathOption, runIfMain } from './command-line.js';
import { REPO_ROOT } from './paths.js';
import { harnessVersion, recordFixtures } from './golden/record.js';
import { replayFixture } from './golden/replay.js';
import { pinnedTorchVersion } from './worker/torch-pin.js';

/** Options shared by the golden commands; every field has a default. */
export interface GoldenCommandOptions {
  /** Interpreter whose torch answers; default RNN_PARITY_PYTHON, then python/.venv. */
  readonly python?: string;
  /** Store root; default golden/. */
  readonly golden?: string;
  /** Known-divergence ledger; default `<golden>/known-divergences.json`. */
  readonly ledger?: string;
  /** Report directory; default .parity/drift (drift) or .parity/regen (regen). */
  readonly out?: string;
  /** regen only: report what would be rewritten, write no fixture. */
  readonly dryRun?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

function storeFor(options: GoldenCommandOptions): GoldenStore {
  return new GoldenStore(new DirectoryBackend(options.golden ?? GOLDEN_DIR));
}

function ledgerFor(options: GoldenCommandOptions): ReturnType<typeof loadLedger> {
  return loadLedger(options.ledger ?? path.join(options.golden ?? GOLDEN_DIR, 'known-divergences.json'));
}

async function startBridge(options: GoldenCommandOptions): Promise<TorchBridge> {
  return TorchBridge.start(options.python === undefined ? {} : { python: options.python });
}

/**
 * `pnpm golden:baseline`: records the baseline corpus (harness/golden/baseline.ts) through the live worker
 * into `<golden>/baseline/`, keeps files whose content did not change, and removes baseline files
 * no longer in the plan. Refuses to write golden/ with a torch other than the pinned one.
 * @returns the exit code.
 */
export async function goldenBaseline(options: GoldenCommandOptions = {}): Promise<number> {
  const log = options.log ?? console.log;
  const store = storeFor(options);
  const bridge = await startBridge(options);
  try {
    const torch = bridge.handshake.torch_version;
    const pinned = pinnedTorchVersion();
    if (options.golden === undefined && torch.split('+')[0] !== pinned) {
      log(
        `golden:baseline: the committed corpus is recorded with the pinned torch ${pinned}, but ${bridge.handshake.python_executable} has torch ${torch}; pass --golden DIR to record elsewhere`,
      );
      return 2;
    }
    const probes = supportProbes();
    const packedProbe = runTs(probes.packed);
    const plan = baselinePlan({
      dropoutModel: bridge.handshake.dropout_model,
      packed: packedProbe.error === null || !packedProbe.error.type.startsWith('JS:'),
      grad: Object.keys(runTs(probes.grad).tensors).some((name) => name.startsWith('grad.')),
    });
    const started = performance.now();
    const fixtures = await recordFixtures(
      bridge,
      plan.cases.map((c) => ({ case: c.case, summary: c.summary, origin: 'baseline' as const })),
    );
    const counts = { created: 0, updated: 0, unchanged: 0, removed: 0 };
    const ids = new Set<string>();
    for (const fixture of fixtures) {
      if (ids.has(fixture.id)) throw new Error(`BUG: two baseline cases share the id ${fixture.id} (${fixture.summary})`);
      ids.add(fixture.id);
      counts[store.save(fixture).status]++;
    }
    for (const key of store.keys(['baseline'])) {
      if (!ids.has(path.basename(key, '.json'))) {
        store.backend.remove(key);
        counts.removed++;
      }
    }
    const mismatches: Fixture[] = [];
    for (const f of fixtures) if ((await replayFixture(f, { pinnedTorch: pinned, ledger: ledgerFor(options) })).status === 'fail') mismatches.push(f);
    log(
      `golden:baseline: ${fixtures.length} fixtures with torch ${torch} in ${((performance.now() - started) / 1000).toFixed(1)} s — ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.removed} removed`,
    );
    for (const reason of plan.skipped) log(`  skipped: ${reason}`);
    for (const f of mismatches) log(`  TS differs from torch: ${f.id} ${f.summary}`);
    return mismatches.length === 0 ? 0 : 1;
  } finally {
    await bridge.stop();
  }
}

/**
 * `pnpm golden:drift`: replays every fixture's case through the named torch, classifies each one,
 * prints the table and writes drift-report.json / drift-report.md.
 * @returns 0 when no fixture needs action, 1 otherwise (see drift.ts `driftFailures`).
 */
export async function goldenDrift(options: GoldenCommandOptions = {}): Promise<number> {
  const log = options.log ?? console.log;
  const { report, out } = await drift(options, path.join(REPO_ROOT, '.parity', 'drift'));
  log(driftTable(report));
  log(`reports: ${path.relative(process.cwd(), out.markdown)}, ${path.relative(process.cwd(), out.json)}`);
  return report.failures.length === 0 ? 0 : 1;
}

async function drift(options: GoldenCommandOptions, defaultOut: string) {
  const store = storeFor(options);
  const stored = store.list();
  const bridge = await startBridge(options);
  try {
    const run = await driftFixtures(bridge, stored, { pinnedTorch: pinnedTorchVersion(), ledger: ledgerFor(options) });
    const out = writeDriftReport(run.report, options.out ?? defaultOut);
    return { ...run, out, store, stored, handshake: bridge.handshake };
  } finally {
    await bridge.stop();
  }
}

/**
 * Why regeneration must not run here, or null. Expectations are rewritten only in a reviewed change,
 * never as a side effect of a test run: refused under vitest (VITEST) and in CI's test job
 * (CI_TEST_JOB, set by .github/workflows/ci.yml).
 */
export function regenRefusal(env: NodeJS.ProcessEnv): string | null {
  if (env.VITEST) return 'golden:regen refuses to run under vitest: expectations change only in a reviewed commit, never during a test run';
  if (env.CI_TEST_JOB)
    return 'golden:regen refuses to run in the CI test job (CI_TEST_JOB is set): run it locally or in the nightly regen job, which opens a pull request';
  return null;
}

/**
 * `pnpm golden:regen`: the drift report, then, for every fixture whose torch expectation (outcome
 * or float64 shadow) or recording torch version changed, the expectation, shadow, TS answer and
 * provenance rewritten from the named torch. Every other file is left untouched, so the diff holds
 * only what a reviewer must read (see {@link regenerateFixture}). Cases (and so ids) never change.
 * With `dryRun`, lists what would be rewritten and writes no fixture. Refused inside tests.
 * @returns 2 when refused, 1 when a fixture got no answer (it is kept as it was), else 0.
 */
export async function goldenRegen(options: GoldenCommandOptions = {}): Promise<number> {
  const log = options.log ?? console.log;
  const refusal = regenRefusal(options.env ?? process.env);
  if (refusal !== null) {
    log(refusal);
    return 2;
  }
  const { report, answers, out, store, stored, handshake } = await drift(options, path.join(REPO_ROOT, '.parity', 'regen'));
  log(driftTable(report));
  const provenance = { worker: workerDoc(handshake), harness_version: harnessVersion(), recorded_at: new Date().toISOString() };
  const counts = { rewritten: 0, unchanged: 0, kept: 0 };
  stored.forEach(({ fixture }, i) => {
    const answer = answers[i]!;
    if ('noAnswer' in answer) {
      counts.kept++;
      return;
    }
    const regeneration = regenerateFixture(fixture, answer, { tsAtRecord: runTs(fixture.case), provenance });
    if (regeneration === null) {
      counts.unchanged++;
      return;
    }
    counts.rewritten++;
    log(`  ${options.dryRun ? 'would rewrite' : 'rewrote'} ${fixture.id} (${regeneration.changes.join(', ')}): ${fixture.summary}`);
    if (!options.dryRun) store.save(regeneration.fixture);
  });
  const verb = options.dryRun ? 'would be rewritten (dry run: no file written)' : 'rewritten';
  log(
    `golden:regen: ${counts.rewritten} fixtures ${verb} from torch ${handshake.torch_version}, ${counts.unchanged} unchanged, ${counts.kept} kept (no answer)`,
  );
  if (!options.dryRun && counts.rewritten > 0)
    log(`review the diff with the report (${path.relative(process.cwd(), out.markdown)}) before committing`);
  return counts.kept === 0 ? 0 : 1;
}

/** What a command line asks the golden CLI to do. */
export interface GoldenCommand {
  readonly command: 'baseline' | 'drift' | 'regen';
  readonly options: GoldenCommandOptions;
}

/** Parses the golden CLI's arguments (after the script name) without running anything. */
export function parseGoldenCli(argv: readonly string[]): Parsed<GoldenCommand> {
  return parseCommandLine<GoldenCommand>(argv, (select) => {
    const program = new Command('harness/golden-cli.ts').description('The golden corpus: record it, see how another torch moves it, regenerate it.');
    const define = (name: GoldenCommand['command'], description: string): void => {
      const command = program.command(name);
      if (name === 'regen') command.option('--dry-run', 'list the fixtures that would be rewritten, and why; write none');
      command
        .description(description)
        .option('--python <path>', 'interpreter with the torch to use (default: RNN_PARITY_PYTHON, then python/.venv)', pathOption)
        .option('--golden <dir>', 'fixture store (default: golden/)', pathOption)
        .option('--ledger <file>', 'known-divergence ledger (default: <golden>/known-divergences.json)', pathOption)
        .option('--out <dir>', 'report directory (default: .parity/drift or .parity/regen)', pathOption)
        .action((values: { python?: string; golden?: string; ledger?: string; out?: string; dryRun?: boolean }) => {
          select({
            command: name,
            options: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as GoldenCommandOptions,
          });
        });
    };
    define('baseline', 'record the baseline corpus into golden/baseline/ with the pinned torch');
    define('drift', 'replay every fixture through the named torch; classify and report what moved');
    define('regen', 'the drift report, then rewrite expectations and provenance from the named torch (refused when VITEST or CI_TEST_JOB is set)');
    return program;
  });
}

/** Parses argv (after the script name) and runs the command; returns the exit code (2 for a usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseGoldenCli(argv);
  if (parsed.kind === 'exit') return printExit(parsed);
  const { command, options } = parsed.run;
  if (command === 'baseline') return goldenBaseline(options);
  if (command === 'drift') return goldenDrift(options);
  return goldenRegen(options);
}

runIfMain(import.meta.url, main);
