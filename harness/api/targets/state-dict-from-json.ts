// Target state_dict_from_json: stateDictFromJson on malformed documents, its verdict against the documented checks run in the worker.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import type { ApiResult } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalTensor } from '../canonical-value.js';
import { element, tensorArg } from '../tensor-args.js';
import { fileShape, tensorName } from './named-file-tensors.js';

/** One malformation of a state-dict JSON document, applied to entry `index` (modulo) where it names one. */
export type JsonMalformation =
  | { readonly kind: 'truncate'; readonly keepPercent: number }
  | { readonly kind: 'top-level'; readonly json: string }
  | { readonly kind: 'field'; readonly index: number; readonly field: 'dtype' | 'shape' | 'values' | 'entry'; readonly json: string }
  | { readonly kind: 'value'; readonly index: number; readonly json: string };

export type StateDictFromJsonArgs = { readonly document: string; readonly malformation: JsonMalformation };

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type StateDictFromJsonLibrary = Pick<typeof library, 'stateDictFromJson'>;

/** The error classes of stateDictFromJson, by the start of its messages (src/state-dict-json.ts), in the worker's words. */
const CLASSES: readonly (readonly [RegExp, string])[] = [
  [/^state dict JSON is not valid JSON/, 'invalid-json'],
  [/^state dict JSON must be an object/, 'not-object'],
  [/^parameter (".*") must be an object with/, 'entry-not-object'],
  [/^parameter (".*") has dtype/, 'dtype'],
  [/^parameter (".*") must have a shape/, 'shape'],
  [/^parameter (".*") has shape .* and needs/, 'values-count'],
  [/^parameter (".*") value \d+ is /, 'value'],
  [/^parameter (".*") value \d+ .*not exactly representable as float32/, 'float32-inexact'],
];

/** Stands in the document for the malformation's JSON text, which is spliced in as written. */
const SPLICE = '\u0000splice\u0000';

/**
 * The document with the malformation applied. The malformed JSON is spliced in as text, not parsed and
 * re-serialised: JSON.stringify would turn 1e400 into null and -0.0 into 0, hiding the very encodings
 * under test.
 */
function malformed(document: string, m: JsonMalformation): string {
  if (m.kind === 'truncate') return document.slice(0, Math.floor((document.length * m.keepPercent) / 100));
  if (m.kind === 'top-level') return m.json;
  const parsed = JSON.parse(document) as Record<string, Record<string, unknown>>;
  const names = Object.keys(parsed);
  if (names.length === 0) return document;
  const entry = parsed[names[m.index % names.length]!]!;
  if (m.kind === 'value') {
    const values = entry.values as unknown[];
    if (values.length === 0) return document;
    values[m.index % values.length] = SPLICE;
  } else if (m.field === 'entry') (parsed as Record<string, unknown>)[names[m.index % names.length]!] = SPLICE;
  else entry[m.field] = SPLICE;
  return JSON.stringify(parsed).replace(JSON.stringify(SPLICE), () => m.json);
}

/** `stateDictFromJson(text)` on a document drawn, written in the documented form (without the library), then malformed. */
export function stateDictFromJsonTarget(lib: StateDictFromJsonLibrary = library): ApiTarget<StateDictFromJsonArgs> {
  const entries = fc.uniqueArray(
    fc.record({
      name: tensorName(),
      shape: fileShape(),
      dtype: fc.constantFrom('float32' as const, 'float64' as const),
      pool: fc.array(element(), { minLength: 1, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 3, selector: (e) => e.name },
  );
  const json = (...texts: string[]) => fc.constantFrom(...texts);
  return {
    name: 'state_dict_from_json',
    exports: ['stateDictFromJson', 'StateDictJsonError'],
    weight: 2,
    arbitrary: fc
      .record({
        entries,
        malformation: fc.oneof(
          { withCrossShrink: true },
          fc.record({ kind: fc.constant('truncate' as const), keepPercent: fc.integer({ min: 0, max: 99 }) }),
          fc.record({ kind: fc.constant('top-level' as const), json: json('[]', 'null', '1', '"a"', '{}', '{"a": 1}', '{"a": []}', ' {} ') }),
          fc.record({
            kind: fc.constant('field' as const),
            index: fc.nat({ max: 3 }),
            field: fc.constantFrom('dtype' as const, 'shape' as const, 'values' as const, 'entry' as const),
            json: json(
              'null',
              '"float16"',
              '"Float32"',
              '"float64"',
              '"float32"',
              '[-1]',
              '[1.5]',
              '[]',
              '[1]',
              '[2, 2]',
              '{}',
              '"1"',
              '[9007199254740993]',
            ),
          }),
          {
            // Value encodings are the commonest slip (float32 rounding, the four strings, JSON's own): drawn most.
            weight: 3,
            arbitrary: fc.record({
              kind: fc.constant('value' as const),
              index: fc.nat({ max: 5 }),
              json: json(
                '"nan"',
                '"NaN"',
                '"-Infinity"',
                '"inf"',
                '"-0"',
                '"0"',
                'null',
                'true',
                '[1]',
                '0.1',
                '0.1',
                '1e400',
                '-1e400',
                '1E400',
                '16777217',
                '16777217',
                '0.3',
                '0.5',
                '-0.0',
                '3.4028234663852886e38',
                '1e-46',
                '1e-46',
              ),
            }),
          },
        ),
      })
      .map(({ entries, malformation }) => {
        // The documented form written directly (json-float's encoding): the library's writer is not under test here.
        const document: Record<string, unknown> = {};
        for (const { name, shape, dtype, pool } of entries) {
          const t = tensorArg(shape, dtype, pool);
          const values = t.values.map((v) =>
            Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : v,
          );
          Object.defineProperty(document, name, { value: { dtype, shape: t.shape, values }, enumerable: true });
        }
        return { document: JSON.stringify(document), malformation };
      }),
    runTs: (a): ApiResult => {
      try {
        const parsed = Object.entries(lib.stateDictFromJson(malformed(a.document, a.malformation)));
        return { value: parsed.map(([name, t]) => [name, canonicalTensor(t)]), warnings: [] };
      } catch (error) {
        if (!(error instanceof library.StateDictJsonError)) {
          const e = error instanceof Error ? error : new Error(String(error));
          return { error: { type: `JS:${e.name}`, message: `${e.message}\n${e.stack ?? ''}` }, warnings: [] };
        }
        // The last matching class wins: the float32 message also starts like the value message.
        const match = CLASSES.map(([pattern, name]) => [pattern.exec(error.message), name] as const)
          .filter(([m]) => m !== null)
          .at(-1);
        const message = match === undefined ? `unclassified: ${error.message}` : `${match[1]}${match[0]![1] === undefined ? '' : ` ${match[0]![1]}`}`;
        return { error: { type: 'StateDictJsonError', message }, warnings: [] };
      }
    },
    wireArgs: (a) => encodeArgs({ text: malformed(a.document, a.malformation) }),
    size: (a) => a.document.length,
  };
}
