// Kernels: the affine map and activations on hand-checkable values.
import { describe, expect, it } from 'vitest';
import { linear, reluInPlace, tanhInPlace } from '../../src/kernels.js';

describe('linear', () => {
  it('computes x·Wᵀ + b for every row and unit, including the odd row and unit left over by the 2×2 blocks', () => {
    const x = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9]); // 3 rows × 3 features
    const w = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 2, 0, -1]); // 5 units × 3 features
    const b = new Float64Array([0.5, 0, 0, -1, 0]);
    const out = new Float64Array(15);
    linear(out, 0, x, 0, 3, w, b, 5, 3);
    expect([...out]).toEqual([1.5, 2, 3, 5, -1, 4.5, 5, 6, 14, 2, 7.5, 8, 9, 23, 5]);
  });

  it('honours input and output offsets and a missing bias', () => {
    const x = new Float32Array([9, 9, 1, 2]);
    const out = new Float32Array([7, 0]);
    linear(out, 1, x, 2, 1, new Float32Array([3, 4]), null, 1, 2);
    expect([...out]).toEqual([7, 11]);
  });
});

describe('activations', () => {
  it('relu maps negatives to 0 and keeps -0, NaN and positives, as torch.relu does', () => {
    const values = new Float64Array([-2, -0, NaN, 3]);
    reluInPlace(values, 0, 4);
    expect(Object.is(values[0], 0)).toBe(true);
    expect(Object.is(values[1], -0)).toBe(true);
    expect(Number.isNaN(values[2])).toBe(true);
    expect(values[3]).toBe(3);
  });

  it('tanh saturates where torch 2.13 (MKL, AVX2) does: float32 past 9.0108, float64 past 19.0615', () => {
    // expected bits measured with torch.tanh and inside nn.RNN on the pinned build
    const f64 = new Float64Array([18.8, -19.0, 19.07]);
    tanhInPlace(f64, 0, 3);
    expect([...f64]).toEqual([1 - 2 ** -53, -(1 - 2 ** -53), 1]);
    const f32 = new Float32Array([8.7, 8.9, 9.0, 9.02, -18.8]);
    tanhInPlace(f32, 0, 5);
    expect([...f32]).toEqual([1 - 2 ** -24, 1 - 2 ** -24, 1 - 2 ** -24, 1, -1]);
  });
});
