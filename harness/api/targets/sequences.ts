// Lists of variable-length sequences, as pad_sequence and pack_sequence take them.
import fc from 'fast-check';
import { type TensorArg, tensorArg, valuePool } from '../tensor-args.js';

/**
 * `count` sequences (L_i, F) of one dtype with L_i in `minLength`..3, values from one pool; with
 * `ragged`, a sequence's feature width sometimes differs (1 broadcasts, F + 1 is copy_'s error).
 * Shrinks towards fewer, shorter sequences of width 1.
 */
export function sequences(options: { minCount: number; minLength: number; ragged: boolean; sorted?: fc.Arbitrary<boolean> }): fc.Arbitrary<{
  sequences: TensorArg[];
  sorted: boolean;
}> {
  return fc
    .record({
      lengths: fc.array(fc.integer({ min: options.minLength, max: 3 }), { minLength: options.minCount, maxLength: 5 }),
      widths: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: options.ragged ? 1 : 0, arbitrary: fc.constantFrom(-1, 1) }), {
        minLength: 1,
        maxLength: 5,
      }),
      features: fc.integer({ min: 1, max: 2 }),
      dtype: fc.constantFrom('float32' as const, 'float64' as const),
      sorted: options.sorted ?? fc.constant(false),
      pool: valuePool(),
    })
    .map(({ lengths, widths, features, dtype, sorted, pool }) => {
      const ordered = sorted ? [...lengths].sort((a, b) => b - a) : lengths;
      return {
        sorted,
        sequences: ordered.map((length, i) => {
          const delta = i === 0 ? 0 : widths[i % widths.length]!;
          const width = delta === -1 ? 1 : features + delta;
          return tensorArg([length, width], dtype, pool.slice(i % pool.length).concat(pool));
        }),
      };
    });
}
