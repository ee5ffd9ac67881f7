// The API judge is exact: −0 against +0, one NaN payload against another, an error's text and the warnings all count.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/index.js';
import { decodeArgs, encodeArgs } from '../../../harness/api/api-args.js';
import { judgeApi } from '../../../harness/api/api-judge.js';
import { type ApiResult, apiResultOf } from '../../../harness/api/api-result.js';
import { type CanonicalValue, canonicalFloat, canonicalInt64Tensor, canonicalTensor } from '../../../harness/api/canonical-value.js';
import { formatDifference } from '../../../harness/parity/difference.js';

const ok = (value: CanonicalValue): ApiResult => ({ value, warnings: [] });

describe('judgeApi', () => {
  it('tells −0 from +0 in a tensor, and names the element with both bit patterns', () => {
    const plus = canonicalTensor(Tensor.fromFlat([1, 0], [2], 'float32'));
    const minus = canonicalTensor(Tensor.fromFlat([1, -0], [2], 'float32'));
    expect(judgeApi(ok(plus), ok(minus)).map(formatDifference)).toEqual(['value.tensor.bits[1]: TS 00000000 (0) vs torch 80000000 (0)']);
    expect(judgeApi(ok(minus), ok(minus))).toEqual([]);
  });

  it('tells NaN payloads apart, and a float from an int64', () => {
    const a = Tensor.fromFlat([Number.NaN], [1], 'float32');
    const b = a.clone();
    new Uint32Array(b.data.buffer)[0] = 0x7fc00001;
    expect(judgeApi(ok(canonicalTensor(a)), ok(canonicalTensor(b)))).toHaveLength(1);
    expect(judgeApi(ok([canonicalFloat(0.5)]), ok([canonicalFloat(0.5)]))).toEqual([]);
    expect(judgeApi(ok(canonicalInt64Tensor([3])), ok(canonicalInt64Tensor([-3]))).map(formatDifference)).toEqual([
      'value.tensor.bits[0]: TS 0000000000000003 (3) vs torch fffffffffffffffd (-3)',
    ]);
  });

  it('compares errors by type and whole message, and warnings in order', () => {
    const error = (message: string) => ({ error: { type: 'ValueError', message }, warnings: [] });
    expect(judgeApi(error('a'), error('a'))).toEqual([]);
    expect(judgeApi(error('a'), error('a.'))[0]?.kind).toBe('error-mismatch');
    expect(judgeApi(ok(null), error('a'))[0]?.kind).toBe('error-mismatch');
    expect(judgeApi({ value: null, warnings: ['w'] }, ok(null))[0]?.kind).toBe('warnings');
  });

  it('a library exception that is not a TorchError never matches torch', () => {
    const crash = apiResultOf(() => {
      throw new RangeError('boom');
    });
    expect('error' in crash && crash.error.type).toBe('JS:RangeError');
  });
});

describe('API args', () => {
  it('survive the wire encoding exactly: −0, NaN, ±Inf and bigints beyond 2⁶³', () => {
    const args = { a: [-0, Number.NaN, Infinity, -Infinity, 1.5], seed: 2n ** 64n - 1n, s: 'x', n: null, b: true };
    const back = decodeArgs(JSON.parse(JSON.stringify(encodeArgs(args))));
    expect(back).toEqual(args);
    expect(Object.is((back as { a: number[] }).a[0], -0)).toBe(true);
  });
});
