// Small builders of WireCase / WireTensor for the harness tests.
import type { WireCase, WireDType, WireTensor } from '../../../harness/worker/protocol.js';
import { encodeTensor } from '../../../harness/worker/wire-tensor.js';
import { Tensor } from '../../../src/tensor.js';

/** A float wire tensor from flat values. */
export function wire(values: readonly number[], shape: readonly number[], dtype: 'float32' | 'float64' = 'float32'): WireTensor {
  return encodeTensor(Tensor.fromFlat(values, shape, dtype));
}

/** `count` deterministic values in [-1, 1), for inputs whose exact numbers do not matter. */
export function ramp(count: number): number[] {
  return Array.from({ length: count }, (_, i) => ((i * 7) % 13) / 6.5 - 1);
}

/** nn.RNN(2, 3) seeded with 0 on a (L=2, N=1, H_in=2) input: the smallest case that runs. */
export function rnnCase(id: string, overrides: Partial<WireCase> = {}, dtype: Extract<WireDType, 'float32' | 'float64'> = 'float32'): WireCase {
  return {
    id,
    kwargs: { input_size: 2, hidden_size: 3 },
    dtype,
    init: { seed: '0' },
    input: wire(ramp(4), [2, 1, 2], dtype),
    ...overrides,
  };
}
