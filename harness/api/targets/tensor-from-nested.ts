// Target tensor_from_nested: Tensor.fromNested against torch.tensor(nested, dtype=...), regular and ragged or non-numeric input.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, NestedArray } from '../../../src/index.js';
import { type ApiArgs, encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalTensor } from '../canonical-value.js';
import { element } from '../tensor-args.js';

/** A nested list as drawn: numbers, lists, and `null` (what untyped JSON may hand a JS user). */
type Nested = number | null | readonly Nested[];

export type TensorFromNestedArgs = { readonly nested: Nested; readonly dtype: DType };

/** The library functions the target calls (planted-bug tests pass broken ones). */
export type TensorFromNestedLibrary = { readonly Tensor: Pick<typeof library.Tensor, 'fromNested'> };

type Defect = { readonly kind: 'drop' | 'extra' | 'number-for-list' | 'list-for-number' | 'null' | 'empty'; readonly path: readonly number[] } | null;

function regular(shape: readonly number[], pool: readonly number[], at = { i: 0 }): Nested {
  if (shape.length === 0) return pool[at.i++ % pool.length] ?? 0;
  return Array.from({ length: shape[0]! }, () => regular(shape.slice(1), pool, at));
}

/** `nested` with one defect at the node `path` leads to (indices taken modulo each list's length). */
function withDefect(nested: Nested, defect: Defect): Nested {
  if (defect === null) return nested;
  const [head, ...rest] = defect.path;
  const atNode = (node: Nested): Nested => {
    switch (defect.kind) {
      case 'drop':
        return Array.isArray(node) ? node.slice(1) : node;
      case 'extra':
        return Array.isArray(node) ? [...node, Array.isArray(node[0]) ? node[0] : 1] : node;
      case 'number-for-list':
        return Array.isArray(node) ? 2 : node;
      case 'list-for-number':
        return Array.isArray(node) ? node : [node, node];
      case 'null':
        return null;
      case 'empty':
        return [];
    }
  };
  if (!Array.isArray(nested) || nested.length === 0 || head === undefined || (rest.length === 0 && head % 2 === 0)) return atNode(nested);
  const i = head % nested.length;
  return nested.map((child, j) => (j === i ? withDefect(child, { kind: defect.kind, path: rest }) : child));
}

/** `Tensor.fromNested(nested, dtype)` (python/api_targets_files.py target_tensor_from_nested). */
export function tensorFromNestedTarget(lib: TensorFromNestedLibrary = library): ApiTarget<TensorFromNestedArgs> {
  return {
    name: 'tensor_from_nested',
    exports: ['Tensor'],
    weight: 2,
    arbitrary: fc
      .record({
        shape: fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) }), {
          maxLength: 4,
        }),
        pool: fc.array(fc.oneof({ weight: 4, arbitrary: element() }, { weight: 1, arbitrary: fc.double() }), { minLength: 1, maxLength: 6 }),
        dtype: fc.constantFrom('float32' as const, 'float64' as const),
        defect: fc.option(
          fc.record({
            kind: fc.constantFrom(
              'drop' as const,
              'extra' as const,
              'number-for-list' as const,
              'list-for-number' as const,
              'null' as const,
              'empty' as const,
            ),
            path: fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 4 }),
          }),
          { freq: 2 },
        ),
      })
      .map(({ shape, pool, dtype, defect }) => ({ nested: withDefect(regular(shape, pool), defect), dtype })),
    runTs: (a) => apiResultOf(() => canonicalTensor(lib.Tensor.fromNested(a.nested as NestedArray, a.dtype))),
    wireArgs: (a) => encodeArgs({ nested: a.nested as ApiArgs, dtype: a.dtype }),
    size: (a) => JSON.stringify(a.nested).length,
  };
}
