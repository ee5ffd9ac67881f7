// Target mt19937: the MT19937 engine's outputs and state after k draws against torch's CPU generator seeded with the same 32-bit seed.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';

export type Mt19937Args = { readonly seed32: number; readonly draws: number };

/**
 * `g = torch.Generator().manual_seed(seed32)`; `k` float32 `uniform_` samples (each the low 24 bits of
 * one 32-bit draw) and the engine words, left and next of `g.get_state()`. Draw counts cross the
 * twist at 624 often.
 */
export function mt19937Target(lib: Pick<typeof library, 'MT19937'> = library): ApiTarget<Mt19937Args> {
  return {
    name: 'mt19937',
    exports: ['MT19937'],
    weight: 1,
    arbitrary: fc.record({
      seed32: fc.oneof({ withCrossShrink: true }, fc.nat(1000), fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 0xffffffff, 2 ** 31)),
      draws: fc.oneof({ withCrossShrink: true }, fc.nat(8), fc.integer({ min: 620, max: 630 }), fc.nat(1300)),
    }),
    runTs: (a) =>
      apiResultOf(() => {
        const engine = new lib.MT19937(a.seed32);
        const low24 = Array.from({ length: a.draws }, () => engine.nextUint32() & 0xffffff);
        const state = engine.getState();
        return { low24, words: Array.from(state.words), left: state.left, next: state.next };
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => a.draws,
  };
}
