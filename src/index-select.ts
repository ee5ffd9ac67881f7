// indexSelect: torch.Tensor.index_select on CPU, with the error each of its code paths raises.
import { TorchError } from './errors.js';
import { Tensor, allocate } from './tensor.js';

/**
 * Picks the slices `indices` of `tensor` along `dim` into a new contiguous tensor.
 * Mirrors `tensor.index_select(dim, indices)` on CPU (aten `index_select_out_cpu_`), whose paths word
 * an out-of-range index differently: the dim-1 fast path and the empty-self check report
 * `INDICES element is out of DATA bounds, id=5 axis_dim=4` (RuntimeError, first bad index in order),
 * every other path `index out of range in self` (IndexError) [measured on torch 2.13.0].
 * Shapes: tensor (…, S, …) with S at `dim` → (…, indices.length, …).
 * @throws IndexError for a dim out of range or (general path) an index out of range.
 * @throws RuntimeError for an index out of range on the dim-1 or empty-self path, or more than one
 * index into a 0-d tensor.
 */
export function indexSelect(tensor: Tensor, dim: number, indices: readonly number[]): Tensor {
  const rank = Math.max(tensor.ndim, 1);
  if (dim < -rank || dim >= rank) {
    throw new TorchError('IndexError', `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${dim})`);
  }
  if (dim < 0) dim += rank;
  if (tensor.ndim === 0) {
    if (indices.length !== 1) {
      throw new TorchError('RuntimeError', `index_select(): Index to scalar can have only 1 value, got ${indices.length} value(s)`);
    }
    if (indices[0] !== 0) throw new TorchError('IndexError', 'index out of range in self');
    return tensor.clone();
  }
  const size = tensor.shape[dim]!;
  const outer = tensor.shape.slice(0, dim).reduce((p, s) => p * s, 1);
  const inner = tensor.shape.slice(dim + 1).reduce((p, s) => p * s, 1);
  const outShape = tensor.shape.map((s, d) => (d === dim ? indices.length : s));
  if (tensor.ndim > 1 && indices.length > 0) {
    if (tensor.size === 0 && size <= 0) {
      throw new TorchError('RuntimeError', 'index_select(): self indexing axis dim should be positive');
    }
    if (tensor.size === 0 || dim === 1) {
      for (const index of indices) {
        if (index < 0 || index >= size) {
          throw new TorchError('RuntimeError', `INDICES element is out of DATA bounds, id=${index} axis_dim=${size}`);
        }
      }
    }
  }
  for (const index of indices) {
    if (index < 0 || index >= size) throw new TorchError('IndexError', 'index out of range in self');
  }
  const out = allocate(tensor.dtype, outer * indices.length * inner);
  for (let o = 0; o < outer; o++) {
    indices.forEach((index, k) => {
      const from = (o * size + index) * inner;
      out.set(tensor.data.subarray(from, from + inner), (o * indices.length + k) * inner);
    });
  }
  return new Tensor(out, outShape);
}
