// The GitHub workflows: valid YAML, the triggers and matrix issue 8 asks for, and only package scripts that exist.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { regenRefusal } from '../../harness/golden-cli.js';
import { REPO_ROOT } from '../../harness/paths.js';

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly 'runs-on': string;
  readonly if?: string;
  readonly env?: Record<string, string>;
  readonly 'continue-on-error'?: string | boolean;
  readonly strategy?: { readonly matrix: { readonly include: readonly Record<string, unknown>[] } };
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
    expect(runs).toMatch(/pnpm parity --seed "\$PARITY_SEED" --budget "[^"]+" --report-dir \.parity\/nightly/);
    expect(runs).toContain('pnpm golden:drift --out .parity/drift');
    const upload = parity.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.if).toBe('always()');
    expect(String(upload.with?.path)).toContain('golden/found/');
    expect(String(upload.with?.path)).toContain('.parity/');
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
    expect(called).toEqual(expect.arrayContaining(['setup:python', 'golden:drift', 'parity', 'golden:regen']));
    for (const name of called) expect(scripts, name).toHaveProperty([name]);
  });
});
