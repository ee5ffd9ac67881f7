// Tensor: a dense, contiguous, row-major float32/float64 array with a shape — the value type of rnn-parity.
import { TorchError } from './errors.js';
import { checkMemory, memoryError } from './memory.js';

/** Floating-point dtypes the library computes in, named as torch names them (`torch.float32`). */
export type DType = 'float32' | 'float64';

/** The typed array that backs a tensor of the given dtype. */
export type FloatArray = Float32Array | Float64Array;

/** Nested arrays of numbers, as produced by `tensor.tolist()` in torch. */
export type NestedArray = number | readonly NestedArray[];

/** Bytes per element of `dtype`. */
export function itemSize(dtype: DType): number {
  return dtype === 'float32' ? 4 : 8;
}

/**
 * Allocates a zero-filled typed array of `dtype`, within the memory cap (src/memory.ts).
 * @throws RuntimeError when the array would exceed the cap or the JS engine refuses it, never a bare RangeError.
 */
export function allocate(dtype: DType, length: number): FloatArray {
  const bytes = length * itemSize(dtype);
  checkMemory(bytes, `a ${dtype} buffer of ${length} elements`);
  try {
    return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
  } catch (error) {
    // V8's own ceiling (`Invalid typed array length`, `Array buffer allocation failed`) when the cap is raised past it.
    if (error instanceof RangeError) throw memoryError(bytes, `a ${dtype} buffer of ${length} elements`);
    throw error;
  }
}

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const size of shape) n *= size;
  return n;
}

/**
 * Rejects negative or fractional sizes before anything is allocated.
 * @throws RuntimeError as torch's `torch.empty` does for a negative dimension.
 */
function checkShape(shape: readonly number[]): void {
  for (const size of shape) {
    if (!Number.isInteger(size) || size < 0) {
      throw new TorchError('RuntimeError', `Trying to create tensor with negative dimension ${size}: [${shape.join(', ')}]`);
    }
  }
}

/**
 * A dense tensor: contiguous row-major `data` of `dtype` viewed with `shape`.
 * Mirrors the subset of `torch.Tensor` that `torch.nn.RNN` consumes and produces.
 */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly dtype: DType;

  /**
   * Wraps `data` (not copied) as a tensor of `shape`.
   * @throws RuntimeError when the shape has a negative size or does not match the data length.
   */
  constructor(data: FloatArray, shape: readonly number[]) {
    checkShape(shape);
    if (numel(shape) !== data.length) {
      throw new TorchError('RuntimeError', `shape '[${shape.join(', ')}]' is invalid for input of size ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Float32Array ? 'float32' : 'float64';
  }

  /** A tensor of zeros. Mirrors `torch.zeros(shape, dtype=dtype)`. */
  static zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    checkShape(shape);
    checkMemory(numel(shape) * itemSize(dtype), `a ${dtype} tensor of shape [${shape.join(', ')}]`);
    return new Tensor(allocate(dtype, numel(shape)), shape);
  }

  /**
   * A tensor from flat row-major values (copied, rounded to `dtype`).
   * @throws RuntimeError when `values.length` does not match the shape.
   */
  static fromFlat(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, values.length);
    data.set(values as ArrayLike<number>);
    return new Tensor(data, shape);
  }

  /**
   * A tensor from nested arrays, like `torch.tensor(nested, dtype=dtype)`.
   * @throws ValueError when the nesting is ragged, TypeError for a number where a list belongs or the
   * reverse (and for non-numbers, e.g. `null` from untyped JSON), as torch does.
   */
  static fromNested(nested: NestedArray, dtype: DType = 'float32'): Tensor {
    // mirrors torch/csrc/utils/tensor_new.cpp compute_sizes: the shape is read down the first elements.
    const shape: number[] = [];
    let probe: unknown = nested;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      if (probe.length === 0) break;
      probe = probe[0];
    }
    const data = allocate(dtype, numel(shape));
    // recursive_store stores nothing into an empty tensor, so torch checks nothing further: [[], [1]] is (2, 0).
    if (data.length === 0) return new Tensor(data, shape);
    let offset = 0;
    const visit = (node: unknown, depth: number): void => {
      if (depth === shape.length) {
        if (typeof node !== 'number') throw new TorchError('TypeError', `must be real number, not ${pythonTypeName(node)}`);
        data[offset++] = node;
        return;
      }
      if (!Array.isArray(node)) throw new TorchError('TypeError', 'not a sequence');
      if (node.length !== shape[depth]) {
        throw new TorchError('ValueError', `expected sequence of length ${shape[depth]} at dim ${depth} (got ${node.length})`);
      }
      for (const child of node as readonly unknown[]) visit(child, depth + 1);
    };
    visit(nested, 0);
    return new Tensor(data, shape);
  }

  /** Number of dimensions. Mirrors `tensor.dim()`. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. Mirrors `tensor.numel()`. */
  get size(): number {
    return this.data.length;
  }

  /** Row-major strides in elements. */
  get strides(): number[] {
    const strides = new Array<number>(this.shape.length);
    let stride = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      strides[i] = stride;
      stride *= this.shape[i]!;
    }
    return strides;
  }

  /**
   * The element at a full index. Negative indices count from the end, as in torch.
   * @throws IndexError for a wrong index count or an index out of range.
   */
  get(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new TorchError('IndexError', `too many indices for tensor of dimension ${this.shape.length}`);
    }
    let offset = 0;
    for (let d = 0; d < index.length; d++) {
      const size = this.shape[d]!;
      let i = index[d]!;
      if (i < -size || i >= size) {
        throw new TorchError('IndexError', `index ${i} is out of bounds for dimension ${d} with size ${size}`);
      }
      if (i < 0) i += size;
      offset = offset * size + i;
    }
    return this.data[offset]!;
  }

  /** A copy with the same shape and dtype. Mirrors `tensor.clone()`. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** The same data viewed with another shape of equal size. Mirrors `tensor.reshape`. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  /** A converted copy. Mirrors `tensor.to(dtype)`. */
  to(dtype: DType): Tensor {
    return Tensor.fromFlat(this.data, this.shape, dtype);
  }

  /** Nested arrays of numbers. Mirrors `tensor.tolist()`. */
  toNested(): NestedArray {
    if (this.shape.length === 0) return this.data[0]!;
    let offset = 0;
    const build = (depth: number): NestedArray => {
      const size = this.shape[depth]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < size; i++) out.push(depth === this.shape.length - 1 ? this.data[offset++]! : build(depth + 1));
      return out;
    };
    return build(0);
  }

  /** Mirrors torch's `tensor.size()` printed form, e.g. `torch.Size([3, 2])`. */
  sizeRepr(): string {
    return `torch.Size([${this.shape.join(', ')}])`;
  }
}

/** A contiguous copy of `tensor` with its first two axes swapped: (A, B, *) → (B, A, *). Mirrors `tensor.transpose(0, 1).contiguous()`. */
export function swapLeadingAxes(tensor: Tensor): Tensor {
  const [A, B, ...rest] = tensor.shape as [number, number, ...number[]];
  const inner = rest.reduce((p, s) => p * s, 1);
  const out = allocate(tensor.dtype, tensor.size);
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      out.set(tensor.data.subarray((a * B + b) * inner, (a * B + b + 1) * inner), (b * A + a) * inner);
    }
  }
  return new Tensor(out, [B, A, ...rest]);
}

/** Python's name for the type of a value JS code may pass where torch wants a number (torch's messages name it). */
function pythonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  return 'dict';
}
