// Generator: torch's CPU seed semantics, uniform_ (both rounding models), bernoulli_, state bytes.
// Reference values were printed by torch 2.13.0 (CPU, AVX512 kernels = fused model; the unfused
// values with ATEN_CPU_CAPABILITY=default); long runs are compared by the sha256 of their
// little-endian bytes, as `hashlib.sha256(struct.pack('<4000f', *t.tolist()))` printed them.
import { createHash } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { TorchError } from '../../src/errors.js';
import { defaultGenerator, Generator, manualSeed, type InitRounding } from '../../src/generator.js';

function sha256(values: Float32Array | Float64Array | Uint8Array): string {
  return createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

function thrown(action: () => unknown): { name: string; message: string } {
  try {
    action();
  } catch (error) {
    if (!(error instanceof TorchError)) throw error;
    return { name: error.name, message: error.message };
  }
  throw new Error('expected a TorchError');
}

function rand(generator: Generator, count: number, dtype: 'float32' | 'float64' = 'float32'): number[] {
  const out = dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
  generator.uniform_(out, 0, 1);
  return Array.from(out);
}

describe('Generator seeding', () => {
  it('reproduces torch.manual_seed(0); torch.rand(3) in float32 and float64', () => {
    expect(rand(new Generator(0), 3)).toEqual([0.49625658988952637, 0.7682217955589294, 0.08847743272781372]);
    expect(rand(new Generator(0), 3, 'float64')).toEqual([0.9700530018065531, 0.707819864399788, 0.45938294312745087]);
  });

  it('starts from 67280421310721 like a fresh torch.Generator()', () => {
    expect(new Generator().initialSeed()).toBe(67280421310721n);
    expect(defaultGenerator).toBeInstanceOf(Generator);
  });

  it.each([
    [1.5, 1n],
    [-1, 18446744073709551615n],
    [-(2n ** 63n), 9223372036854775808n],
    [2n ** 64n - 1n, 18446744073709551615n],
    [2n ** 40n + 9n, 1099511627785n],
  ])('keeps seed %s as the uint64 %s (torch.initial_seed)', (seed, expected) => {
    expect(new Generator(seed).initialSeed()).toBe(expected);
  });

  it.each([
    [2n ** 64n, 'ValueError', 'Overflow when unpacking long long'],
    [-(2n ** 63n) - 1n, 'ValueError', 'Overflow when unpacking long long'],
    [2 ** 70, 'ValueError', 'Overflow when unpacking long long'],
    [Number.NaN, 'ValueError', 'cannot convert float NaN to integer'],
    [Number.POSITIVE_INFINITY, 'OverflowError', 'cannot convert float infinity to integer'],
  ])('rejects seed %s with %s like torch.manual_seed', (seed, name, message) => {
    expect(thrown(() => new Generator(0).manualSeed(seed))).toEqual({ name, message });
  });

  it('manualSeed seeds the default generator and returns it', () => {
    const generator = manualSeed(5);

    expect(generator).toBe(defaultGenerator);
    expect(rand(defaultGenerator, 4)).toEqual([0.8302518725395203, 0.12611091136932373, 0.9074696898460388, 0.8199270367622375]);
  });

  it('manualSeed(-1) gives the stream of seed 2**64 - 1, whose engine seed is 0xffffffff', () => {
    expect(rand(new Generator(-1), 50)).toEqual(rand(new Generator(0xffffffff), 50));
  });

  test.prop([fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.integer({ min: 1, max: 2 ** 32 - 1 })])(
    'seeds that agree in their low 32 bits give the same stream',
    (low, high) => {
      const aliased = new Generator(low + BigInt(high) * 2n ** 32n);

      expect(rand(aliased, 20)).toEqual(rand(new Generator(low), 20));
      expect(aliased.initialSeed()).not.toBe(low);
    },
  );

  test.prop([fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n })])('the same seed gives the same stream', (seed) => {
    expect(rand(new Generator(seed), 30, 'float64')).toEqual(rand(new Generator(seed), 30, 'float64'));
  });

  it('random64 puts the first 32-bit draw in the high word', () => {
    const words = new Generator(9);
    const high = words.random();
    const low = words.random();

    expect(new Generator(9).random64()).toBe((BigInt(high) << 32n) | BigInt(low));
  });
});

describe('Generator.uniform_', () => {
  const symmetric = 1 / Math.sqrt(7);
  const cases: [InitRounding, number, number, 'float32' | 'float64', number[], string][] = [
    [
      'fused',
      -2.5,
      1e-3,
      'float32',
      [-2.4893369674682617, -2.235970973968506, -1.785107970237732],
      '7817f39689c887caec01ce58c6c0a94d078eae5d9510ed98fc97f4dd3f89f82e',
    ],
    [
      'fused',
      -2.5,
      1e-3,
      'float64',
      [-2.4146954026780483, -1.7828626929700113, -0.5669397242342107],
      '3679b6bf3e418dbee2b00f2f1f3e5ef305a5179fdfdc1fc0e03e1bb5c7c8caca',
    ],
    [
      'fused',
      -symmetric,
      symmetric,
      'float32',
      [-0.3747415542602539, -0.2981615364551544, -0.16188786923885345],
      '06b3b23f362b0ca1b243099a135b312bac700a89dfb9268c9e270a2ffcb21769',
    ],
    [
      'fused',
      -symmetric,
      symmetric,
      'float64',
      [-0.35218110062053803, -0.16120923564269699, 0.2063043062189919],
      '05e536cc0f2048d23c564330a896f36ea483815f9b67d067735aa400684f6c89',
    ],
    [
      'unfused',
      -2.5,
      1e-3,
      'float32',
      [-2.4893369674682617, -2.235970973968506, -1.785107970237732],
      '758deaf256ea0d33796dc9acfccd85ef1f8e44026dee71e51cc4ca1b26b01da9',
    ],
    [
      'unfused',
      -2.5,
      1e-3,
      'float64',
      [-2.4146954026780483, -1.7828626929700113, -0.5669397242342107],
      'c26773ef4e85083a902bcd7bc15b68aef2ac0621817ce1f0d88f20e45702a9be',
    ],
    [
      'unfused',
      -symmetric,
      symmetric,
      'float32',
      [-0.3747415542602539, -0.2981615364551544, -0.16188786923885345],
      'a47ec94985d927a3bbdf9367dffa1fc82478be76b97566ab808e49b267a304dd',
    ],
    [
      'unfused',
      -symmetric,
      symmetric,
      'float64',
      [-0.35218110062053803, -0.16120923564269699, 0.20630430621899187],
      '0eb8af1cb820ae41f528c78b52865414fba3154c7324892f69c18d92d25cb278',
    ],
  ];

  it.each(cases)('%s uniform_(%d, %d) in %s matches torch for 4000 draws after manual_seed(3)', (rounding, from, to, dtype, head, digest) => {
    const out = dtype === 'float32' ? new Float32Array(4000) : new Float64Array(4000);

    new Generator(3).uniform_(out, from, to, rounding);

    expect(Array.from(out.subarray(0, 3))).toEqual(head);
    expect(sha256(out)).toBe(digest);
  });

  it.each([
    ['fused', 'float32', [-0.004322517663240433, 0.3097158372402191]],
    ['fused', 'float64', [0.5427704542528102, 0.23996970930833822]],
    ['unfused', 'float32', [-0.004322528839111328, 0.3097158670425415]],
    ['unfused', 'float64', [0.5427704542528101, 0.23996970930833827]],
  ] as const)('the %s model gives the %s fingerprint of manual_seed(0); nn.RNN(2, 3)', (rounding, dtype, fingerprint) => {
    const weightIh = dtype === 'float32' ? new Float32Array(6) : new Float64Array(6);

    new Generator(0).uniform_(weightIh, -1 / Math.sqrt(3), 1 / Math.sqrt(3), rounding);

    expect(Array.from(weightIh.subarray(0, 2))).toEqual(fingerprint);
  });

  it.each([
    ['float32', 137, '6bf20a46846245c95d36d84ba7ad5466aa507fce87ca90a3b15c93972a4782dc'],
    ['float64', 0, '3f15610a2d3cdd0a616d35b2e90835b65b794fe57bf747488a18e4cf63d11d3d'],
  ] as const)('maps a %s value that rounds up to `to` back to `from`, as torch 2.x does (uniform_(1e6, 1e6 + 1))', (dtype, fromCount, digest) => {
    const out = dtype === 'float32' ? new Float32Array(2000) : new Float64Array(2000);

    new Generator(0).uniform_(out, 1e6, 1e6 + 1);

    expect(out.filter((value) => value === 1e6).length).toBe(fromCount);
    expect(out.includes(1e6 + 1)).toBe(false);
    expect(sha256(out)).toBe(digest);
  });

  it('draws one word per float32 element and two per float64 element', () => {
    const float32 = new Generator(11);
    const float64 = new Generator(11);
    const words = new Generator(11);

    float32.uniform_(new Float32Array(5), -1, 1);
    float64.uniform_(new Float64Array(5), -1, 1);
    for (let i = 0; i < 5; i++) words.random();

    expect(float32.random()).toBe(words.random());
    for (let i = 0; i < 4; i++) words.random();
    expect(float64.random()).toBe(words.random());
  });

  it.each([
    ['float32', 2, 1, 'uniform_ expects to return a [from, to) range, but found from=2 > to=1'],
    ['float32', 0.1, 0.05, 'uniform_ expects to return a [from, to) range, but found from=0.1 > to=0.05'],
    ['float64', 123456789, 1e-5, 'uniform_ expects to return a [from, to) range, but found from=1.23457e+08 > to=1e-05'],
    ['float32', 2.5e-7, -0.3333333, 'uniform_ expects to return a [from, to) range, but found from=2.5e-07 > to=-0.333333'],
    [
      'float32',
      -3e38,
      3e38,
      'uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=3e+38 and from=-3e+38 which result in to-from to exceed the limit',
    ],
    [
      'float64',
      -1e308,
      1e308,
      'uniform_ expects to-from <= std::numeric_limits<Double>::max(), but found to=1e+308 and from=-1e+308 which result in to-from to exceed the limit',
    ],
    ['float32', -1e39, 3e38, 'from is out of bounds for float'],
    ['float64', Number.NEGATIVE_INFINITY, 1, 'from is out of bounds for double'],
    ['float32', 0.1234567891, Number.NaN, 'to is out of bounds for float'],
  ] as const)("rejects %s uniform_(%d, %d) with torch's RuntimeError", (dtype, from, to, message) => {
    const out = dtype === 'float32' ? new Float32Array(3) : new Float64Array(3);

    expect(thrown(() => new Generator(0).uniform_(out, from, to))).toEqual({ name: 'RuntimeError', message });
  });
});

describe('Generator.bernoulli_', () => {
  it('reproduces torch.manual_seed(7); torch.empty(24).bernoulli_(0.3)', () => {
    const out = new Float32Array(24);

    new Generator(7).bernoulli_(out, 0.3);

    expect(Array.from(out)).toEqual([1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('reproduces 5000 float64 draws of bernoulli_(0.3) after manual_seed(7)', () => {
    const out = new Float64Array(5000);

    new Generator(7).bernoulli_(out, 0.3);

    expect(out.reduce((sum, value) => sum + value, 0)).toBe(1504);
    expect(sha256(out)).toBe('c13469d3a2ecf2bf5029c63e443438947d0424488b8787dbc036cea54bdc8d8f');
  });

  it('leaves the generator where torch leaves it (one random64 per element)', () => {
    const generator = new Generator(7);

    generator.bernoulli_(new Float32Array(10), 0.3);

    expect(rand(generator, 1)).toEqual([0.8828775882720947]);
  });

  it.each([
    [1.5, 'bernoulli_ expects p to be in [0, 1], but got p=1.5'],
    [-0.25, 'bernoulli_ expects p to be in [0, 1], but got p=-0.25'],
    [Number.NaN, 'bernoulli_ expects p to be in [0, 1], but got p=nan'],
    [1.0000001, 'bernoulli_ expects p to be in [0, 1], but got p=1'],
  ])("rejects p = %d with torch's RuntimeError", (p, message) => {
    expect(thrown(() => new Generator(0).bernoulli_(new Float32Array(3), p))).toEqual({ name: 'RuntimeError', message });
  });
});

describe('Generator state', () => {
  it('produces torch.get_rng_state() bytes after manual_seed(0); rand(5)', () => {
    const generator = new Generator(0);
    rand(generator, 5);

    const state = generator.getState();

    expect(state.length).toBe(5056);
    expect(sha256(state)).toBe('1faa3ad719bc111cdf3fcbf3b78196eba12b4fb22485c3398368548cb6a52f9f');
  });

  it('produces torch.get_rng_state() bytes right after manual_seed(2**40 + 9)', () => {
    expect(sha256(new Generator(2n ** 40n + 9n).getState())).toBe('5a5e0279979c7af82b1cc6ec7524c9579b4371c5bec28ac297a5a1ef83e6553f');
  });

  it('restores a saved state: the stream and the initial seed continue from the save point', () => {
    const generator = new Generator(2n ** 40n + 9n);
    rand(generator, 1000);
    const saved = generator.getState();
    const expected = rand(generator, 700, 'float64');

    const restored = new Generator(1).setState(saved);

    expect(rand(restored, 700, 'float64')).toEqual(expected);
    expect(restored.initialSeed()).toBe(2n ** 40n + 9n);
  });

  it("rejects state bytes of the wrong size with torch's message", () => {
    expect(thrown(() => new Generator().setState(new Uint8Array(10)))).toEqual({
      name: 'RuntimeError',
      message: 'Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10',
    });
  });

  it('rejects state bytes with left = 0 as an invalid mt19937 state', () => {
    const state = new Generator(0).getState();
    state.fill(0, 8, 12);

    expect(thrown(() => new Generator().setState(state))).toEqual({ name: 'RuntimeError', message: 'Invalid mt19937 state' });
  });
});
