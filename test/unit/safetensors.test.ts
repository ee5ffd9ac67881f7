// safetensors reader/writer: files from the official package, exact round trips, every rejection, and a fuzz of the reader.
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { readSafetensors, SafetensorsError, writeSafetensors, type SafetensorsErrorCode } from '../../src/safetensors.js';
import { stateDictFromJson } from '../../src/state-dict-json.js';
import { Tensor } from '../../src/tensor.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`fixtures/${name}`, import.meta.url)));

/** Bit patterns, so NaN, -0 and infinities compare exactly. */
function bits(tensor: Tensor): bigint[] | number[] {
  const { data } = tensor;
  return data instanceof Float32Array
    ? Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length))
    : Array.from(new BigUint64Array(data.buffer, data.byteOffset, data.length));
}

/** A file from a header object and a data section, bypassing the writer's checks. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function codeOf(action: () => unknown): SafetensorsErrorCode {
  try {
    action();
  } catch (error) {
    if (error instanceof SafetensorsError) return error.code;
    throw error;
  }
  throw new Error('expected a SafetensorsError');
}

describe('readSafetensors on files written by the official safetensors package (0.8.0, torch 2.13.0)', () => {
  it.each(['torch-rnn-float32', 'torch-rnn-float64'])('%s.safetensors holds exactly the state dict torch saved', (stem) => {
    const expected = stateDictFromJson(readFileSync(new URL(`fixtures/${stem}.json`, import.meta.url), 'utf8'));

    const { tensors } = readSafetensors(fixture(`${stem}.safetensors`));

    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, tensor] of tensors) {
      expect(tensor.dtype, name).toBe(expected[name]!.dtype);
      expect(tensor.shape, name).toEqual(expected[name]!.shape);
      expect(bits(tensor), name).toEqual(bits(expected[name]!));
    }
  });

  it('returns the __metadata__ map', () => {
    const { metadata } = readSafetensors(fixture('torch-rnn-float32.safetensors'));

    expect(metadata).toEqual({
      torch_version: '2.13.0+cpu',
      note: 'seed 0, nn.RNN(2, 3, num_layers=2, bidirectional=True) with NaN/-inf/-0/inf patched in',
    });
  });

  it('returns null metadata when the file has none', () => {
    expect(readSafetensors(fixture('torch-rnn-float64.safetensors')).metadata).toBeNull();
  });
});

describe('writeSafetensors', () => {
  const special = new Tensor(new Float32Array([Number.NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]), [2, 3]);
  const wide = new Tensor(new Float64Array([Math.PI, -Number.MIN_VALUE, Number.MAX_VALUE, -0]), [4]);

  it('round-trips float32 and float64 tensors bit for bit, including scalars and empty tensors', () => {
    const tensors: [string, Tensor][] = [
      ['special', special],
      ['wide', wide],
      ['scalar', new Tensor(new Float64Array([2.5]), [])],
      ['empty', new Tensor(new Float32Array(0), [0, 7])],
    ];

    const file = readSafetensors(writeSafetensors(tensors, { format: 'pt' }));

    expect([...file.tensors.keys()]).toEqual(['special', 'wide', 'scalar', 'empty']);
    for (const [name, tensor] of tensors) {
      expect(file.tensors.get(name)!.shape).toEqual(tensor.shape);
      expect(bits(file.tensors.get(name)!)).toEqual(bits(tensor));
    }
    expect(file.metadata).toEqual({ format: 'pt' });
  });

  it('writes an 8-byte little-endian header length, a space-padded JSON header and 8-aligned data', () => {
    const bytes = writeSafetensors({ w: special });

    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));

    expect((8 + headerLength) % 8).toBe(0);
    expect(JSON.parse(headerText)).toEqual({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } });
    expect(bytes.length).toBe(8 + headerLength + 24);
  });

  it('accepts a record (e.g. rnn.stateDict()) as well as [name, tensor] pairs', () => {
    expect(writeSafetensors({ a: wide })).toEqual(writeSafetensors([['a', wide]]));
  });

  it('refuses a tensor named __metadata__ and a repeated name', () => {
    expect(codeOf(() => writeSafetensors([['__metadata__', wide]]))).toBe('InvalidTensorName');
    expect(
      codeOf(() =>
        writeSafetensors([
          ['a', wide],
          ['a', special],
        ]),
      ),
    ).toBe('DuplicateName');
  });

  test.prop([
    fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.boolean(), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })), {
      maxLength: 6,
      selector: ([name]) => name,
    }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  ])('any named float tensors and metadata survive write then read exactly', (specs, metadata) => {
    fc.pre(specs.every(([name]) => name !== '__metadata__'));
    const tensors = specs.map(([name, isFloat32, shape]): [string, Tensor] => {
      const length = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length }, (_, i) => (i % 5 === 0 ? -0 : Math.sin(i + name.length) * 1e3));
      return [name, new Tensor(isFloat32 ? Float32Array.from(values) : Float64Array.from(values), shape)];
    });

    const file = readSafetensors(writeSafetensors(tensors, metadata));

    expect([...file.tensors.keys()]).toEqual(tensors.map(([name]) => name));
    for (const [name, tensor] of tensors) expect(bits(file.tensors.get(name)!)).toEqual(bits(tensor));
    expect(file.metadata).toEqual(metadata);
  });
});

describe('readSafetensors rejects malformed files with a SafetensorsError', () => {
  const f32 = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
  const entry = (shape: number[], begin: number, end: number, dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });

  it.each<[string, () => Uint8Array, SafetensorsErrorCode]>([
    ['fewer than 8 bytes', () => new Uint8Array(5), 'HeaderTooSmall'],
    [
      'a header length above the limit',
      () => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true);
        return b;
      },
      'HeaderTooLarge',
    ],
    [
      'a header length past the end',
      () => {
        const b = new Uint8Array(16);
        b[0] = 9;
        return b;
      },
      'InvalidHeaderLength',
    ],
    ['an empty header', () => rawFile(null, undefined, ''), 'InvalidHeaderStart'],
    ['a header not starting with {', () => rawFile(null, undefined, ' {}'), 'InvalidHeaderStart'],
    [
      'a header that is not UTF-8',
      () => {
        const b = rawFile(null, undefined, '{"a"}');
        b[10] = 0xff;
        return b;
      },
      'InvalidHeader',
    ],
    ['a header that is not JSON', () => rawFile(null, undefined, '{"a":'), 'InvalidHeaderDeserialization'],
    ['a tensor entry that is not an object', () => rawFile({ a: [1] }), 'InvalidHeaderDeserialization'],
    [
      'a repeated tensor name',
      () => rawFile(null, f32([1, 2]), `{"a":${JSON.stringify(entry([1], 0, 4))},"a":${JSON.stringify(entry([1], 4, 8))}}`),
      'DuplicateName',
    ],
    [
      'a repeated key inside an entry',
      () => rawFile(null, f32([1]), '{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}'),
      'DuplicateName',
    ],
    ['an F16 tensor', () => rawFile({ a: entry([2], 0, 4, 'F16') }, f32([1])), 'UnsupportedDtype'],
    ['an unknown dtype', () => rawFile({ a: entry([1], 0, 4, 'toString') }, f32([1])), 'UnsupportedDtype'],
    ['a negative dimension', () => rawFile({ a: entry([-1], 0, 4) }, f32([1])), 'InvalidHeaderDeserialization'],
    ['a fractional offset', () => rawFile({ a: entry([1], 0, 4.5) }, f32([1])), 'InvalidHeaderDeserialization'],
    ['three offsets', () => rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }, f32([1])), 'InvalidHeaderDeserialization'],
    ['metadata that is not a string map', () => rawFile({ __metadata__: { a: 1 } }), 'InvalidHeaderDeserialization'],
    ['a gap before the first tensor', () => rawFile({ a: entry([1], 4, 8) }, f32([1, 2])), 'InvalidOffset'],
    ['overlapping tensors', () => rawFile({ a: entry([2], 0, 8), b: entry([1], 4, 8) }, f32([1, 2])), 'InvalidOffset'],
    ['an end before its begin', () => rawFile({ a: entry([0], 4, 0) }, f32([1])), 'InvalidOffset'],
    [
      "offsets past the data section (the Rust reader's coverage check)",
      () => rawFile({ a: entry([4], 0, 16) }, f32([1])),
      'MetadataIncompleteBuffer',
    ],
    ['a shape that disagrees with its byte span', () => rawFile({ a: entry([3], 0, 8) }, f32([1, 2])), 'TensorInvalidInfo'],
    ['a shape whose byte size overflows', () => rawFile({ a: entry([2 ** 40, 2 ** 40], 0, 8) }, f32([1, 2])), 'ValidationOverflow'],
    ['data bytes no tensor covers', () => rawFile({ a: entry([1], 0, 4) }, f32([1, 2])), 'MetadataIncompleteBuffer'],
  ])('%s', (_, build, code) => {
    expect(codeOf(() => readSafetensors(build()))).toBe(code);
  });

  it('states the problem in the message', () => {
    let message = '';
    try {
      readSafetensors(rawFile({ w: entry([3], 0, 8) }, f32([1, 2])));
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toBe('TensorInvalidInfo: tensor "w" has shape [3] (12 bytes) but data_offsets span 8 bytes');
  });

  it('honours a lower header limit', () => {
    expect(codeOf(() => readSafetensors(writeSafetensors({ a: new Tensor(new Float32Array(1), [1]) }), { maxHeaderBytes: 16 }))).toBe(
      'HeaderTooLarge',
    );
  });

  it('keeps tensor names that collide with Object.prototype as plain names', () => {
    const file = readSafetensors(
      writeSafetensors([
        ['__proto__', new Tensor(new Float32Array([1]), [1])],
        ['constructor', new Tensor(new Float32Array([2]), [1])],
      ]),
    );

    expect([...file.tensors.keys()]).toEqual(['__proto__', 'constructor']);
    expect(file.tensors.get('constructor')!.data[0]).toBe(2);
  });
});

// Note [safetensors fuzz]: the reader must, for ANY bytes, either return tensors whose total size
// fits in the input (no allocation a lying header could inflate) or throw a SafetensorsError —
// never another exception, never a hang. Four generators cover random bytes, truncations and byte
// mutations of valid files, and structurally valid headers with random offsets, shapes and dtypes.
const FUZZ_RUNS = Number(process.env.SAFETENSORS_FUZZ_RUNS ?? 5000);

// About 0.2 ms per input; the budget grows with SAFETENSORS_FUZZ_RUNS so a long fuzz is not cut short.
describe('readSafetensors fuzz', { timeout: Math.max(10_000, FUZZ_RUNS * 3) }, () => {
  const slowestMs = { value: 0 };

  function readsSafely(bytes: Uint8Array): void {
    const started = performance.now();
    try {
      const { tensors } = readSafetensors(bytes);
      let allocated = 0;
      for (const tensor of tensors.values()) allocated += tensor.data.byteLength;
      expect(allocated).toBeLessThanOrEqual(bytes.length);
    } catch (error) {
      expect(error).toBeInstanceOf(SafetensorsError);
      expect((error as Error).message.length).toBeGreaterThan(0);
    }
    const elapsed = performance.now() - started;
    slowestMs.value = Math.max(slowestMs.value, elapsed);
    expect(elapsed).toBeLessThan(250);
  }

  const validFile = fc
    .array(fc.tuple(fc.boolean(), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })), { minLength: 1, maxLength: 4 })
    .map((specs) =>
      writeSafetensors(
        specs.map(([isFloat32, shape], i): [string, Tensor] => {
          const length = shape.reduce((a, b) => a * b, 1);
          return [`t${i}`, new Tensor(isFloat32 ? new Float32Array(length).fill(1.5) : new Float64Array(length).fill(-2), shape)];
        }),
        { k: 'v' },
      ),
    );

  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: FUZZ_RUNS })('random bytes', (bytes) => readsSafely(bytes));

  test.prop([fc.uint8Array({ minLength: 8, maxLength: 300 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })], { numRuns: FUZZ_RUNS })(
    'random bytes behind a random header length',
    (bytes, length) => {
      new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, length, true);
      readsSafely(bytes);
    },
  );

  test.prop([validFile, fc.nat()], { numRuns: FUZZ_RUNS })('valid files truncated anywhere', (bytes, cut) => {
    readsSafely(bytes.subarray(0, cut % (bytes.length + 1)));
  });

  test.prop([validFile, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })], { numRuns: FUZZ_RUNS })(
    'valid files with bytes overwritten',
    (bytes, edits) => {
      const mutated = bytes.slice();
      for (const [position, value] of edits) mutated[position % mutated.length] = value;
      readsSafely(mutated);
    },
  );

  const lyingNumber = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, -1, 0.5), fc.double());
  test.prop(
    [
      fc.dictionary(
        fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__metadata__')),
        fc.oneof(
          fc.record({
            dtype: fc.constantFrom('F32', 'F64', 'F16', 'I64', 'BOOL', '', 'f32'),
            shape: fc.array(lyingNumber, { maxLength: 4 }),
            data_offsets: fc.array(lyingNumber, { maxLength: 3 }),
          }),
          fc.jsonValue(),
        ),
        { maxKeys: 5 },
      ),
      fc.integer({ min: 0, max: 96 }),
    ],
    { numRuns: FUZZ_RUNS },
  )('structurally plausible headers with lying shapes, offsets and dtypes', (header, dataLength) => {
    readsSafely(rawFile(header, new Uint8Array(dataLength)));
  });

  it('finishes every fuzz input quickly (slowest input well under the per-input bound)', () => {
    expect(slowestMs.value).toBeLessThan(250);
  });
});
