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

describe('every workflow', () => {
  // Majors current in late 2026 that run on the Actions node24 runtime (Node 20 actions are retired).
  const CURRENT_MAJOR: Record<string, number> = {
    'actions/checkout': 7,
    'actions/setup-node': 7,
    'actions/setup-python': 7,
    'actions/cache': 5,
    'actions/upload-artifact': 7,
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
