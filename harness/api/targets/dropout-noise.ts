// Target dropout_noise: dropoutNoise on the default generator against at::dropout (torch.dropout) of ones after the same seed: the noise bit for bit, how many draws it took, and the error for p outside [0, 1].
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { Tensor } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { canonicalTensor } from '../canonical-value.js';
import { dtypeArg } from './module-kwargs.js';
import { uniformDraws } from './rng-state.js';

export type DropoutNoiseArgs = { readonly seed: number; readonly dtype: DType; readonly length: number; readonly p: number };
export type DropoutNoiseLibrary = Pick<typeof library, 'dropoutNoise' | 'manualSeed' | 'defaultGenerator'>;

/** Probabilities: any in [0, 1], the edges and near-edges, and invalid ones (torch's RuntimeError). */
function probability(): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
    { weight: 2, arbitrary: fc.constantFrom(0.5, 0, 1, 0.1, 1 - 2 ** -53, 2 ** -30, 0.9) },
    // p = 1 zeroes without drawing (at::dropout's early return): whether the generator moves is judged by the draws after.
    { weight: 1, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constantFrom(-0.1, 1.5, Number.NaN, -1e-300, Infinity) },
  );
}

/** `manual_seed(seed)`; `torch.dropout(torch.ones(length), p, train=True)` and the next two float64 draws. */
export function dropoutNoiseTarget(initRounding: InitRounding = 'fused', lib: DropoutNoiseLibrary = library): ApiTarget<DropoutNoiseArgs> {
  return {
    name: 'dropout_noise',
    exports: ['dropoutNoise', 'manualSeed', 'defaultGenerator', 'TorchError'],
    weight: 1,
    arbitrary: fc.record({
      seed: fc.nat(1000),
      dtype: dtypeArg(),
      length: fc.oneof({ withCrossShrink: true }, fc.nat(8), fc.nat(64)),
      p: probability(),
    }),
    runTs: (a) =>
      apiResultOf(() => {
        lib.manualSeed(a.seed);
        // p == 0 (or no elements): at::dropout returns the input, ones, without drawing.
        const noise = lib.dropoutNoise(a.dtype, a.length, a.p, lib.defaultGenerator) ?? new Array<number>(a.length).fill(1);
        return {
          noise: canonicalTensor(Tensor.fromFlat(noise, [a.length], a.dtype)),
          after: uniformDraws(lib.defaultGenerator, 2, 'float64', initRounding),
        };
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => a.length,
  };
}
