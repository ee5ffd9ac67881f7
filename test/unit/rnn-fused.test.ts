// The fused Elman recurrence (Note [fused Elman recurrence], src/linear-wasm.ts) against the step loop it
// replaces: the same bits for every configuration, padded and packed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wasmLinearAvailable } from '../../src/linear-wasm.js';
import { type FloatArray, RNN, Tensor, manualSeed, packPaddedSequence } from '../../src/index.js';
import type { ActivationKernel } from '../../src/kernels.js';

/** An RNN whose activateStep is its own (the same body), so forward takes the step loop. */
class StepLoopRNN extends RNN {
  protected override activateStep(recurrent: FloatArray, projected: FloatArray, offset: number, length: number, activate: ActivationKernel): void {
    super.activateStep(recurrent, projected, offset, length, activate);
  }
}

function sameBits(a: FloatArray, b: FloatArray): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

describe('fused Elman recurrence', () => {
  it('runs here (so the property below compares the two paths)', () => {
    expect(wasmLinearAvailable()).toBe(true);
  });

  it('gives the step loop’s bits: tanh and relu, dtypes, accumulation, layers, directions, batch_first, packed lengths', () => {
    fc.assert(
      fc.property(
        fc.record({
          inputSize: fc.integer({ min: 1, max: 9 }),
          hiddenSize: fc.integer({ min: 1, max: 11 }),
          numLayers: fc.integer({ min: 1, max: 3 }),
          bidirectional: fc.boolean(),
          nonlinearity: fc.constantFrom('tanh' as const, 'relu' as const),
          batchFirst: fc.boolean(),
          dtype: fc.constantFrom('float32' as const, 'float64' as const),
          float32Accumulation: fc.boolean(),
          seqLen: fc.integer({ min: 1, max: 7 }),
          batch: fc.integer({ min: 1, max: 6 }),
          packed: fc.boolean(),
          seed: fc.nat(),
          scale: fc.constantFrom(0.1, 1, 4),
        }),
        (c) => {
          const options = {
            inputSize: c.inputSize,
            hiddenSize: c.hiddenSize,
            numLayers: c.numLayers,
            bidirectional: c.bidirectional,
            nonlinearity: c.nonlinearity,
            batchFirst: c.batchFirst,
            dtype: c.dtype,
            ...(c.dtype === 'float32' && c.float32Accumulation ? { accumulation: 'float32' as const } : {}),
          };
          manualSeed(c.seed);
          const fused = new RNN(options).eval();
          const loop = new StepLoopRNN(options).eval();
          loop.loadStateDict(fused.stateDict());
          const shape = c.batchFirst ? [c.batch, c.seqLen, c.inputSize] : [c.seqLen, c.batch, c.inputSize];
          const x = Tensor.fromFlat(
            Array.from({ length: c.seqLen * c.batch * c.inputSize }, (_, i) => c.scale * Math.sin(c.seed + 1.7 * i)),
            shape,
            c.dtype,
          );
          const lengths = Array.from({ length: c.batch }, (_, b) => Math.max(1, c.seqLen - b));
          const run = (rnn: RNN) => {
            const [output, hN] = c.packed ? rnn.forward(packPaddedSequence(x, lengths, { batchFirst: c.batchFirst })) : rnn.forward(x);
            return [output instanceof Tensor ? output.data : output.data.data, hN.data] as const;
          };
          const [fusedOutput, fusedH] = run(fused);
          const [loopOutput, loopH] = run(loop);
          expect(sameBits(fusedOutput, loopOutput)).toBe(true);
          expect(sameBits(fusedH, loopH)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 20261204 },
    );
  });
});
