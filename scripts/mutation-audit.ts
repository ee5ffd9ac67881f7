// Mutation audit: plants each listed bug in a scratch copy of src/, runs verify's live campaign, and reports which ones it caught.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { pythonOrExit } from '../bench/python.js';
import { REPO_ROOT } from '../harness/paths.js';
import type { AuditRunResult } from './mutation-audit-run.js';
import type { Mutation } from './mutation.js';

/** One mutant's verdict. */
interface AuditRow {
  readonly mutation: Mutation;
  /** 'equivalent' mutants are listed but not run; 'error' is a run that gave no verdict (a crash). */
  readonly verdict: 'caught' | 'missed' | 'equivalent' | 'error';
  readonly run: AuditRunResult | null;
  readonly seconds: number;
  readonly note: string;
}

/** Scratch-copy entries that are not copied: links to the originals, or not needed at all. */
const LINKED = new Set(['node_modules', path.join('python', '.venv')]);
const SKIPPED = new Set(['.git', '.parity', 'dist', 'coverage']);

/**
 * A scratch copy of the repository: every file the campaign imports or reads, copied (the harness
 * imports src/ by relative paths, so a symlinked harness/ would resolve to the original src/), with
 * node_modules and the Python venv linked, not copied.
 */
function scratchRepo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mutation-audit-'));
  cpSync(REPO_ROOT, dir, {
    recursive: true,
    filter: (source) => {
      const rel = path.relative(REPO_ROOT, source);
      return !LINKED.has(rel) && !SKIPPED.has(rel);
    },
  });
  for (const rel of LINKED) symlinkSync(path.join(REPO_ROOT, rel), path.join(dir, rel));
  return dir;
}

/** How often `needle` occurs in `text` (non-overlapping). */
function occurrences(text: string, needle: string): number {
  return needle === '' ? 0 : text.split(needle).length - 1;
}

/**
 * Checks every mutation before anything runs: a `find` that is absent or ambiguous is a broken audit,
 * not a missed mutant. @throws Error naming every bad mutation.
 */
function validate(mutations: readonly Mutation[]): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const m of mutations) {
    if (ids.has(m.id)) problems.push(`${m.id}: duplicate id`);
    ids.add(m.id);
    if (!m.file.startsWith('src/')) problems.push(`${m.id}: ${m.file} is not under src/`);
    let text: string;
    try {
      text = readFileSync(path.join(REPO_ROOT, m.file), 'utf8');
    } catch {
      problems.push(`${m.id}: cannot read ${m.file}`);
      continue;
    }
    const n = occurrences(text, m.find);
    if (n !== 1) problems.push(`${m.id}: find text occurs ${n} times in ${m.file} (must be exactly once)`);
    if (m.find === m.replace) problems.push(`${m.id}: replace equals find`);
  }
  if (problems.length > 0) throw new Error(`bad mutations:\n  ${problems.join('\n  ')}`);
}

/** Runs scripts/mutation-audit-run.ts in `dir`; its last stdout line is the verdict. */
function runCampaignIn(dir: string, args: readonly string[], timeoutMs: number): Promise<{ result: AuditRunResult | null; note: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(dir, 'node_modules', '.bin', 'tsx'), ['scripts/mutation-audit-run.ts', ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ result: JSON.parse(last) as AuditRunResult, note: '' });
      } catch {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        resolve({ result: null, note: `exit ${code}: ${tail}`.slice(0, 300) });
      }
    });
  });
}

function formatTable(rows: readonly AuditRow[]): string {
  const lines = [
    ['id', 'surface', 'verdict', 'cases', 'target', 's'].join('\t'),
    ...rows.map((r) =>
      [
        r.mutation.id,
        r.mutation.surface,
        r.verdict,
        r.run?.casesToFind ?? (r.run === null ? '' : `>${r.run.casesExplored}`),
        r.run?.target ?? (r.verdict === 'equivalent' ? (r.mutation.equivalent ?? '') : r.note),
        r.seconds.toFixed(0),
      ].join('\t'),
    ),
  ];
  const surfaces = [...new Set(rows.map((r) => r.mutation.surface))];
  lines.push('', ['surface', 'caught', 'of', 'median cases'].join('\t'));
  for (const s of surfaces) {
    const live = rows.filter((r) => r.mutation.surface === s && r.verdict !== 'equivalent');
    const caught = live.filter((r) => r.verdict === 'caught');
    const cases = caught.map((r) => r.run?.casesToFind ?? 0).sort((a, b) => a - b);
    lines.push([s, caught.length, live.length, cases.length === 0 ? '' : cases[Math.floor(cases.length / 2)]].join('\t'));
  }
  const live = rows.filter((r) => r.verdict !== 'equivalent');
  const caught = live.filter((r) => r.verdict === 'caught').length;
  const equivalent = rows.length - live.length;
  lines.push(
    '',
    `caught ${caught}/${live.length} (${live.length === 0 ? 0 : ((100 * caught) / live.length).toFixed(1)}%); ${equivalent} equivalent excluded; ${rows.filter((r) => r.verdict === 'error').length} errors`,
  );
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const positive = (flag: string) => (text: string) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} takes a number > 0`);
    return n;
  };
  const program = new Command('mutation-audit')
    .description('Plant each mutation in a scratch copy of src/, run the live campaign, and report which are caught.')
    .option('--mutations <file>', 'a module exporting `mutations: Mutation[]`, or a JSON array', 'scripts/mutations.ts')
    .option('--seed <n>', 'campaign seed (verify: 20261128)', Number, 20261128)
    .option('--budget <seconds>', 'time budget per campaign (verify: 45)', positive('--budget'), 45)
    .option('--runs <n>', 'budget in campaign runs (batches) instead of time: results independent of machine load', positive('--runs'))
    .option('--only <ids>', 'comma-separated mutation ids')
    .option('--surface <name>', 'only mutations of this surface')
    .option('--dry-run', 'validate and list the mutations, run nothing')
    .option('--no-baseline', 'skip the unmutated run (it must pass, else every mutant would look caught)')
    .option('--out <file>', 'write the rows as JSON here')
    .option('--workers <n>', 'torch workers (default: the machine cores)', positive('--workers'));
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<{
    mutations: string;
    seed: number;
    budget: number;
    runs?: number;
    only?: string;
    surface?: string;
    baseline: boolean;
    dryRun?: boolean;
    out?: string;
    workers?: number;
  }>();
  const file = path.resolve(opts.mutations);
  const all: Mutation[] = file.endsWith('.json')
    ? (JSON.parse(readFileSync(file, 'utf8')) as Mutation[])
    : ((await import(pathToFileURL(file).href)) as { mutations: Mutation[] }).mutations;
  validate(all);
  const only = opts.only?.split(',').map((s) => s.trim());
  const selected = all.filter((m) => (only === undefined || only.includes(m.id)) && (opts.surface === undefined || m.surface === opts.surface));
  if (only !== undefined) for (const id of only) if (!all.some((m) => m.id === id)) throw new Error(`no mutation ${id}`);
  if (opts.dryRun === true) {
    for (const m of selected)
      console.log(`${m.id}\t${m.surface}\t${m.file}\t${m.equivalent === undefined ? m.description : `equivalent: ${m.equivalent}`}`);
    console.log(`${selected.length} mutations valid`);
    return 0;
  }
  pythonOrExit('audit:mutations');
  const args = [
    '--seed',
    String(opts.seed),
    '--budget',
    String(opts.runs === undefined ? opts.budget : 100_000),
    ...(opts.runs === undefined ? [] : ['--runs', String(opts.runs)]),
    ...(opts.workers === undefined ? [] : ['--workers', String(opts.workers)]),
  ];
  // A time budget of 45 s plus start-up and a short shrink; a runs budget may take longer on a loaded machine.
  const timeoutMs = opts.runs === undefined ? (opts.budget + 180) * 1000 : 900_000;
  const dir = scratchRepo();
  console.error(`scratch copy: ${dir}`);
  try {
    if (opts.baseline) {
      const t = performance.now();
      const { result, note } = await runCampaignIn(dir, args, timeoutMs);
      console.error(
        `baseline: ${result?.status ?? 'error'} ${result?.casesExplored ?? ''} cases in ${((performance.now() - t) / 1000).toFixed(0)} s ${result?.detail ?? note}`,
      );
      if (result?.status !== 'PASS') throw new Error('the unmutated campaign does not pass: fix that first');
    }
    const rows: AuditRow[] = [];
    for (const m of selected) {
      if (m.equivalent !== undefined) {
        rows.push({ mutation: m, verdict: 'equivalent', run: null, seconds: 0, note: m.equivalent });
        continue;
      }
      const target = path.join(dir, m.file);
      const original = readFileSync(target, 'utf8');
      writeFileSync(
        target,
        original.replace(m.find, () => m.replace),
      );
      const t = performance.now();
      try {
        const { result, note } = await runCampaignIn(dir, args, timeoutMs);
        const verdict = result === null ? 'error' : result.status === 'FAIL' && result.casesToFind !== null ? 'caught' : 'missed';
        const row: AuditRow = { mutation: m, verdict, run: result, seconds: (performance.now() - t) / 1000, note: result?.detail ?? note };
        rows.push(row);
        console.error(
          `${m.id}: ${verdict} ${result?.casesToFind ?? ''} ${result?.target ?? ''} ${row.seconds.toFixed(0)} s ${row.note.slice(0, 160)}`,
        );
      } finally {
        writeFileSync(target, original);
      }
    }
    console.log(formatTable(rows));
    if (opts.out !== undefined) writeFileSync(opts.out, `${JSON.stringify(rows, null, 2)}\n`);
    return rows.some((r) => r.verdict === 'error') ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
