// The GitHub workflows: valid YAML, the triggers and matrices issues 8 and 16 ask for, only package scripts that exist, and the merge job's scripts run here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { regenRefusal } from '../../harness/golden-cli.js';
import { REPO_ROOT } from '../../harness/paths.js';
import { shardDoc } from './report-docs.js';

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly if?: string;
  readonly id?: string;
  readonly 'continue-on-error'?: string | boolean;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly 'runs-on': string;
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly env?: Record<string, string>;
  readonly 'continue-on-error'?: string | boolean;
  readonly strategy?: { readonly matrix: { readonly include: readonly Record<string, unknown>[]; readonly [axis: string]: unknown } };
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

function workflow(name: string): Workflow {
  return parse(readFileSync(path.join(REPO_ROOT, '.github', 'workflows', name), 'utf8'), { strict: true, uniqueKeys: true }) as Workflow;
}

const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
// pnpm's own commands; anything else after `pnpm` must be a package.json script.
const PNPM_COMMANDS = new Set(['install', 'exec', 'vitest', 'run', 'add']);

function pnpmScripts(wf: Workflow): string[] {
  const runs = Object.values(wf.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run])));
  return runs.flatMap((run) => [...run.matchAll(/\bpnpm (?:run )?([a-z][\w:-]*)/g)].map((m) => m[1]!)).filter((name) => !PNPM_COMMANDS.has(name));
}

function steps(wf: Workflow): Step[] {
  return Object.values(wf.jobs).flatMap((job) => [...job.steps]);
}

describe('.github/workflows/ci.yml', () => {
  const ci = workflow('ci.yml');

  it('runs on pushes and pull requests', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
  });

  it("runs the README's test line verbatim", () => {
    const readmeLine = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('npm i -g pnpm') && line.endsWith('pnpm test'));
    expect(readmeLine).toBeDefined();
    expect(steps(ci).map((s) => s.run)).toContain(readmeLine);
  });

  it('marks its job as the test job, where golden:regen refuses to run', () => {
    expect(regenRefusal(ci.jobs.test!.env ?? {})).not.toBeNull();
  });

  it('calls only scripts that package.json defines', () => {
    const called = pnpmScripts(ci);
    expect(called).toEqual(expect.arrayContaining(['test', 'typecheck']));
    for (const name of called) expect(scripts, name).toHaveProperty([name]);
  });
});

describe('.github/workflows/nightly.yml', () => {
  const nightly = workflow('nightly.yml');
  const parity = nightly.jobs.parity!;

  it('runs on a schedule and by hand', () => {
    expect(Object.keys(nightly.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect((nightly.on.schedule as { cron: string }[])[0]!.cron).toMatch(/^\S+ \S+ \* \* \*$/);
  });

  it('runs the pinned and the newest torch, the newest allowed to fail', () => {
    expect(parity.strategy?.matrix.include).toEqual([
      { torch: 'pinned', experimental: false },
      { torch: 'newest', experimental: true },
    ]);
    expect(parity['continue-on-error']).toBe('${{ matrix.experimental }}');
    const pin = parity.steps.find((s) => s.run?.includes('RNN_PARITY_TORCH_SPEC'))!;
    expect(pin.if).toBe("matrix.torch == 'newest'");
    expect(pin.run).toContain('RNN_PARITY_TORCH_SPEC=torch==$newest');
  });

  it("picks the newest torch version from pip's index listing, without a local label", () => {
    const pin = parity.steps.find((s) => s.run?.includes('pip index versions'))!.run!;
    const sedScript = /sed -n '([^']+)'/.exec(pin)![1]!;
    const listing = 'torch (2.14.0+cpu)\nAvailable versions: 2.14.0+cpu, 2.13.0+cpu\n';
    expect(execFileSync('sed', ['-n', sedScript], { input: listing }).toString().trim()).toBe('2.14.0');
  });

  it('runs a long pnpm parity with a date-derived seed, and drift, and uploads fixtures and reports', () => {
    const runs = parity.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('PARITY_SEED=$(date -u +%Y%m%d)');
    expect(runs).toMatch(
      /pnpm parity --seed "\$PARITY_SEED" --budget "[^"]+" --shard "\$\{\{ matrix\.shard \}\}\/\d+" --report-dir \.parity\/nightly/,
    );
    expect(runs).toContain('pnpm golden:drift --out .parity/drift');
    const upload = parity.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.if).toBe('always()');
    expect(String(upload.with?.path)).toContain('golden/found/');
    expect(String(upload.with?.path)).toContain('golden/quarantine/');
    expect(String(upload.with?.path)).toContain('.parity/');
    // upload-artifact leaves out hidden files unless asked, and .parity/ is one.
    expect(upload.with?.['include-hidden-files']).toBe(true);
  });

  it('runs every shard of every torch version, --shard i/n naming each shard of the list once', () => {
    const matrix = parity.strategy!.matrix;
    expect(matrix.torch).toEqual(['pinned', 'newest']);
    const shards = matrix.shard as number[];
    expect(shards).toEqual(Array.from({ length: shards.length }, (_, i) => i + 1));
    expect(shards.length).toBeGreaterThan(1);
    const run = parity.steps.find((s) => s.run?.startsWith('pnpm parity '))!.run!;
    expect(/--shard "\$\{\{ matrix\.shard \}\}\/(\d+)"/.exec(run)![1]).toBe(String(shards.length));
    // The drift report does not depend on the shard: one per torch version.
    expect(parity.steps.find((s) => s.run?.includes('golden:drift'))!.if).toBe('matrix.shard == 1');
    const upload = parity.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.with?.name).toBe('parity-${{ matrix.torch }}-shard-${{ matrix.shard }}-${{ github.run_id }}');
  });

  it("merges each torch version's shards after they all ran, the merged Markdown as the step summary, failing unless PASS", () => {
    const merge = nightly.jobs.merge!;
    expect(merge.needs).toBe('parity');
    expect(merge.if).toBe('always()');
    expect(merge.strategy?.matrix.include).toEqual(parity.strategy?.matrix.include);
    expect(merge['continue-on-error']).toBe('${{ matrix.experimental }}');
    const download = merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))!;
    expect(download.with).toEqual({ pattern: 'parity-${{ matrix.torch }}-shard-*-${{ github.run_id }}', path: 'shards' });
    const run = merge.steps.find((s) => s.run?.includes('pnpm parity:merge'))!;
    expect(run.run).toBe('pnpm parity:merge shards/*/.parity/nightly/parity-report.json --out .parity/merged');
    // The merge's exit code (1 FAIL, 3 INCOMPLETE) is what fails the job: nothing may swallow it.
    expect(run.if).toBeUndefined();
    expect(run['continue-on-error']).toBeUndefined();
    const summary = merge.steps.find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))!;
    expect(summary.if).toBe('always()');
    expect(summary.run).toContain('.parity/merged/parity-report.md');
  });

  describe('the merge job, run here on shards laid out as download-artifact leaves them', () => {
    const merge = nightly.jobs.merge!;
    const script = (name: string) => merge.steps.find((s) => s.name === name)!.run!;
    const dir = mkdtempSync(path.join(tmpdir(), 'nightly-merge-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Runs the job's steps in `cwd` with bash -e (as Actions does), pnpm standing for this checkout's scripts. */
    function runSteps(cwd: string, names: readonly string[]): ReturnType<typeof spawnSync> {
      const summary = path.join(cwd, 'summary.md');
      const pnpm = `pnpm() { test "$1" = parity:merge; shift; "${path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx')}" "${path.join(REPO_ROOT, 'harness', 'cli.ts')}" merge "$@"; }`;
      const body = names.map(script).join('\n');
      return spawnSync('bash', ['-e', '-c', `${pnpm}\n${body}`], {
        cwd,
        env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
        encoding: 'utf8',
        timeout: 60_000,
      });
    }

    function layOut(cwd: string, docs: readonly ReturnType<typeof shardDoc>[]): void {
      docs.forEach((doc, i) => {
        const root = path.join(cwd, 'shards', `parity-pinned-shard-${i + 1}-1`);
        mkdirSync(path.join(root, '.parity', 'nightly'), { recursive: true });
        writeFileSync(path.join(root, '.parity', 'nightly', 'parity-report.json'), JSON.stringify(doc));
        for (const file of doc.quarantine) {
          mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
          writeFileSync(path.join(root, file), `{"shard": ${i + 1}}\n`);
        }
      });
    }

    it('collects each quarantined case once, merges, exits 3 for an INCOMPLETE merge and writes the merged Markdown as the summary', () => {
      const cwd = path.join(dir, 'incomplete');
      layOut(cwd, [shardDoc(1, 2, 40, 1, 'a'), shardDoc(2, 2, 30, 2, 'b')]);
      const collect = runSteps(cwd, ['Collect fixtures and quarantined cases, each once']);
      expect(collect.status, String(collect.stderr)).toBe(0);
      expect(readdirSync(path.join(cwd, 'golden', 'quarantine'))).toEqual(['0000000000000000.json', '0000000000000001.json']);
      const merged = runSteps(cwd, ["Merge the shards' reports"]);
      expect(merged.status, String(merged.stderr)).toBe(3);
      expect(JSON.parse(readFileSync(path.join(cwd, '.parity', 'merged', 'parity-report.json'), 'utf8'))).toMatchObject({
        status: 'INCOMPLETE',
        casesExplored: 70,
      });
      expect(runSteps(cwd, ['Step summary']).status).toBe(0);
      expect(readFileSync(path.join(cwd, 'summary.md'), 'utf8').split('\n')[0]).toBe('# Parity campaign: INCOMPLETE');
    });

    it('exits 0 when every shard passed, and fails a merge missing a shard', () => {
      const cwd = path.join(dir, 'pass');
      layOut(cwd, [shardDoc(1, 2, 40, 0, 'a'), shardDoc(2, 2, 30, 0, 'b')]);
      expect(runSteps(cwd, ["Merge the shards' reports"]).status).toBe(0);
      rmSync(path.join(cwd, 'shards', 'parity-pinned-shard-2-1'), { recursive: true });
      expect(runSteps(cwd, ["Merge the shards' reports"]).status).toBe(1);
      expect(existsSync(path.join(cwd, '.parity', 'merged', 'parity-report.md'))).toBe(true);
    });
  });

  it('has a manual regen job that opens a pull request with the drift report as its body', () => {
    const regen = nightly.jobs.regen!;
    expect(regen.if).toBe("github.event_name == 'workflow_dispatch' && inputs.regen");
    expect(regenRefusal({ ...nightly.env, ...regen.env })).toBeNull();
    expect(regen.steps.map((s) => s.run)).toContain('pnpm golden:regen --out .parity/regen');
    const pr = regen.steps.find((s) => s.uses?.startsWith('peter-evans/create-pull-request'))!;
    expect(pr.with?.['body-path']).toBe('.parity/regen/drift-report.md');
  });

  it('calls only scripts that package.json defines', () => {
    const called = pnpmScripts(nightly);
    expect(called).toEqual(expect.arrayContaining(['setup:python', 'golden:drift', 'parity', 'parity:merge', 'golden:regen']));
    for (const name of called) expect(scripts, name).toHaveProperty([name]);
  });
});

describe('every workflow', () => {
  // Majors current in late 2026 that run on the Actions node24 runtime (Node 20 actions are retired).
  const CURRENT_MAJOR: Record<string, number> = {
    'actions/checkout': 7,
    'actions/setup-node': 7,
    'actions/setup-python': 7,
    'actions/cache': 5,
    'actions/upload-artifact': 7,
    'actions/download-artifact': 8,
    'pnpm/action-setup': 6,
    'peter-evans/create-pull-request': 8,
  };

  it.each(['ci.yml', 'nightly.yml'])('%s uses current action releases', (name) => {
    for (const step of steps(workflow(name)).filter((s) => s.uses !== undefined)) {
      const [action, ref] = step.uses!.split('@') as [string, string];
      expect(CURRENT_MAJOR, `${action} is not a known action`).toHaveProperty([action]);
      expect(Number(/^v(\d+)/.exec(ref)?.[1]), step.uses).toBeGreaterThanOrEqual(CURRENT_MAJOR[action]!);
    }
  });

  it.each(['ci.yml', 'nightly.yml'])('%s runs the current Node LTS with the pnpm store and pip caches', (name) => {
    for (const job of Object.values(workflow(name).jobs)) {
      const uses = job.steps.map((s) => s.uses?.split('@')[0]);
      const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node'))!;
      expect(node.with).toMatchObject({ 'node-version': 'lts/*', cache: 'pnpm' });
      // pnpm must exist before setup-node asks it for the store path.
      expect(uses.indexOf('pnpm/action-setup')).toBeGreaterThan(-1);
      expect(uses.indexOf('pnpm/action-setup')).toBeLessThan(uses.indexOf('actions/setup-node'));
      // A job that needs no torch (the nightly merge) sets up no Python.
      if (!job.steps.some((s) => s.run?.includes('pnpm setup:python'))) continue;
      const python = job.steps.find((s) => s.uses?.startsWith('actions/setup-python'))!;
      expect(python.with).toMatchObject({ cache: 'pip', 'cache-dependency-path': 'python/requirements.txt' });
    }
  });

  it('ci.yml checks the packed package with attw and publint', () => {
    expect(steps(workflow('ci.yml')).map((s) => s.run)).toContain('pnpm check:package');
  });

  it('the regen pull request can use a token that triggers CI, as the README explains', () => {
    const pr = workflow('nightly.yml').jobs.regen!.steps.find((s) => s.uses?.startsWith('peter-evans/create-pull-request'))!;
    expect(pr.with?.token).toBe('${{ secrets.GOLDEN_REGEN_TOKEN || github.token }}');
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('GOLDEN_REGEN_TOKEN');
    expect(readme).toContain('Allow GitHub Actions to create and approve pull requests');
  });
});
