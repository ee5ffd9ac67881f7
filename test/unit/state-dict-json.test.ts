// State-dict JSON: canonical, bit-exact, strict on read.
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeJsonFloat, encodeJsonFloat } from '../../src/json-float.js';
import { StateDictJsonError, stateDictFromJson, stateDictToJson } from '../../src/state-dict-json.js';
import { Tensor } from '../../src/tensor.js';

function sameBits(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

function rejection(text: string): string {
  try {
    stateDictFromJson(text);
  } catch (error) {
    if (error instanceof StateDictJsonError) return error.message;
    throw error;
  }
  throw new Error('expected a StateDictJsonError');
}

describe('stateDictToJson / stateDictFromJson', () => {
  it('writes canonical JSON: sorted keys, 2-space indent, trailing newline, special floats as strings', () => {
    const text = stateDictToJson({
      weight_hh_l0: new Tensor(new Float32Array([Number.NaN, -0, Infinity, -Infinity]), [2, 2]),
      bias_ih_l0: new Tensor(new Float64Array([0.1]), [1]),
    });

    expect(text).toBe(
      '{\n  "bias_ih_l0": {\n    "dtype": "float64",\n    "shape": [\n      1\n    ],\n    "values": [\n      0.1\n    ]\n  },\n' +
        '  "weight_hh_l0": {\n    "dtype": "float32",\n    "shape": [\n      2,\n      2\n    ],\n    "values": [\n      "NaN",\n      "-0",\n      "Infinity",\n      "-Infinity"\n    ]\n  }\n}\n',
    );
  });

  it('reads the JSON Python wrote for a torch state dict (fixture beside the safetensors file)', () => {
    const tensors = stateDictFromJson(readFileSync(new URL('fixtures/torch-rnn-float32.json', import.meta.url), 'utf8'));

    expect(tensors.weight_hh_l0!.shape).toEqual([3, 3]);
    expect(Array.from(tensors.weight_hh_l0!.data.subarray(0, 3))).toEqual([Number.NaN, -Infinity, -0]);
  });

  test.prop([fc.array(fc.float(), { maxLength: 20 }), fc.array(fc.double(), { maxLength: 20 })])(
    'round-trips every float32 and float64 value bit for bit',
    (singles, doubles) => {
      const dict = {
        single: new Tensor(Float32Array.from(singles), [singles.length]),
        double: new Tensor(Float64Array.from(doubles), [doubles.length]),
      };

      const back = stateDictFromJson(stateDictToJson(dict));

      expect(sameBits(back.single!, dict.single)).toBe(true);
      expect(sameBits(back.double!, dict.double)).toBe(true);
    },
  );

  it.each([
    ['not JSON', '{', /^state dict JSON is not valid JSON \(/],
    ['an array', '[]', /^state dict JSON must be an object mapping parameter names to tensors$/],
    [
      'a bad dtype',
      '{"w": {"dtype": "float16", "shape": [0], "values": []}}',
      /^parameter "w" has dtype "float16"; expected "float32" or "float64"$/,
    ],
    ['a bad shape', '{"w": {"dtype": "float32", "shape": [-1], "values": []}}', /^parameter "w" must have a shape of non-negative integers$/],
    ['too few values', '{"w": {"dtype": "float32", "shape": [2], "values": [1]}}', /^parameter "w" has shape \[2\] and needs 2 values$/],
    [
      'a bad value',
      '{"w": {"dtype": "float64", "shape": [1], "values": ["nan"]}}',
      /^parameter "w" value 0 is "nan", not a number or "NaN", "Infinity", "-Infinity", "-0"$/,
    ],
    [
      'a value float32 cannot hold',
      '{"w": {"dtype": "float32", "shape": [1], "values": [0.1]}}',
      /^parameter "w" value 0 \(0\.1\) is not exactly representable as float32$/,
    ],
  ])('rejects %s with a clear message', (_, text, message) => {
    expect(rejection(text)).toMatch(message);
  });
});

describe('encodeJsonFloat / decodeJsonFloat', () => {
  it('spells the four values JSON numbers cannot carry as strings', () => {
    expect([Number.NaN, Infinity, -Infinity, -0, 0, 1.5].map(encodeJsonFloat)).toEqual(['NaN', 'Infinity', '-Infinity', '-0', 0, 1.5]);
  });

  it('decodes only its own spellings', () => {
    expect(decodeJsonFloat('-0')).toBe(-0);
    expect(decodeJsonFloat('inf')).toBeNull();
    expect(decodeJsonFloat(null)).toBeNull();
  });
});
