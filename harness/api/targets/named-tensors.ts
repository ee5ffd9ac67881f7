// A module's parameters as torch's state_dict().items() lists them: ordered [name, tensor] pairs.
import type { Tensor } from '../../../src/index.js';
import { type CanonicalValue, canonicalTensor } from '../canonical-value.js';

/** Ordered pairs, so the order of the parameters is judged too (a canonical dict's is not). */
export function namedTensors(pairs: readonly (readonly [string, Tensor])[]): CanonicalValue {
  return pairs.map(([name, tensor]) => [name, canonicalTensor(tensor)]);
}
