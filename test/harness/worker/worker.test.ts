// The worker's case semantics against live torch: handshake, errors, warnings, exact state_dicts, packed, grads, layers.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import type { CaseResult, WireCase, WireTensor } from '../../../harness/worker/protocol.js';
import { REQUIREMENTS_FILE } from '../../../harness/worker/python-env.js';
import { installPlan } from '../../../harness/worker/python-setup.js';
import { decodeArray, decodeBytes, decodeIntegers, decodeTensor, encodeTensor } from '../../../harness/worker/wire-tensor.js';
import { Tensor } from '../../../src/tensor.js';
import { ramp, rnnCase, wire } from './wire-cases.js';

let bridge: TorchBridge;

beforeAll(async () => {
  bridge = await TorchBridge.start();
});

afterAll(async () => {
  await bridge.stop();
});

async function runOne(wireCase: WireCase): Promise<CaseResult> {
  const [result] = await bridge.run([wireCase]);
  return result!;
}

function bytesOf(tensor: WireTensor | null | undefined): string {
  if (tensor === null || tensor === undefined) throw new Error('missing tensor');
  return `${tensor.dtype}${JSON.stringify(tensor.shape)}${Buffer.from(decodeBytes(tensor)).toString('hex')}`;
}

describe('handshake', () => {
  it('reports the torch the setup step pinned, one thread, and a classified init fingerprint', () => {
    const pinned = installPlan(readFileSync(REQUIREMENTS_FILE, 'utf8')).torch.version.split('+')[0];
    const hello = bridge.handshake;

    expect(hello.protocol_version).toBe(2);
    expect(hello.torch_version.split('+')[0]).toBe(pinned);
    expect(hello.num_threads).toBe(1);
    expect(hello.config_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(['fused', 'unfused']).toContain(hello.init_fingerprint.model);
    expect(['mt19937-bernoulli', 'unknown']).toContain(hello.dropout_model);
  });

  it('gives fingerprint values equal to the weights a seed-0 nn.RNN(2, 3) case returns', async () => {
    const results = await bridge.run([
      rnnCase('f32', { want: { state_dict: true } }, 'float32'),
      rnnCase('f64', { want: { state_dict: true } }, 'float64'),
    ]);

    for (const [result, dtype] of [
      [results[0]!, 'float32'],
      [results[1]!, 'float64'],
    ] as const) {
      const weights = decodeTensor(result.state_dict!['weight_ih_l0']!);
      expect([weights.data[0], weights.data[1]]).toEqual(bridge.handshake.init_fingerprint[dtype]);
    }
  });

  it('classifies the spec §3.3 FMA values as fused', () => {
    const { model, float32, float64 } = bridge.handshake.init_fingerprint;
    const isSpecFma =
      float32[0] === -0.004322517663240433 &&
      float32[1] === 0.3097158372402191 &&
      float64[0] === 0.5427704542528102 &&
      float64[1] === 0.23996970930833822;

    expect(model === 'fused').toBe(isSpecFma);
  });
});

describe('torch errors and warnings', () => {
  it('reports hidden_size=0 as ValueError with torch text and no tensors', async () => {
    const result = await runOne(rnnCase('h0', { kwargs: { input_size: 2, hidden_size: 0 } }));

    expect(result.status).toBe('error');
    expect(result.error).toEqual({ type: 'ValueError', message: 'hidden_size must be greater than zero' });
    expect(result.output).toBeUndefined();
  });

  it('captures the dropout warning of a one-layer RNN and still runs it', async () => {
    const result = await runOne(rnnCase('warn', { kwargs: { input_size: 2, hidden_size: 3, dropout: 0.5 } }));

    expect(result.status).toBe('ok');
    expect(result.warnings).toEqual([
      {
        category: 'UserWarning',
        message:
          'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=0.5 and num_layers=1',
      },
    ]);
  });

  it('passes invalid kwargs through unchanged so torch raises its own errors', async () => {
    const results = await bridge.run([
      rnnCase('float-size', { kwargs: { input_size: 1.5, hidden_size: 3 } }),
      rnnCase('float-layers', { kwargs: { input_size: 2, hidden_size: 3, num_layers: { $float: '2.0' } } }),
      rnnCase('nan-dropout', { kwargs: { input_size: 2, hidden_size: 3, dropout: { $float: 'nan' } } }),
      rnnCase('null-nonlinearity', { kwargs: { input_size: 2, hidden_size: 3, nonlinearity: null } }),
    ]);

    expect(results.map((r) => r.error)).toEqual([
      { type: 'TypeError', message: 'input_size should be of type int, got: float' },
      { type: 'TypeError', message: "'float' object cannot be interpreted as an integer" },
      { type: 'ValueError', message: 'dropout should be a number in range [0, 1] representing the probability of an element being zeroed' },
      { type: 'ValueError', message: "Unknown nonlinearity 'None'. Select from 'tanh' or 'relu'." },
    ]);
  });

  it('reports a state_dict with missing keys through load_state_dict', async () => {
    const result = await runOne(rnnCase('missing', { init: { state_dict: { weight_ih_l0: wire(ramp(6), [3, 2]) } } }));

    expect(result.error).toEqual({
      type: 'RuntimeError',
      message: 'Error(s) in loading state_dict for RNN:\n\tMissing key(s) in state_dict: "weight_hh_l0", "bias_ih_l0", "bias_hh_l0". ',
    });
  });

  it('keeps a failing case from touching its batch-mates', async () => {
    const alone = await runOne(rnnCase('a'));
    const [first, failing, last] = await bridge.run([rnnCase('a'), rnnCase('bad', { kwargs: { input_size: 2, hidden_size: -1 } }), rnnCase('a2')]);

    expect(failing!.status).toBe('error');
    expect(bytesOf(first!.output)).toBe(bytesOf(alone.output));
    expect(bytesOf(last!.output)).toBe(bytesOf(alone.output));
  });

  it('answers a malformed case with protocol-error for that case only', async () => {
    const malformed = { ...rnnCase('malformed'), input: { dtype: 'float32', shape: [3], data: 'AAAA' } } as WireCase;
    const [ok, bad] = await bridge.run([rnnCase('ok'), malformed]);

    expect(ok!.status).toBe('ok');
    expect(bad!.status).toBe('protocol-error');
    expect(bad!.error!.message).toBe('input: 3 bytes for shape [3] of float32');
  });

  it('answers an init.seed_dtype that is not a float dtype with protocol-error', async () => {
    const [bad] = await bridge.run([rnnCase('bad', { init: { seed: '0', seed_dtype: 'int64' } } as unknown as Partial<WireCase>)]);

    expect(bad!.status).toBe('protocol-error');
    expect(bad!.error!.message).toBe("init.seed_dtype must be one of ['bfloat16', 'float16', 'float32', 'float64'], got 'int64'");
  });
});

describe('parameters', () => {
  it('loads a state_dict bit for bit, special values included', async () => {
    const [seeded] = await bridge.run([rnnCase('seeded', { want: { state_dict: true } }, 'float64')]);
    const stateDict = { ...seeded!.state_dict! };
    const weights = decodeTensor(stateDict['weight_hh_l0']!);
    weights.data.set([-0, Number.MIN_VALUE, NaN, Infinity, -Infinity, 2.2250738585072014e-308]);
    stateDict['weight_hh_l0'] = encodeTensor(weights);

    const result = await runOne(rnnCase('loaded', { init: { state_dict: stateDict }, want: { state_dict: true } }, 'float64'));

    expect(Object.keys(result.state_dict!)).toEqual(Object.keys(stateDict));
    for (const name of Object.keys(stateDict)) expect(bytesOf(result.state_dict![name])).toBe(bytesOf(stateDict[name]));
  });

  it('treats seed "-1" as 2**64-1, as torch.manual_seed does', async () => {
    const [negative, wrapped] = await bridge.run([
      rnnCase('neg', { init: { seed: '-1' }, want: { state_dict: true } }),
      rnnCase('wrapped', { init: { seed: '18446744073709551615' }, want: { state_dict: true } }),
    ]);

    expect(bytesOf(negative!.state_dict!['weight_ih_l0'])).toBe(bytesOf(wrapped!.state_dict!['weight_ih_l0']));
  });

  it('repeats a train-mode dropout forward exactly for the same forward_seed', async () => {
    const dropoutCase = (id: string, forwardSeed: string): WireCase =>
      rnnCase(id, {
        kwargs: { input_size: 2, hidden_size: 8, num_layers: 2, dropout: 0.5 },
        input: wire(ramp(20), [10, 1, 2]),
        training: true,
        forward_seed: forwardSeed,
      });
    const [a, b, c] = await bridge.run([dropoutCase('a', '1'), dropoutCase('b', '1'), dropoutCase('c', '2')]);

    expect(bytesOf(a!.output)).toBe(bytesOf(b!.output));
    expect(bytesOf(a!.output)).not.toBe(bytesOf(c!.output));
  });
});

describe('forward variants', () => {
  it('returns the packed output, its batch_sizes and the padded view', async () => {
    const result = await runOne(rnnCase('packed', { input: wire(ramp(8), [2, 2, 2]), packed: { lengths: [1, 2], enforce_sorted: false } }));

    const packed = result.packed!;
    expect(result.status).toBe('ok');
    expect(packed.data.shape).toEqual([3, 3]);
    expect(decodeIntegers(packed.batch_sizes)).toEqual([2, 1]);
    expect(decodeIntegers(packed.sorted_indices!)).toEqual([1, 0]);
    expect(decodeIntegers(packed.unsorted_indices!)).toEqual([1, 0]);
    expect(packed.padded.shape).toEqual([2, 2, 3]);
    expect(decodeIntegers(packed.lengths)).toEqual([1, 2]);
    expect(decodeTensor(packed.padded).get(1, 0, 0)).toBe(0);
  });

  it('reports a pack_padded_sequence error as the error of the case', async () => {
    const result = await runOne(rnnCase('unsorted', { input: wire(ramp(8), [2, 2, 2]), packed: { lengths: [1, 2] } }));

    expect(result.error!.type).toBe('RuntimeError');
    expect(result.error!.message).toMatch(/^`lengths` array must be sorted in decreasing order when `enforce_sorted` is True\./);
  });

  it('returns gradients of input, hx and every parameter, shaped like them', async () => {
    const kwargs = { input_size: 2, hidden_size: 3, num_layers: 2, bidirectional: true };
    const result = await runOne(
      rnnCase(
        'grads',
        {
          kwargs,
          hx: wire(ramp(12), [4, 1, 3], 'float64'),
          grad: { output: wire(ramp(12), [2, 1, 6], 'float64'), h_n: wire(ramp(12), [4, 1, 3], 'float64') },
          want: { state_dict: true },
        },
        'float64',
      ),
    );

    const grads = result.grads!;
    expect(grads.input!.shape).toEqual([2, 1, 2]);
    expect(grads.hx!.shape).toEqual([4, 1, 3]);
    expect(Object.keys(grads.params)).toEqual(Object.keys(result.state_dict!));
    for (const [name, grad] of Object.entries(grads.params)) expect(grad!.shape).toEqual(result.state_dict![name]!.shape);
  });

  it('runs layer by layer so the last layer reproduces the module output and h_n exactly', async () => {
    const result = await runOne(
      rnnCase('layers', {
        kwargs: { input_size: 2, hidden_size: 4, num_layers: 3, bidirectional: true, batch_first: true },
        input: wire(ramp(2 * 5 * 2), [2, 5, 2]),
        hx: wire(ramp(6 * 2 * 4), [6, 2, 4]),
        training: false,
        want: { layers: true },
      }),
    );

    const layers = result.layers!;
    expect(layers).toHaveLength(3);
    expect(bytesOf(layers[2]!.output)).toBe(bytesOf(result.output));
    const stacked = new Float32Array(layers.flatMap((layer) => Array.from(decodeArray(layer.h_n) as Float32Array)));
    expect(bytesOf(encodeTensor(new Tensor(stacked, [6, 2, 4])))).toBe(bytesOf(result.h_n));
  });
});

describe('in-process bench', () => {
  it('runs the given cases repeat times and reports both rates', async () => {
    const report = await bridge.benchInProcess([rnnCase('a'), rnnCase('b', { kwargs: { input_size: 2, hidden_size: 0 } })], 3);

    expect(report.cases).toBe(6);
    expect(report.torch_cases_per_s).toBeGreaterThan(0);
    expect(report.codec_cases_per_s).toBeGreaterThan(0);
  });
});
