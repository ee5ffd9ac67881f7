// Target generator_choice: which generator module init and train-mode dropout draw from, the default one or an explicit `generator` option, judged by the parameters and by the next draws of both generators.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { Tensor } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { namedTensors } from './named-tensors.js';
import { type ModuleKind, type ModuleLibrary, type TorchKwargs, MODULE_KINDS, buildModule, dtypeArg, moduleKwargs } from './module-kwargs.js';
import { uniformDraws } from './rng-state.js';

export type GeneratorChoiceArgs = {
  readonly module: ModuleKind;
  readonly kwargs: TorchKwargs;
  readonly dtype: DType;
  readonly seed: number;
  readonly generator_seed: number;
  readonly explicit: boolean;
  readonly training: boolean;
  /** The shape of an all-ones input to run forward on, or null for construction alone. */
  readonly forward: readonly number[] | null;
};
export type GeneratorChoiceLibrary = ModuleLibrary & Pick<typeof library, 'Generator' | 'defaultGenerator' | 'manualSeed'>;

const STACKS: readonly ModuleKind[] = ['RNN', 'LSTM', 'GRU'];

/**
 * Stacked modules (drawn three times as often as cells) default to two layers with dropout 0.5 here,
 * so forward in training mode draws dropout masks.
 */
function moduleAndKwargs(): fc.Arbitrary<{ module: ModuleKind; kwargs: TorchKwargs }> {
  const kind = fc.oneof(...MODULE_KINDS.map((k) => ({ weight: STACKS.includes(k) ? 3 : 1, arbitrary: fc.constant<ModuleKind>(k) })));
  return kind.chain((module) =>
    moduleKwargs(module).map((k) => ({
      module,
      kwargs: STACKS.includes(module) ? { num_layers: 2, dropout: 0.5, ...k } : k,
    })),
  );
}

/**
 * `manual_seed(seed)`, `g = Generator().manual_seed(generator_seed)`, the module built (and run
 * forward) drawing from g when `explicit` — in torch, g's state swapped into the default generator
 * under fork_rng, since nn modules take no generator — then the parameters and the next draws of the
 * default generator and of g.
 */
export function generatorChoiceTarget(initRounding: InitRounding = 'fused', lib: GeneratorChoiceLibrary = library): ApiTarget<GeneratorChoiceArgs> {
  return {
    name: 'generator_choice',
    exports: ['Generator', 'defaultGenerator', 'manualSeed', ...MODULE_KINDS, 'Tensor'],
    weight: 3,
    arbitrary: fc
      .record({
        m: moduleAndKwargs(),
        dtype: dtypeArg(),
        seed: fc.nat(1000),
        generator_seed: fc.nat(1000),
        explicit: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        training: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        forward: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })), { freq: 5 }),
      })
      .map(({ m, forward, ...rest }) => {
        const inputSize = Number(m.kwargs.input_size);
        const cell = !STACKS.includes(m.module);
        const shape = forward === null ? null : cell ? [forward[1], inputSize] : [forward[0], forward[1], inputSize];
        return { ...m, ...rest, forward: shape };
      }),
    runTs: (a) =>
      apiResultOf(() => {
        lib.manualSeed(a.seed);
        const generator = new lib.Generator().manualSeed(a.generator_seed);
        const module = buildModule(lib, a.module, a.kwargs, { dtype: a.dtype, initRounding, ...(a.explicit ? { generator } : {}) });
        module.train(a.training);
        if (a.forward !== null) {
          const input = Tensor.fromFlat(new Array<number>(a.forward.reduce((x, y) => x * y, 1)).fill(1), a.forward, a.dtype);
          (module as { forward(input: Tensor): unknown }).forward(input);
        }
        return {
          parameters: namedTensors(module.namedParameters()),
          default_after: uniformDraws(lib.defaultGenerator, 3, 'float64', initRounding),
          explicit_after: uniformDraws(generator, 3, 'float64', initRounding),
        };
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => Object.keys(a.kwargs).length + (a.forward?.length ?? 0),
  };
}
