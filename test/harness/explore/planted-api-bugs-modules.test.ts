// The campaign has teeth on the modules' and the generator's API: each bug planted in one surface (through a target's library seam) is found by random exploration alone and shrunk.
import { afterAll, beforeAll, describe, it } from 'vitest';
import * as library from '../../../src/index.js';
import { Generator, type InitRounding, LSTM, LSTMCell, MT19937, RNN, type RNNOptions, catchWarnings } from '../../../src/index.js';
import { warn } from '../../../src/warnings.js';
import { constructionWarningsTarget } from '../../../harness/api/targets/construction-warnings.js';
import { dropoutNoiseTarget } from '../../../harness/api/targets/dropout-noise.js';
import { familyTarget } from '../../../harness/api/targets/family.js';
import { generatorChoiceTarget } from '../../../harness/api/targets/generator-choice.js';
import { invertPermutationTarget } from '../../../harness/api/targets/invert-permutation.js';
import { memoryLimitTarget } from '../../../harness/api/targets/memory-limit.js';
import { moduleReprTarget } from '../../../harness/api/targets/module-repr.js';
import { mt19937Target } from '../../../harness/api/targets/mt19937.js';
import { rngStateTarget } from '../../../harness/api/targets/rng-state.js';
import { rnnKwargsTarget } from '../../../harness/api/targets/rnn-kwargs.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { type PlantedApiBug, expectFoundAndShrunk } from './planted-api-bug.js';

/** A generator whose saved state keeps only the low 32 bits of the 64-bit seed. */
class Seed32StateGenerator extends Generator {
  override getState(): Uint8Array {
    const state = super.getState();
    state.fill(0, 4, 8);
    return state;
  }
}

/** An RNN whose dropout (in forward) draws from the default generator even when given its own. */
class DefaultDropoutRNN extends RNN {
  constructor(options: RNNOptions & { generator?: Generator; initRounding?: InitRounding }) {
    super(options);
    this.generator = library.defaultGenerator;
  }
}

/** The dropout warning skipped when dropout is exactly 1 (`0 < dropout < 1` written for `dropout > 0`). */
function warnsBelowOne<T extends new (options: never) => object>(Module: T): T {
  return class {
    constructor(options: { dropout?: unknown }) {
      const { result, warnings } = catchWarnings(() => new Module(options as never));
      for (const w of warnings) if (options.dropout !== 1) warn(w.message);
      // biome-ignore lint/correctness/noConstructorReturn: the planted module stands in for the real one
      return result;
    }
  } as unknown as T;
}

/** One bug: the target it lives behind, and that target built on a broken library. */

const plantedApiBugs: Record<string, PlantedApiBug> = {
  'LSTM repr puts proj_size after the other arguments': {
    target: 'module_repr',
    build: (rounding) =>
      moduleReprTarget(rounding, {
        ...library,
        LSTM: class extends LSTM {
          override toString(): string {
            return super.toString().replace(/, proj_size=(\d+)(.*)\)$/, '$2, proj_size=$1)');
          }
        },
      }),
  },
  'the dropout warning is skipped for dropout=1': {
    target: 'construction_warnings',
    build: () =>
      constructionWarningsTarget({ ...library, RNN: warnsBelowOne(RNN), LSTM: warnsBelowOne(library.LSTM), GRU: warnsBelowOne(library.GRU) }),
  },
  'LSTM.train(false) leaves the module in training mode': {
    target: 'module_repr',
    // About 2,000 cases to find (one LSTM among six modules, with eval or train(false) among its ops):
    // verify's own 45 s budget, as a loaded 20 s can fall short.
    budgetMs: 45_000,
    build: (rounding) =>
      moduleReprTarget(rounding, {
        ...library,
        LSTM: class extends LSTM {
          override train(mode = true): this {
            this.training = this.training || mode;
            return this;
          }
        },
      }),
  },
  'getState keeps only 32 bits of the seed': {
    target: 'rng_state',
    build: (rounding) =>
      rngStateTarget(rounding, { ...library, Generator: Seed32StateGenerator, manualSeed: (seed) => new Seed32StateGenerator().manualSeed(seed) }),
  },
  'RNN dropout draws from the default generator, not its own': {
    target: 'generator_choice',
    build: (rounding) => generatorChoiceTarget(rounding, { ...library, RNN: DefaultDropoutRNN }),
    // found in 2,338 cases (seed 20261128, campaigns drawing the family too); a loaded 20 s fell short in `pnpm test`
    budgetMs: 45_000,
  },
  'LSTMCell.resetParameters draws the parameters in reverse order': {
    target: 'lstm_cell',
    build: (rounding) =>
      familyTarget('LSTMCell', rounding, {
        ...library,
        LSTMCell: class extends LSTMCell {
          override resetParameters(): void {
            const stdv = 1 / Math.sqrt(this.hiddenSize);
            for (const p of [...this.params.values()].reverse()) this.generator.uniform_(p.data, -stdv, stdv, this.initRounding);
          }
        },
      }),
  },
  'toTorchKwargs drops options that are false': {
    target: 'rnn_kwargs',
    build: (rounding) =>
      rnnKwargsTarget(rounding, {
        ...library,
        toTorchKwargs: (options) => library.toTorchKwargs(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== false))),
      }),
  },
  'the memory limit refuses a need equal to it': {
    target: 'memory_limit',
    build: (rounding) =>
      memoryLimitTarget(rounding, {
        ...library,
        // `need < limit` written for `need <= limit`: the cap one byte lower, reported as set.
        setMemoryLimit: (bytes) => library.setMemoryLimit(bytes - 1),
        getMemoryLimit: () => library.getMemoryLimit() + 1,
      }),
  },
  'invertPermutation returns the permutation itself': {
    target: 'invert_permutation',
    build: () => invertPermutationTarget({ invertPermutation: (p) => [...p] }),
  },
  'MT19937 seeds with 31 bits of the seed': {
    target: 'mt19937',
    build: () =>
      mt19937Target({
        MT19937: class extends MT19937 {
          constructor(seed32: number) {
            super(seed32 & 0x7fffffff);
          }
        },
      }),
  },
  'dropoutNoise keeps elements with probability p instead of 1−p': {
    target: 'dropout_noise',
    build: (rounding) =>
      dropoutNoiseTarget(rounding, {
        ...library,
        dropoutNoise: (dtype, length, p, generator) => {
          if (!(p > 0 && p < 1)) return library.dropoutNoise(dtype, length, p, generator);
          const noise = library.dropoutNoise(dtype, length, 1 - p, generator);
          const scale = dtype === 'float32' ? Math.fround(1 / Math.fround(1 - p)) : 1 / (1 - p);
          return noise === null ? null : noise.map((v) => (v === 0 ? 0 : scale));
        },
      }),
  },
};

describe('planted API bugs in the modules and the generator (live torch)', () => {
  let bridge: TorchBridge;
  beforeAll(async () => {
    bridge = await TorchBridge.start();
  });
  afterAll(async () => {
    await bridge.stop();
  });

  it.each(Object.entries(plantedApiBugs))('finds and shrinks: %s', (name, bug) => expectFoundAndShrunk(bridge, name, bug), 120_000);
});
