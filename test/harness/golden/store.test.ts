// The golden store: canonical JSON, bit-exact round trips, content-hash ids, atomic writes, and clear errors for broken files.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../../harness/golden/canonical-json.js';
import { caseId, fixtureToDoc } from '../../../harness/golden/fixture.js';
import { FixtureFormatError } from '../../../harness/golden/fixture-schema.js';
import { DirectoryBackend, GoldenStore, InMemoryBackend } from '../../../harness/golden/store.js';
import { Tensor } from '../../../src/index.js';
import { fixtureOf, smallCase } from './builders.js';
import fc from 'fast-check';
import { validCase } from '../../../harness/explore/arbitraries.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth, indents by two spaces and ends with a newline', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      1,\n      {\n        "e": 2,\n        "f": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('refuses NaN, Infinity and -0, which plain JSON would silently turn into null or 0', () => {
    expect(() => canonicalJson({ x: [1, Number.NaN] })).toThrow('BUG: $.x[1] is NaN, which plain JSON cannot carry exactly');
    expect(() => canonicalJson({ x: Infinity })).toThrow('BUG: $.x is Infinity, which plain JSON cannot carry exactly');
    expect(() => canonicalJson({ x: -0 })).toThrow('BUG: $.x is -0, which plain JSON cannot carry exactly');
  });
});

describe('fixtures', () => {
  it('round-trip bit for bit: NaN, ±Infinity, -0, subnormals, float32 values and non-finite kwargs', () => {
    const special = [Number.NaN, Infinity, -Infinity, -0, 1e-45, Math.fround(0.1), -Math.fround(3.4e38), 0];
    const c = smallCase({ input: Tensor.fromFlat(special, [4, 1, 2], 'float32'), kwargs: { input_size: 2, hidden_size: 3, dropout: Number.NaN } });
    const store = new GoldenStore(new InMemoryBackend());
    const fixture = fixtureOf(c);

    store.save(fixture);
    const loaded = store.fetch(fixture.id)!;

    expect(Array.from(loaded.case.input.data).every((v, i) => Object.is(v, Math.fround(special[i]!)))).toBe(true);
    expect(Number.isNaN(loaded.case.kwargs.dropout)).toBe(true);
    expect(caseId(loaded.case)).toBe(fixture.id);
    expect(canonicalJson(fixtureToDoc(loaded) as never)).toBe(canonicalJson(fixtureToDoc(fixture) as never));
    const text = (store.backend as InMemoryBackend).texts.get(store.keyOf(fixture))!;
    expect(text).toContain('"dropout": {\n        "$float": "nan"\n      }');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it.each(['lstm', 'gru', 'rnn_cell', 'lstm_cell', 'gru_cell'] as const)(
    'round-trip a %s case: module, cx and grad c_n; an nn.RNN case stores none of them',
    (module) => {
      const store = new GoldenStore(new InMemoryBackend());
      const family = fc.sample(
        validCase({ largeSizes: false, maxLayers: 2, maxSeqLen: 3, modules: { [module]: 1 } }).filter((c) => c.hx !== null && c.grad !== null),
        { numRuns: 3, seed: 4 },
      );
      for (const c of family) {
        const fixture = fixtureOf(c);
        store.save(fixture);
        const loaded = store.fetch(fixture.id)!;
        expect(loaded.case).toEqual(c);
        expect(loaded.case.module).toBe(module);
        if (module.startsWith('lstm')) expect(loaded.case.cx).toBeDefined();
      }
      const text = (store.backend as InMemoryBackend).texts.get(store.keyOf(fixtureOf(smallCase())));
      expect(text ?? canonicalJson(fixtureToDoc(fixtureOf(smallCase())) as never)).not.toMatch(/"module"|"cx"|"c_n"/);
    },
  );

  it('keep where a shrunk campaign failure started (shrunk_from), and fixtures without it stay as they were', () => {
    const store = new GoldenStore(new InMemoryBackend());
    const plain = fixtureOf(smallCase(), { origin: 'campaign' });
    const shrunk = {
      ...fixtureOf(smallCase({ training: true }), { origin: 'campaign' }),
      shrunkFrom: { start: 'fixture 0123456789abcdef', steps: ['one layer', 'batch 1'] },
    };

    store.save(plain);
    store.save(shrunk);

    expect(store.fetch(shrunk.id)!.shrunkFrom).toEqual({ start: 'fixture 0123456789abcdef', steps: ['one layer', 'batch 1'] });
    expect(store.fetch(plain.id)!.shrunkFrom).toBeUndefined();
    expect((store.backend as InMemoryBackend).texts.get(store.keyOf(plain))!).not.toContain('shrunk_from');
  });

  it('are named by the content hash of their case: equal cases share an id, one flipped input bit changes it', () => {
    const a = smallCase();
    const b = smallCase();
    const flipped = a.input.clone();
    flipped.data[1] = Math.fround(-1 - 2 ** -23);

    expect(caseId(a)).toBe(caseId(b));
    expect(caseId(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(caseId({ ...a, input: flipped })).not.toBe(caseId(a));
    expect(fixtureOf(a, { torchVersion: '1.13.1' }).id).toBe(fixtureOf(a).id);
  });

  it('are stored under baseline/ or found/ by origin, and can be listed, fetched and deleted', () => {
    const store = new GoldenStore(new InMemoryBackend());
    const baseline = fixtureOf(smallCase());
    const found = fixtureOf(smallCase({ training: true }), { origin: 'campaign' });

    store.save(baseline);
    store.save(found);

    expect(store.keys()).toEqual([`baseline/${baseline.id}.json`, `found/${found.id}.json`]);
    expect(store.list(['campaign']).map((s) => s.fixture.id)).toEqual([found.id]);
    store.delete(baseline.id);
    expect(store.fetch(baseline.id)).toBeNull();
    expect(store.fetch(found.id)?.origin).toBe('campaign');
  });

  it('keep the stored file when only recorded_at would change, and rewrite it when the expectation changes', () => {
    const store = new GoldenStore(new InMemoryBackend());
    const fixture = fixtureOf(smallCase());
    store.save(fixture);
    const before = store.backend.read(store.keyOf(fixture));

    const later = { ...fixture, provenance: { ...fixture.provenance, recorded_at: '2030-01-01T00:00:00.000Z' } };
    expect(store.save(later)).toEqual({ key: store.keyOf(fixture), status: 'unchanged' });
    expect(store.backend.read(store.keyOf(fixture))).toBe(before);

    const changed = { ...later, expected: { ...fixture.expected, warnings: ['moved'] } };
    expect(store.save(changed).status).toBe('updated');
    expect(store.fetch(fixture.id)?.expected.warnings).toEqual(['moved']);
  });
});

describe('DirectoryBackend', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'golden-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('replaces a file by rename (a new inode), leaving no temp file behind', () => {
    const backend = new DirectoryBackend(root);
    backend.write('baseline/a.json', '{"v": 1}\n');
    const first = statSync(path.join(root, 'baseline', 'a.json')).ino;

    backend.write('baseline/a.json', '{"v": 2}\n');

    expect(statSync(path.join(root, 'baseline', 'a.json')).ino).not.toBe(first);
    expect(readFileSync(path.join(root, 'baseline', 'a.json'), 'utf8')).toBe('{"v": 2}\n');
    expect(readdirSync(path.join(root, 'baseline'))).toEqual(['a.json']);
  });

  describe('a broken fixture file', () => {
    function stored(): { store: GoldenStore; file: string; doc: Record<string, unknown> } {
      const store = new GoldenStore(new DirectoryBackend(root));
      const fixture = fixtureOf(smallCase());
      store.save(fixture);
      const file = path.join(root, 'baseline', `${fixture.id}.json`);
      return { store, file, doc: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
    }

    function loadError(store: GoldenStore): FixtureFormatError {
      try {
        store.list();
      } catch (error) {
        expect(error).toBeInstanceOf(FixtureFormatError);
        return error as FixtureFormatError;
      }
      throw new Error('expected the load to fail');
    }

    it('that is not JSON is named in the error', () => {
      const { store, file } = stored();
      writeFileSync(file, '{ "format_version": 1,');
      const error = loadError(store);
      expect(error.file).toBe(path.relative(process.cwd(), file));
      expect(error.message).toMatch(new RegExp(`^${path.relative(process.cwd(), file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(`));
    });

    it('names the file and the field of a value that is neither a number nor a float spelling', () => {
      const { store, file, doc } = stored();
      (doc.case as { input: { values: unknown[] } }).input.values[2] = 'nan';
      writeFileSync(file, JSON.stringify(doc));
      expect(loadError(store).message).toBe(
        `${path.relative(process.cwd(), file)}: case.input.values[2]: "nan" is neither a finite number nor one of "NaN", "Infinity", "-Infinity", "-0"`,
      );
    });

    it('names a float32 value that would lose bits', () => {
      const { store, file, doc } = stored();
      (doc.expected as { tensors: { h_n: { values: unknown[] } } }).tensors.h_n.values[1] = 0.1;
      writeFileSync(file, JSON.stringify(doc));
      expect(loadError(store).message).toBe(
        `${path.relative(process.cwd(), file)}: expected.tensors.h_n.values[1]: 0.1 is not exactly a float32 (a float32 tensor cannot hold it without rounding)`,
      );
    });

    it('names a missing field', () => {
      const { store, file, doc } = stored();
      delete doc.ts_at_record;
      writeFileSync(file, JSON.stringify(doc));
      const error = loadError(store);
      expect(error.field).toBe('ts_at_record');
      expect(error.message.startsWith(`${path.relative(process.cwd(), file)}: ts_at_record: `)).toBe(true);
    });

    it('refuses a case edited by hand, whose content no longer hashes to its id', () => {
      const { store, file, doc } = stored();
      (doc.case as { training: boolean }).training = true;
      writeFileSync(file, JSON.stringify(doc));
      const error = loadError(store);
      expect(error.field).toBe('id');
      expect(error.message).toMatch(
        /: id: is [0-9a-f]{16}, but the case hashes to [0-9a-f]{16}: a fixture's case is never edited by hand; record it anew$/,
      );
    });

    it('refuses a file whose name is not its id', () => {
      const { store, file } = stored();
      const renamed = path.join(root, 'baseline', '0000000000000000.json');
      writeFileSync(renamed, readFileSync(file));
      rmSync(file);
      expect(loadError(store).message).toMatch(/0000000000000000\.json: id: is [0-9a-f]{16}, but the file is named for 0000000000000000$/);
    });

    it('names an unknown format version', () => {
      const { store, file, doc } = stored();
      doc.format_version = 2;
      writeFileSync(file, JSON.stringify(doc));
      expect(loadError(store).message).toBe(`${path.relative(process.cwd(), file)}: format_version: is 2; this harness reads format 1`);
    });
  });
});

describe('bad fixtures are bounded and named, and never hide the others', () => {
  it('refuses nesting past 64 levels and oversize files before parsing, and a module too large to replay', () => {
    const store = new GoldenStore(new InMemoryBackend());
    const good = fixtureOf(smallCase());
    store.save(good);
    store.backend.write('found/1111111111111111.json', `${'['.repeat(2000)}${']'.repeat(2000)}`);
    // A schema-valid file whose kwargs were edited (building it through TS would take the memory it warns of).
    const doc = fixtureToDoc(good);
    const hugeCase = { ...doc.case, kwargs: { ...doc.case.kwargs, num_layers: 1e9 } };
    const huge = { ...doc, case: hugeCase, id: contentHash(hugeCase as never) };
    store.backend.write(`found/${huge.id}.json`, canonicalJson(huge as never));
    const { fixtures, problems } = store.loadAll();
    expect(fixtures.map((f) => f.fixture.id)).toEqual([good.id]);
    expect(problems).toEqual([
      'memory:found/1111111111111111.json: nests deeper than 64 levels (at character 64)',
      `memory:found/${huge.id}.json: case.kwargs.num_layers: would build a module of about 2.40e+10 parameters, over the replay bound of 67108864`,
    ]);
  });

  it('removes the temporary files of a writer that was killed, and keeps a live writer’s', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-'));
    try {
      const store = new GoldenStore(new DirectoryBackend(dir));
      store.save(fixtureOf(smallCase()));
      const found = path.join(dir, 'baseline');
      writeFileSync(path.join(found, '.abc.json.999999999.0a1b.tmp'), '{');
      writeFileSync(path.join(found, `.abc.json.${process.pid}.0a1c.tmp`), '{');
      expect(store.sweep()).toEqual(['baseline/.abc.json.999999999.0a1b.tmp']);
      expect(readdirSync(found).filter((n) => n.endsWith('.tmp'))).toEqual([`.abc.json.${process.pid}.0a1c.tmp`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
