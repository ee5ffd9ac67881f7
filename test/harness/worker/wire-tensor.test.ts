// WireTensor codec: exact in TS alone, and exact through the worker's torch (echo), for every float32/float64 value.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { decodeArray, decodeIntegers, decodeTensor, encodeArray, encodeInt64, encodeTensor } from '../../../harness/worker/wire-tensor.js';
import { Tensor } from '../../../src/tensor.js';

const NUM_RUNS = Number(process.env['RNN_PARITY_NUM_RUNS'] ?? 100);

/** float32 values biased to the edges: NaN, ±Inf, −0, subnormals, plus arbitrary bit patterns (NaN payloads). */
const float32Values = fc.array(
  fc.oneof(
    fc.float(),
    fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1.401298464324817e-45, -1.1754942106924411e-38, 3.4028234663852886e38),
    fc.integer({ min: 0, max: 0xffffffff }).map((bits) => new Float32Array(new Uint32Array([bits]).buffer)[0]!),
  ),
  { maxLength: 64 },
);

/** float64 values biased to the same edges, as doubles. */
const float64Values = fc.array(
  fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, -2.225073858507201e-308, Number.MAX_VALUE)),
  { maxLength: 64 },
);

/** Equal value by value, NaN matching any NaN (payloads are not promised), −0 distinct from +0. */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(a), `index ${i}: NaN expected, got ${a}`).toBe(true);
    else expect(Object.is(a, e), `index ${i}: expected ${e}, got ${a}`).toBe(true);
  }
}

describe('in TypeScript alone', () => {
  it('decodes what it encodes byte for byte, NaN payloads included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }).map((bytes) => bytes.slice(0, bytes.length - (bytes.length % 8))),
        (bytes) => {
          for (const dtype of ['float32', 'float64'] as const) {
            const wire = encodeArray(dtype, [bytes.length / (dtype === 'float32' ? 4 : 8)], bytes);
            const decoded = decodeTensor(wire);

            expect(new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength)).toEqual(bytes);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('round-trips int64 indices as numbers', () => {
    const wire = encodeInt64([3, 0, 2, 1], [2, 2]);

    expect(wire.shape).toEqual([2, 2]);
    expect(decodeIntegers(wire)).toEqual([3, 0, 2, 1]);
    expect(decodeArray(wire)).toBeInstanceOf(BigInt64Array);
  });

  it('refuses to read an integer tensor as a Tensor', () => {
    expect(() => decodeTensor(encodeInt64([1]))).toThrow('BUG: a int64 wire tensor is not a Tensor; use decodeArray or decodeIntegers');
  });
});

describe('through the worker', () => {
  let bridge: TorchBridge;

  beforeAll(async () => {
    bridge = await TorchBridge.start();
  });

  afterAll(async () => {
    await bridge.stop();
  });

  it('echoes float32 and float64 tensors unchanged, special values included', async () => {
    await fc.assert(
      fc.asyncProperty(float32Values, float64Values, fc.boolean(), async (values32, values64, asMatrix) => {
        const shape = (n: number): number[] => (asMatrix ? [1, n] : [n]);
        const sent = [Tensor.fromFlat(values32, shape(values32.length), 'float32'), Tensor.fromFlat(values64, shape(values64.length), 'float64')];

        const echoed = (await bridge.echo(sent.map(encodeTensor))).map(decodeTensor);

        for (const [index, tensor] of sent.entries()) {
          expect(echoed[index]!.dtype).toBe(tensor.dtype);
          expect(echoed[index]!.shape).toEqual(tensor.shape);
          expectSameValues(echoed[index]!.data, tensor.data);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
