// Target tensor_from_nested: Tensor.fromNested against torch.tensor(nested, dtype=...), regular and ragged or non-numeric input.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, NestedArray } from '../../../src/index.js';
import { type ApiArgs, encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { omittable, present } from '../omitted-option.js';
import { canonicalTensor } from '../canonical-value.js';
import { element } from '../tensor-args.js';

/** A nested list as drawn: numbers, lists, and `null` (what untyped JSON may hand a JS user). */
type Nested = number | null | readonly Nested[];

/** `dtype` null: left out, the library's default (torch's default float dtype, float32). */
export type TensorFromNestedArgs = { readonly nested: Nested; readonly dtype: DType | null };

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type TensorFromNestedLibrary = { readonly Tensor: Pick<typeof library.Tensor, 'fromNested'> };

type Defect = {
  readonly kind: 'drop' | 'extra' | 'number-for-list' | 'list-for-number' | 'null' | 'empty';
  /** The depth of the defective node, 1..ndim (modulo), so it is a sibling the shape was not read from. */
  readonly depth: number;
  readonly path: readonly number[];
} | null;

function regular(shape: readonly number[], pool: readonly number[], at = { i: 0 }): Nested {
  if (shape.length === 0) return pool[at.i++ % pool.length] ?? 0;
  return Array.from({ length: shape[0]! }, () => regular(shape.slice(1), pool, at));
}

function defective(node: Nested, kind: NonNullable<Defect>['kind']): Nested {
  if (Array.isArray(node)) {
    if (kind === 'drop' || kind === 'list-for-number') return node.slice(1);
    if (kind === 'extra') return [...node, Array.isArray(node[0]) ? node[0] : 1];
    if (kind === 'number-for-list') return 2;
    return kind === 'null' ? null : [];
  }
  return kind === 'null' ? null : [node, node];
}

/**
 * `nested` with one defect at a node of the drawn depth, reached through the last children first (the
 * first ones give torch the shape, so a defect there is no defect); shrinks towards the last sibling.
 */
function withDefect(nested: Nested, defect: Defect, ndim: number): Nested {
  if (defect === null) return nested;
  const depth = ndim === 0 ? 0 : 1 + (defect.depth % ndim);
  const walk = (node: Nested, level: number): Nested => {
    if (level === depth || !Array.isArray(node) || node.length === 0) return defective(node, defect.kind);
    const i = node.length - 1 - ((defect.path[level] ?? 0) % node.length);
    return node.map((child, j) => (j === i ? walk(child, level + 1) : child));
  };
  return walk(nested, 0);
}

/** `Tensor.fromNested(nested, dtype)` (python/api_targets_files.py target_tensor_from_nested). */
export function tensorFromNestedTarget(lib: TensorFromNestedLibrary = library): ApiTarget<TensorFromNestedArgs> {
  return {
    name: 'tensor_from_nested',
    exports: ['Tensor'],
    // Cheap cases, and a defect only shows where it lands on a list a row is checked against: weight 3,
    // defects in five cases of six.
    weight: 3,
    arbitrary: fc
      .record({
        shape: fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 9, arbitrary: fc.integer({ min: 1, max: 3 }) }), {
          maxLength: 4,
        }),
        pool: fc.array(fc.oneof({ weight: 4, arbitrary: element() }, { weight: 1, arbitrary: fc.double() }), { minLength: 1, maxLength: 6 }),
        dtype: omittable(fc.constantFrom('float32' as const, 'float64' as const)),
        defect: fc.option(
          fc.record({
            // A row shorter or longer than the first is the commonest ragged input: drawn twice as often.
            kind: fc.oneof(
              { weight: 2, arbitrary: fc.constantFrom('drop' as const, 'extra' as const) },
              { weight: 2, arbitrary: fc.constantFrom('number-for-list' as const, 'list-for-number' as const, 'null' as const, 'empty' as const) },
            ),
            depth: fc.nat({ max: 3 }),
            path: fc.array(fc.nat({ max: 3 }), { maxLength: 4 }),
          }),
          { freq: 6 },
        ),
      })
      .map(({ shape, pool, dtype, defect }) => ({ nested: withDefect(regular(shape, pool), defect, shape.length), dtype })),
    runTs: (a) => apiResultOf(() => canonicalTensor(lib.Tensor.fromNested(a.nested as NestedArray, a.dtype ?? undefined))),
    wireArgs: (a) => encodeArgs({ nested: a.nested as ApiArgs, ...present({ dtype: a.dtype }) }),
    size: (a) => JSON.stringify(a.nested).length,
  };
}
