// PyTorch → JS, end to end: a model trained in torch (an nn.RNN at encoder.rnn, beside a linear
// head) is exported with the shipped python/export_rnn.py, read here with readSafetensors, built
// from the recorded constructor arguments, loaded with stripStateDictPrefix, and run on the input
// torch ran: the weights arrive bit for bit and the outputs agree (measured and printed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON_DIR, resolvePython } from '../../harness/worker/python-env.js';
import { RNN, type Tensor, type TorchRNNKwargs, fromTorchKwargs, readSafetensors, stripStateDictPrefix } from '../../src/index.js';

const TRAIN_SCRIPT = fileURLToPath(new URL('train_tiny_model.py', import.meta.url));
const workDir = mkdtempSync(path.join(tmpdir(), 'rnn-parity-trained-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function bytesOf(tensor: Tensor): Uint8Array {
  return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
}

function sameBits(a: Tensor, b: Tensor): boolean {
  const [x, y] = [bytesOf(a), bytesOf(b)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe.each(['float32', 'float64'] as const)('a %s model trained in torch', (dtype) => {
  const dir = path.join(workDir, dtype);

  it('loads into an RNN built from its exported arguments, with every weight bit for bit', () => {
    execFileSync('mkdir', ['-p', dir]);
    execFileSync(resolvePython().path, [TRAIN_SCRIPT, PYTHON_DIR, dir, dtype], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
    const { tensors, metadata } = readSafetensors(readFileSync(path.join(dir, 'model.safetensors')));
    // The exporter writes only RNN tensors; the linear head stays behind.
    expect([...tensors.keys()].every((name) => name.startsWith('encoder.rnn.'))).toBe(true);
    const kwargs = JSON.parse(metadata!['rnn_parity.kwargs.encoder.rnn']!) as TorchRNNKwargs;
    expect(kwargs).toEqual({
      input_size: 3,
      hidden_size: 5,
      num_layers: 2,
      nonlinearity: 'tanh',
      bias: true,
      batch_first: true,
      dropout: 0.1,
      bidirectional: true,
      dtype,
    });

    const rnn = new RNN(fromTorchKwargs(kwargs));
    rnn.loadStateDict(stripStateDictPrefix(tensors, 'encoder.rnn'));
    for (const [name, tensor] of Object.entries(rnn.stateDict())) expect(sameBits(tensor, tensors.get(`encoder.rnn.${name}`)!), name).toBe(true);
  });

  it("gives torch's outputs for torch's input (max difference and bit-identical share printed)", () => {
    const { tensors, metadata } = readSafetensors(readFileSync(path.join(dir, 'model.safetensors')));
    const rnn = new RNN(fromTorchKwargs(JSON.parse(metadata!['rnn_parity.kwargs.encoder.rnn']!) as TorchRNNKwargs));
    rnn.loadStateDict(stripStateDictPrefix(tensors, 'encoder.rnn.'));
    const expected = readSafetensors(readFileSync(path.join(dir, 'expected.safetensors'))).tensors;

    const [output, hN] = rnn.eval().forward(expected.get('x')!);

    let maxDifference = 0;
    let identical = 0;
    let total = 0;
    for (const [actual, torchValue] of [
      [output, expected.get('output')!],
      [hN, expected.get('h_n')!],
    ] as const) {
      expect(actual.shape).toEqual(torchValue.shape);
      actual.data.forEach((v, i) => {
        const w = torchValue.data[i]!;
        maxDifference = Math.max(maxDifference, Math.abs(v - w));
        if (Object.is(v, w)) identical++;
        total++;
      });
    }
    console.info(
      `${dtype} trained model, JS vs torch: max |difference| ${maxDifference.toExponential(2)}, ${identical} of ${total} values bit-identical (${((100 * identical) / total).toFixed(1)}%)`,
    );
    // torch.testing.assert_close's defaults (harness/parity/compare.ts's floor) for a 6-step, 2-layer run.
    expect(maxDifference).toBeLessThanOrEqual(dtype === 'float32' ? 1e-5 : 1e-7);
  });
});
