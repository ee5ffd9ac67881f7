// The campaign has teeth beyond the recurrence: each bug planted in one API surface (through a target's library seam) is found by random exploration alone and shrunk.
import { afterAll, beforeAll, describe, it } from 'vitest';
import * as library from '../../../src/index.js';
import { PackedSequence, type PackPaddedOptions, RNN, type RNNOptions, type Tensor } from '../../../src/index.js';
import { numel } from '../../../src/tensor.js';
import { loadStateDictTarget } from '../../../harness/api/targets/load-state-dict.js';
import { manualSeedTarget } from '../../../harness/api/targets/manual-seed.js';
import { packPaddedTarget } from '../../../harness/api/targets/pack-padded.js';
import { padPackedTarget } from '../../../harness/api/targets/pad-packed.js';
import { padSequenceTarget } from '../../../harness/api/targets/pad-sequence.js';
import { resetParametersTarget } from '../../../harness/api/targets/reset-parameters.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { type PlantedApiBug, expectFoundAndShrunk } from './planted-api-bug.js';

/** The batch axis of a padded input reordered: row b of the result is row order[b] of the input. */
function permuteBatch(input: Tensor, order: readonly number[], batchFirst: boolean): Tensor {
  const [d0, d1] = input.shape as [number, number];
  const inner = numel(input.shape.slice(2));
  const out = input.clone();
  const [T, B] = batchFirst ? [d1, d0] : [d0, d1];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const to = (batchFirst ? b * T + t : t * B + b) * inner;
      const from = (batchFirst ? order[b]! * T + t : t * B + order[b]!) * inner;
      out.data.set(input.data.subarray(from, from + inner), to);
    }
  }
  return out;
}

/** pack_padded_sequence ordering the batch with a stable sort (torch's std::sort reorders ties beyond 16 sequences). */
function stableSortPack(input: Tensor, lengths: readonly number[], options: PackPaddedOptions = {}): PackedSequence {
  const B = input.shape[options.batchFirst === true ? 0 : 1];
  if (options.enforceSorted !== false || lengths.length !== B) return library.packPaddedSequence(input, lengths, options);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]!);
  const sorted = library.packPaddedSequence(
    permuteBatch(input, order, options.batchFirst === true),
    order.map((i) => lengths[i]!),
    { ...options, enforceSorted: true },
  );
  return new PackedSequence(sorted.data, sorted.batchSizes, order);
}

/** One bug: the target it lives behind, and that target built on a broken library. */

const plantedApiBugs: Record<string, PlantedApiBug> = {
  'pad_packed_sequence ignores a NaN padding_value': {
    target: 'pad_packed_sequence',
    build: () =>
      padPackedTarget({
        ...library,
        padPackedSequence: (p, o = {}) => library.padPackedSequence(p, { ...o, paddingValue: Number.isNaN(o.paddingValue) ? 0 : o.paddingValue }),
      }),
    // pad_packed_sequence leaves padding_value out in a case of four (its default judged), so NaN padding is rarer: verify's budget.
    budgetMs: 45_000,
  },
  'pad_packed_sequence pads −0 as +0': {
    target: 'pad_packed_sequence',
    build: () =>
      padPackedTarget({
        ...library,
        padPackedSequence: (p, o = {}) => library.padPackedSequence(p, { ...o, paddingValue: o.paddingValue === 0 ? 0 : o.paddingValue }),
      }),
  },
  'pack_padded_sequence skips the enforce_sorted check': {
    target: 'pack_padded_sequence',
    build: () =>
      packPaddedTarget({
        packPaddedSequence: (input, lengths, o = {}) => {
          if (o.enforceSorted === false) return library.packPaddedSequence(input, lengths, o);
          const p = library.packPaddedSequence(input, lengths, { ...o, enforceSorted: false });
          return new PackedSequence(p.data, p.batchSizes);
        },
      }),
  },
  'pack_padded_sequence sorts equal lengths stably': {
    target: 'pack_padded_sequence',
    build: () => packPaddedTarget({ packPaddedSequence: stableSortPack }),
  },
  'pad_sequence pads on the right when asked for the left': {
    target: 'pad_sequence',
    build: () =>
      padSequenceTarget({
        padSequence: (s, o = {}) => library.padSequence(s, { ...o, paddingSide: o.paddingSide === 'left' ? 'right' : o.paddingSide }),
      }),
  },
  'manual_seed truncates the seed to 32 bits': {
    target: 'manual_seed',
    build: (rounding) =>
      manualSeedTarget(rounding, {
        ...library,
        manualSeed: (seed) => library.manualSeed(typeof seed === 'bigint' ? BigInt.asUintN(32, seed) : seed),
      }),
  },
  'strict load_state_dict ignores unexpected keys': {
    target: 'load_state_dict',
    build: (rounding) =>
      loadStateDictTarget(rounding, {
        ...library,
        RNN: class extends RNN {
          override loadStateDict(stateDict: Readonly<Record<string, Tensor>>, options: { strict?: boolean } = {}) {
            const known = new Set(this.namedParameters().map(([name]) => name));
            const kept = Object.fromEntries(Object.entries(stateDict).filter(([name]) => known.has(name) || options.strict === false));
            return super.loadStateDict(kept, options);
          }
        },
      }),
  },
  'reset_parameters draws the parameters in reverse order': {
    target: 'reset_parameters',
    build: (rounding) =>
      resetParametersTarget(rounding, {
        ...library,
        RNN: class extends RNN {
          constructor(options: RNNOptions) {
            super(options);
          }
          override resetParameters(): void {
            const stdv = 1 / Math.sqrt(this.hiddenSize);
            for (const p of this.parameters().reverse()) this.generator.uniform_(p.data, -stdv, stdv, this.initRounding);
          }
        },
      }),
  },
};

describe('planted API bugs (live torch)', () => {
  let bridge: TorchBridge;
  beforeAll(async () => {
    bridge = await TorchBridge.start();
  });
  afterAll(async () => {
    await bridge.stop();
  });

  it.each(Object.entries(plantedApiBugs))('finds and shrinks: %s', (name, bug) => expectFoundAndShrunk(bridge, name, bug), 120_000);
});
