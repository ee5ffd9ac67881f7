// Where an element of a case's tensor sits, in torch's terms: (layer, direction, t, batch, unit).
import type { Tensor } from '../../src/index.js';
import type { CaseLayout } from './outcome.js';

/** Decodes a flat index into torch's terms: (layer, direction, t, batch, unit) where the tensor allows. */
export function locate(name: string, index: number, tensor: Tensor, layout: CaseLayout): string {
  const { hiddenSize: H, directions: D } = layout;
  const direction = (d: number): string => (d === 0 ? 'forward' : 'reverse');
  const coords = unravel(index, tensor.shape);
  const lastLayer = `layer ${layout.numLayers - 1}`;
  const unitOf = (feature: number): string => `${direction(Math.floor(feature / H))}, unit ${feature % H}`;
  if (name === 'output' || name === 'padded') {
    if (!layout.batched) return `${lastLayer}, ${unitOf(coords[1]!)}, t=${coords[0]}`;
    const [t, n] = layout.batchFirst && name === 'output' ? [coords[1], coords[0]] : [coords[0], coords[1]];
    return `${lastLayer}, ${unitOf(coords[2]!)}, t=${t}, batch ${n}`;
  }
  if (name === 'h_n' || name === 'grad.hx') {
    const s = coords[0]!;
    const rest = layout.batched ? `batch ${coords[1]}, unit ${coords[2]}` : `unit ${coords[1]}`;
    return `layer ${Math.floor(s / D)}, ${direction(s % D)}, ${rest}`;
  }
  if (name === 'packed.data' && layout.batchSizes !== null) {
    let row = coords[0]!;
    let t = 0;
    while (t < layout.batchSizes.length && row >= layout.batchSizes[t]!) row -= layout.batchSizes[t++]!;
    return `${lastLayer}, ${unitOf(coords[1]!)}, t=${t}, sorted batch ${row}`;
  }
  return `${name}[${coords.join(', ')}]`;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const coords = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    coords[d] = index % size;
    index = Math.floor(index / size);
  }
  return coords;
}
