// TS and Python encode canonical values identically: every float bit-exact, −0, NaN payloads and ±Inf included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/index.js';
import { encodeArgs } from '../../../harness/api/api-args.js';
import { canonicalFloat, canonicalInt, canonicalTensor, floatFromBits } from '../../../harness/api/canonical-value.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { encodeTensor } from '../../../harness/worker/wire-tensor.js';

let bridge: TorchBridge;
beforeAll(async () => {
  bridge = await TorchBridge.start();
});
afterAll(async () => {
  await bridge.stop();
});

/** A float32 NaN with a payload, and a float64 one: values a JS number round trip may not keep. */
function withNaNPayloads(): Tensor[] {
  const f32 = Tensor.fromFlat([0, -0, Infinity, -Infinity, Number.NaN, 1.5, -3e-45, 3.4028234663852886e38], [2, 4], 'float32');
  new Uint32Array(f32.data.buffer)[4] = 0x7fc00123;
  const f64 = Tensor.fromFlat([0, -0, Infinity, -Infinity, Number.NaN, 5e-324, 0.1], [7], 'float64');
  new BigUint64Array(f64.data.buffer)[4] = 0xfff8000000000abcn;
  return [f32, f64, Tensor.zeros([0, 3], 'float64')];
}

describe('canonical values', () => {
  it('of tensors are the same in TS and in the worker, bit for bit', async () => {
    const tensors = withNaNPayloads();
    const python = await bridge.canonicalEcho(null, tensors.map(encodeTensor));
    expect(python.tensors).toEqual(tensors.map(canonicalTensor));
  });

  it('of Python floats and ints are the same in TS and in the worker', async () => {
    // Integral JS numbers travel as Python ints, so the floats here are the ones that stay floats.
    const floats = [-0, Number.NaN, Infinity, -Infinity, 0.1, -2.5e-308, 1.5];
    const ints = [0n, -1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 64n - 1n];
    const python = await bridge.canonicalEcho(encodeArgs({ floats, ints }), []);
    expect(python.values).toEqual({ floats: floats.map(canonicalFloat), ints: ints.map(canonicalInt) });
  });

  it('decode back to the number they stand for', () => {
    for (const value of [0.1, -0, Infinity, 1e-310]) expect(Object.is(floatFromBits(canonicalFloat(value).float), value)).toBe(true);
    expect(floatFromBits(canonicalTensor(Tensor.fromFlat([0.1], [1], 'float32')).tensor.bits[0]!)).toBe(Math.fround(0.1));
  });
});
