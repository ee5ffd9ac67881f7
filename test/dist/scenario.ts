// One deterministic workout of the library, run unchanged in Node and in Chromium: seeded init,
// forward (batched, packed, train-mode dropout), backward, safetensors write and read. It takes the
// library as an argument (the built dist/ in both engines) and returns every result's bytes as hex,
// so the two engines can be compared bit for bit.
import type * as Library from '../../src/index.js';

export type Lib = typeof Library;
type DType = Library.DType;

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function tensorHex(tensor: Library.Tensor): string {
  return hex(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

/** name → hex of little-endian bytes, for one dtype. Names start with the dtype. */
export function scenario(lib: Lib, dtype: DType): Record<string, string> {
  const results: Record<string, string> = {};
  const record = (name: string, tensor: Library.Tensor) => {
    results[`${dtype}/${name}`] = tensorHex(tensor);
  };

  lib.manualSeed(20261203);
  const rnn = new lib.RNN({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, dropout: 0.25, dtype });
  for (const [name, tensor] of Object.entries(rnn.stateDict())) record(`init/${name}`, tensor);

  // Inputs are exact dyadic rationals, the same double in every engine. Not Math.sin: engines' sin
  // and cos differ in the last bit (Node 20 and Chromium 156 do), which would test the engines'
  // libm rather than this library.
  const L = 6,
    N = 3,
    H_in = 3;
  const x = lib.Tensor.fromFlat(
    Array.from({ length: L * N * H_in }, (_, i) => (((i * 37) % 29) - 14) / 8),
    [L, N, H_in],
    dtype,
  );
  record('input', x);

  rnn.eval();
  const [output, hN] = rnn.forward(x);
  record('eval/output', output);
  record('eval/h_n', hN);

  const packed = lib.packPaddedSequence(x, [6, 2, 4], { enforceSorted: false });
  const [packedOut, packedHN] = rnn.forward(packed);
  record('packed/output.data', packedOut.data);
  record('packed/h_n', packedHN);

  const run = rnn.forwardWithGrad(x);
  const gradOutput = lib.Tensor.fromFlat(
    Array.from({ length: output.size }, (_, i) => (((i * 13) % 17) - 8) / 16),
    [...output.shape],
    dtype,
  );
  const { gradInput, gradHx, grads } = run.backward(gradOutput);
  record('backward/grad_input', gradInput);
  record('backward/grad_hx', gradHx);
  for (const [name, grad] of Object.entries(grads)) record(`backward/${name}`, grad);

  // Train mode: dropout masks from the generator between layers.
  rnn.train();
  const [trainOutput] = rnn.forward(x);
  record('train/output', trainOutput);

  const file = lib.writeSafetensors(rnn.stateDict(), { dtype });
  results[`${dtype}/safetensors/bytes`] = hex(file);
  const reloaded = new lib.RNN({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, dtype });
  reloaded.loadStateDict(Object.fromEntries(lib.readSafetensors(file).tensors));
  const [reloadedOutput] = reloaded.eval().forward(x);
  record('safetensors/reloaded_output', reloadedOutput);
  return results;
}

/**
 * A larger workload (many tanh evaluations over a wide range of arguments), where an engine's
 * Math.tanh that differs from Node's in the last bit shows up if the library calls it.
 */
export function stress(lib: Lib, dtype: DType): Record<string, string> {
  lib.manualSeed(7);
  const rnn = new lib.RNN({ inputSize: 8, hiddenSize: 32, numLayers: 2, bidirectional: true, dtype }).eval();
  const L = 40,
    N = 4,
    H_in = 8;
  const x = lib.Tensor.fromFlat(
    Array.from({ length: L * N * H_in }, (_, i) => (((i * 53) % 97) - 48) / 16),
    [L, N, H_in],
    dtype,
  );
  const run = rnn.forwardWithGrad(x);
  const gradOutput = lib.Tensor.fromFlat(
    Array.from({ length: run.output.size }, (_, i) => (((i * 29) % 31) - 15) / 32),
    [...run.output.shape],
    dtype,
  );
  const { gradInput, grads } = run.backward(gradOutput);
  const results: Record<string, string> = {
    [`${dtype}/stress/output`]: tensorHex(run.output),
    [`${dtype}/stress/h_n`]: tensorHex(run.hN),
    [`${dtype}/stress/grad_input`]: tensorHex(gradInput),
  };
  for (const [name, grad] of Object.entries(grads)) results[`${dtype}/stress/${name}`] = tensorHex(grad);
  return results;
}
