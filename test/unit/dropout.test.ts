// dropoutNoise: torch's CPU training-mode dropout noise (reference values from torch 2.13.0).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { dropoutNoise } from '../../src/dropout.js';
import { TorchError } from '../../src/errors.js';
import { Generator } from '../../src/generator.js';

function nextRand(generator: Generator): number {
  const out = new Float32Array(1);
  generator.uniform_(out, 0, 1);
  return out[0]!;
}

describe('dropoutNoise', () => {
  // torch.manual_seed(3); torch.nn.functional.dropout(torch.ones(12, dtype=dtype), 0.3, training=True)
  it.each([
    ['float32', 1.4285714626312256],
    ['float64', 1.4285714285714286],
  ] as const)("reproduces torch's %s dropout of ones(12) with p = 0.3 after manual_seed(3)", (dtype, kept) => {
    const noise = dropoutNoise(dtype, 12, 0.3, new Generator(3));

    expect(Array.from(noise ?? [])).toEqual([kept, kept, 0, kept, 0, kept, kept, kept, kept, 0, kept, kept]);
  });

  it('scales float32 noise by f32(1 / f32(1 - p)), not by f32(1 / (1 - p))', () => {
    // p chosen so the two candidate scales differ in float32 (spec §3.4).
    const p = 0.8444218515250481;
    const noise = dropoutNoise('float32', 400, p, new Generator(0));

    const kept = Array.from(noise ?? []).filter((value) => value !== 0);

    expect(kept.length).toBeGreaterThan(0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / Math.fround(1 - p))]));
    expect(Math.fround(1 / Math.fround(1 - p))).not.toBe(Math.fround(1 / (1 - p)));
  });

  it('returns null and draws nothing when p = 0', () => {
    const generator = new Generator(3);

    expect(dropoutNoise('float32', 12, 0, generator)).toBeNull();
    expect(nextRand(generator)).toBe(nextRand(new Generator(3)));
  });

  it('returns all-zero noise and draws nothing when p = 1', () => {
    const generator = new Generator(3);

    const noise = dropoutNoise('float64', 12, 1, generator);

    expect(noise).toEqual(new Float64Array(12));
    // torch.manual_seed(3); F.dropout(torch.ones(12), 1.0, training=True); torch.rand(1)
    expect(nextRand(generator)).toBe(0.004263520240783691);
  });

  it("rejects p outside [0, 1] with at::dropout's RuntimeError", () => {
    let caught: unknown;
    try {
      dropoutNoise('float32', 3, 1.5, new Generator(0));
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(TorchError);
    expect((caught as TorchError).name).toBe('RuntimeError');
    expect((caught as TorchError).message).toBe('dropout probability has to be between 0 and 1, but got 1.5');
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 300 }), fc.double({ min: 0.01, max: 0.99, noNaN: true })])(
    'noise is 0 exactly where bernoulli_(1 - p) drew 0, and 1/(1-p) elsewhere',
    (seed, length, p) => {
      const mask = new Float64Array(length);
      new Generator(seed).bernoulli_(mask, 1 - p);

      const noise = dropoutNoise('float64', length, p, new Generator(seed));

      expect(Array.from(noise ?? [])).toEqual(Array.from(mask, (keep) => (keep === 1 ? 1 / (1 - p) : 0)));
    },
  );
});

describe('dropoutNoise statistics (the check that stands when a reference torch draws masks another way)', () => {
  test.prop(
    [
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.constantFrom('float32' as const, 'float64' as const),
    ],
    { numRuns: 30 },
  )('keeps a fraction 1 − p of 20 000 elements within 5 binomial standard deviations, each scaled by exactly 1/(1 − p)', (p, seed, dtype) => {
    const n = 20_000;
    const noise = dropoutNoise(dtype, n, p, new Generator(seed))!;
    const scale = dtype === 'float32' ? Math.fround(1 / Math.fround(1 - p)) : 1 / (1 - p);
    let kept = 0;
    let misscaled = 0;
    for (const value of noise) {
      if (value !== 0) kept++;
      if (value !== 0 && value !== scale) misscaled++;
    }
    expect(misscaled).toBe(0);
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(kept - n * (1 - p))).toBeLessThanOrEqual(5 * sd);
  });
});
