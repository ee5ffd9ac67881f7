// Tensor arguments of API cases: flat values that shrink, built into a Tensor here and into torch.tensor in the worker.
import fc from 'fast-check';
import { type DType, Tensor } from '../../src/index.js';
import { numel } from '../../src/tensor.js';

/** A tensor as API args carry it: row-major values (NaN, ±Inf, −0 allowed; float32-exact when dtype is float32). */
export type TensorArg = {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly values: readonly number[];
};

/** The library tensor of an arg. */
export function tensorOf(arg: TensorArg): Tensor {
  return Tensor.fromFlat(arg.values, arg.shape, arg.dtype);
}

/**
 * Element values: mostly small integers and halves (exact in float32, readable in a shrunk case),
 * sometimes NaN, ±Inf, −0. Shrinks towards 0.
 */
export function element(): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 8, arbitrary: fc.integer({ min: -8, max: 8 }).map((v) => v / 2) },
    { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0) },
  );
}

/**
 * A tensor of `shape` filled cyclically from a drawn pool of values, so shrinking the shape keeps
 * the values (see arbitraries.ts valuePool).
 */
export function tensorArg(shape: readonly number[], dtype: DType, pool: readonly number[]): TensorArg {
  const count = numel(shape);
  const values = Array.from({ length: count }, (_, i) => pool[i % Math.max(1, pool.length)] ?? 0);
  return { dtype, shape: [...shape], values: dtype === 'float32' ? values.map(Math.fround) : values };
}

/** A pool of element values for {@link tensorArg}. */
export function valuePool(): fc.Arbitrary<number[]> {
  return fc.array(element(), { minLength: 1, maxLength: 12 });
}

/** The number of elements in tensor args, for case sizes in reports. */
export function elementsOf(...args: readonly TensorArg[]): number {
  return args.reduce((sum, a) => sum + a.values.length, 0);
}
