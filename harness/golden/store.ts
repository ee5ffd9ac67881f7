// The golden fixture store: save / fetch / list / delete over golden/, keyed by case hash, with swappable backends.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import { fixtureFromDoc, fixtureToDoc, type Fixture, type FixtureOrigin } from './fixture.js';
import { FixtureFormatError, parseFixtureDoc, type FixtureDoc } from './fixture-schema.js';
import { REPO_ROOT } from '../paths.js';

/** `golden/` at the repository root. */
export const GOLDEN_DIR = path.join(REPO_ROOT, 'golden');

/** Sub-directory of each origin: the committed corpus, and shrunk counterexamples of campaigns. */
export const ORIGIN_DIR: Readonly<Record<FixtureOrigin, string>> = { baseline: 'baseline', campaign: 'found' };

/**
 * Where fixture texts live, by key: a '/'-separated path relative to the store root
 * (`baseline/0123456789abcdef.json`). Modelled on Hypothesis's ExampleDatabase backends.
 */
export interface FixtureBackend {
  /** Replaces the text under `key` as one atomic step: a reader sees the old text or the new, never a mix. */
  write(key: string, text: string): void;
  /** The text under `key`, or null. */
  read(key: string): string | null;
  /** Keys under the directory `prefix` (no recursion), sorted. */
  keys(prefix: string): string[];
  /** Removes `key`; absent keys are fine. */
  remove(key: string): void;
  /** How to name `key` to a person, e.g. `golden/baseline/0123456789abcdef.json`. */
  describe(key: string): string;
}

/** Fixtures as files under a directory; writes go to a temp file in the same directory, fsync, rename. */
export class DirectoryBackend implements FixtureBackend {
  constructor(readonly root: string) {}

  write(key: string, text: string): void {
    const file = this.file(key);
    const dir = path.dirname(file);
    mkdirSync(dir, { recursive: true });
    // Same directory, so the rename never crosses a file system; *.tmp is git-ignored if one is left by a crash.
    const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(temp, file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    // The rename itself is durable only once the directory entry is.
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  read(key: string): string | null {
    try {
      return readFileSync(this.file(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  keys(prefix: string): string[] {
    let names: string[];
    try {
      names = readdirSync(this.file(prefix));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .sort()
      .map((name) => `${prefix}/${name}`);
  }

  remove(key: string): void {
    rmSync(this.file(key), { force: true });
  }

  describe(key: string): string {
    return path.relative(process.cwd(), this.file(key)) || this.file(key);
  }

  /**
   * Removes `.<name>.<pid>.<hex>.tmp` files in `prefixes` whose writing process is gone (killed
   * between open and rename); a live writer's file is left alone. Returns the keys removed.
   */
  sweep(prefixes: readonly string[]): string[] {
    const removed: string[] = [];
    for (const prefix of prefixes) {
      let names: string[];
      try {
        names = readdirSync(this.file(prefix));
      } catch {
        continue;
      }
      for (const name of names) {
        const match = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
        if (match === null || isAlive(Number(match[1]))) continue;
        rmSync(path.join(this.file(prefix), name), { force: true });
        removed.push(`${prefix}/${name}`);
      }
    }
    return removed;
  }

  private file(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }
}

/** Whether a process with this id exists (signal 0 probes without signalling). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fixtures in a Map, for tests. */
export class InMemoryBackend implements FixtureBackend {
  readonly texts = new Map<string, string>();

  write(key: string, text: string): void {
    this.texts.set(key, text);
  }

  read(key: string): string | null {
    return this.texts.get(key) ?? null;
  }

  keys(prefix: string): string[] {
    return [...this.texts.keys()].filter((key) => key.startsWith(`${prefix}/`) && !key.slice(prefix.length + 1).includes('/')).sort();
  }

  remove(key: string): void {
    this.texts.delete(key);
  }

  describe(key: string): string {
    return `memory:${key}`;
  }
}

/** What {@link GoldenStore.save} did. */
export interface SaveResult {
  readonly key: string;
  /** `unchanged`: the stored file already said the same, apart from `recorded_at`, and was kept as is. */
  readonly status: 'created' | 'updated' | 'unchanged';
}

/** A fixture with the key it was loaded from. */
export interface StoredFixture {
  readonly key: string;
  readonly fixture: Fixture;
}

function withoutTimestamp(doc: FixtureDoc): JsonValue {
  return { ...doc, provenance: { ...doc.provenance, recorded_at: '' } } as JsonValue;
}

/**
 * Golden fixtures over a {@link FixtureBackend}: one canonical-JSON file per case, named by the case's
 * content hash, under `baseline/` or `found/` by origin. Every load validates against the schema.
 */
export class GoldenStore {
  constructor(readonly backend: FixtureBackend = new DirectoryBackend(GOLDEN_DIR)) {}

  /** The key a fixture is stored under. */
  keyOf(fixture: Pick<Fixture, 'id' | 'origin'>): string {
    return `${ORIGIN_DIR[fixture.origin]}/${fixture.id}.json`;
  }

  /**
   * Writes the fixture atomically. A stored fixture that differs only in `recorded_at` is kept, so
   * re-recording an unchanged corpus leaves git clean.
   */
  save(fixture: Fixture): SaveResult {
    const key = this.keyOf(fixture);
    const doc = fixtureToDoc(fixture);
    const text = canonicalJson(doc as JsonValue);
    const old = this.backend.read(key);
    if (old !== null) {
      let same = false;
      try {
        same = canonicalJson(withoutTimestamp(parseFixtureDoc(old, this.backend.describe(key)))) === canonicalJson(withoutTimestamp(doc));
      } catch {
        // An unreadable old file is simply replaced.
      }
      if (same) return { key, status: 'unchanged' };
    }
    this.backend.write(key, text);
    return { key, status: old === null ? 'created' : 'updated' };
  }

  /** The fixture with this id, from either origin; null if there is none. */
  fetch(id: string): Fixture | null {
    for (const dir of Object.values(ORIGIN_DIR)) {
      const key = `${dir}/${id}.json`;
      if (this.backend.read(key) !== null) return this.load(key);
    }
    return null;
  }

  /**
   * Loads and validates one stored file.
   * @throws FixtureFormatError naming the file and the bad field.
   */
  load(key: string): Fixture {
    const text = this.backend.read(key);
    if (text === null) throw new Error(`${this.backend.describe(key)} does not exist`);
    const id = key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/, '');
    return fixtureFromDoc(parseFixtureDoc(text, this.backend.describe(key), id));
  }

  /** Keys of every stored fixture (baseline first, then found), sorted within each. */
  keys(origins: readonly FixtureOrigin[] = ['baseline', 'campaign']): string[] {
    return origins.flatMap((origin) => this.backend.keys(ORIGIN_DIR[origin]));
  }

  /**
   * Every stored fixture, validated.
   * @throws FixtureFormatError at the first bad file.
   */
  list(origins?: readonly FixtureOrigin[]): StoredFixture[] {
    return this.keys(origins).map((key) => ({ key, fixture: this.load(key) }));
  }

  /**
   * Every stored fixture that loads, and one problem per file that does not (named with its file and
   * field): one bad fixture never hides the others, and the caller fails naming them all.
   */
  loadAll(origins?: readonly FixtureOrigin[]): { readonly fixtures: StoredFixture[]; readonly problems: string[] } {
    const fixtures: StoredFixture[] = [];
    const problems: string[] = [];
    for (const key of this.keys(origins)) {
      try {
        fixtures.push({ key, fixture: this.load(key) });
      } catch (error) {
        problems.push(error instanceof FixtureFormatError ? error.message : `${this.backend.describe(key)}: ${(error as Error).message}`);
      }
    }
    return { fixtures, problems };
  }

  /** Removes temporary files that writers killed mid-write left behind (see {@link DirectoryBackend.sweep}). */
  sweep(): string[] {
    return this.backend instanceof DirectoryBackend ? this.backend.sweep([...Object.values(ORIGIN_DIR), 'quarantine', 'api']) : [];
  }

  /** Removes the fixture with this id from either origin. */
  delete(id: string): void {
    for (const dir of Object.values(ORIGIN_DIR)) this.backend.remove(`${dir}/${id}.json`);
  }
}
