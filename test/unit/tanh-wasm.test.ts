// The WebAssembly tanh (wasm/tanh-wat.ts) against the JS functions it replaces in the hot loop:
// 0 differing values over 10⁶ random inputs per dtype, plus the special values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wasmLinearAvailable } from '../../src/linear-wasm.js';
import { tanhF32, tanhF64 } from '../../src/tanh.js';
import { tanhInPlaceWasm } from '../../src/tanh-wasm.js';
import { uniforms } from '../helpers.js';

/** Same bits, or both NaN (a NaN's payload is not a value torch or the JS function pins down). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) count++;
  return count;
}

/**
 * 10⁶ float64 inputs: a third uniform over ±25 (past both saturation points), a third of magnitude
 * 2^u for u uniform in [−60, 10] (through the linear range 2⁻²⁷ and every reduction quotient), a third
 * raw random bit patterns (subnormals, huge values, infinities, NaNs).
 */
function inputs(count: number): Float64Array {
  const next = uniforms(2463534242);
  const x = new Float64Array(count);
  const bits = new Uint32Array(x.buffer);
  for (let i = 0; i < count; i++) {
    const sign = next() < 0.5 ? -1 : 1;
    if (i % 3 === 0) x[i] = (next() * 2 - 1) * 25;
    else if (i % 3 === 1) x[i] = sign * 2 ** (next() * 70 - 60);
    else {
      bits[2 * i] = next() * 2 ** 32;
      bits[2 * i + 1] = next() * 2 ** 32;
    }
  }
  return x;
}

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 2 ** -27, -(2 ** -27), 2 ** -28, 22, -22, 22.000000000000004, 19.0615, 9.0108, 1e-310, 5e-324];

describe('tanh in WebAssembly', () => {
  it('runs here (so the checks below test it, not the fallback)', () => {
    expect(wasmLinearAvailable()).toBe(true);
  });

  it('equals tanhF64 on 10⁶ random float64 inputs and the special values', () => {
    const x = Float64Array.from([...SPECIAL, ...inputs(1_000_000)]);
    const expected = x.map(tanhF64);
    const actual = x.slice();
    expect(tanhInPlaceWasm(actual, 0, actual.length)).toBe(true);
    expect(differing(actual, expected)).toBe(0);
  });

  it('equals tanhF32 on 10⁶ random float32 inputs and the special values', () => {
    const x = Float32Array.from([...SPECIAL, ...inputs(1_000_000)]);
    const expected = x.map(tanhF32);
    const actual = x.slice();
    expect(tanhInPlaceWasm(actual, 0, actual.length)).toBe(true);
    expect(differing(actual, expected)).toBe(0);
  });

  it('touches only values[offset … offset+length), odd lengths included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), (offset, length, f32) => {
        const ramp = Array.from({ length: offset + length + 3 }, (_, i) => i / 3 - 2);
        const values = f32 ? Float32Array.from(ramp) : Float64Array.from(ramp);
        const expected = values.map((v, i) => (i >= offset && i < offset + length ? (f32 ? tanhF32(v) : tanhF64(v)) : v));
        tanhInPlaceWasm(values, offset, length);
        expect(differing(values, expected)).toBe(0);
      }),
    );
  });
});
