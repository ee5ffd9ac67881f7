// Target state_dict_json: stateDictToJson's text and stateDictFromJson's tensors against the documented form built from torch tensors.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalTensor } from '../canonical-value.js';
import { type TensorArg, element, elementsOf, tensorArg, tensorOf } from '../tensor-args.js';
import { fileShape, tensorName } from './named-file-tensors.js';

export type StateDictJsonArgs = { readonly entries: readonly (readonly [string, TensorArg])[] };

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type StateDictJsonLibrary = Pick<typeof library, 'stateDictToJson' | 'stateDictFromJson'>;

/** Values whose shortest digits take every layout of JS number printing: exponents, subnormals, float32 extremes, −0, NaN, ±Inf. */
function jsonValue(): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 3, arbitrary: element() },
    // The four values JSON numbers cannot carry, each in both dtypes: drawn often, as a slip in any one loses bits.
    { weight: 2, arbitrary: fc.constantFrom(Number.NaN, -0, Infinity, -Infinity) },
    { weight: 2, arbitrary: fc.double() },
    { weight: 2, arbitrary: fc.float() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(1e-7, 1e-6, 1e21, 1e20, 123456789012345680000, 0.1, 5e-324, 2 ** -149, 3.4028234663852886e38, -1.5e-300),
    },
  );
}

/** Names sorted by UTF-16 code unit, as the library's sort (and the worker's twin) orders them. */
function byName<T>(pairs: readonly (readonly [string, T])[]): (readonly [string, T])[] {
  return [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `stateDictToJson(tensors)` then `stateDictFromJson(text)`, bit for bit (python/api_targets_files.py target_state_dict_json). */
export function stateDictJsonTarget(lib: StateDictJsonLibrary = library): ApiTarget<StateDictJsonArgs> {
  return {
    name: 'state_dict_json',
    exports: ['stateDictToJson', 'stateDictFromJson', 'StateDictJsonError'],
    weight: 2,
    arbitrary: fc
      .uniqueArray(
        fc.record({
          name: tensorName(),
          shape: fileShape(),
          dtype: fc.constantFrom('float32' as const, 'float64' as const),
          pool: fc.array(jsonValue(), { minLength: 1, maxLength: 8 }),
        }),
        { maxLength: 4, selector: (e) => e.name },
      )
      .map((list) => ({ entries: list.map(({ name, shape, dtype, pool }) => [name, tensorArg(shape, dtype, pool)] as const) })),
    runTs: (a) =>
      apiResultOf(() => {
        const json = lib.stateDictToJson(a.entries.map(([name, t]) => [name, tensorOf(t)] as const));
        const parsed = byName(Object.entries(lib.stateDictFromJson(json)));
        return { json, parsed: parsed.map(([name, t]) => [name, canonicalTensor(t)]) };
      }),
    wireArgs: (a) => encodeArgs({ entries: a.entries.map(([name, t]) => [name, t]) }),
    size: (a) => elementsOf(...a.entries.map(([, t]) => t)) + a.entries.length,
  };
}
