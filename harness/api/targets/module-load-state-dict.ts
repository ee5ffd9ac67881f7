// Target module_load_state_dict: loadStateDict of LSTM, GRU and the cells, strict and not, with missing, unexpected and mis-shaped keys (torch's text, which names the module, and key lists).
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { type TensorArg, elementsOf, tensorArg, tensorOf, valuePool } from '../tensor-args.js';
import { type ModuleKind, type ModuleLibrary, type TorchKwargs, buildModule, dtypeArg, moduleKwargs } from './module-kwargs.js';
import { namedTensors } from './named-tensors.js';

/** The modules besides the RNN (load_state_dict covers the RNN). */
const KINDS = ['LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell'] as const satisfies readonly ModuleKind[];

export type ModuleLoadStateDictArgs = {
  readonly module: (typeof KINDS)[number];
  readonly kwargs: TorchKwargs;
  readonly dtype: DType;
  readonly seed: number;
  readonly strict: boolean;
  /** The state dict as ordered pairs (torch reports keys in a dict's insertion order). */
  readonly stateDict: readonly (readonly [string, TensorArg])[];
};

/** Gate rows per hidden unit: torch stacks the gates of a layer in one weight. */
const GATES: Readonly<Record<(typeof KINDS)[number], number>> = { LSTM: 4, GRU: 3, RNNCell: 1, LSTMCell: 4, GRUCell: 3 };

/**
 * torch's parameter names and shapes of `nn.<module>(**kwargs)` in `named_parameters()` order, written
 * out from RNNBase.__init__ and RNNCellBase.__init__ (not taken from the library under test).
 */
export function moduleParameterShapes(module: (typeof KINDS)[number], k: TorchKwargs): [string, number[]][] {
  const H = Number(k.hidden_size);
  const G = GATES[module] * H;
  const bias = k.bias !== false;
  if (module.endsWith('Cell')) {
    const cell: [string, number[]][] = [
      ['weight_ih', [G, Number(k.input_size)]],
      ['weight_hh', [G, H]],
    ];
    return bias ? [...cell, ['bias_ih', [G]], ['bias_hh', [G]]] : cell;
  }
  const P = Number(k.proj_size ?? 0);
  const out = P > 0 ? P : H;
  const D = k.bidirectional === true ? 2 : 1;
  const shapes: [string, number[]][] = [];
  for (let layer = 0; layer < Number(k.num_layers ?? 1); layer++) {
    for (let dir = 0; dir < D; dir++) {
      const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
      shapes.push([`weight_ih${suffix}`, [G, layer === 0 ? Number(k.input_size) : D * out]], [`weight_hh${suffix}`, [G, out]]);
      if (bias) shapes.push([`bias_ih${suffix}`, [G]], [`bias_hh${suffix}`, [G]]);
      if (P > 0) shapes.push([`weight_hr${suffix}`, [P, H]]);
    }
  }
  return shapes;
}

/** Names a module may not have: a stack's names on a cell and the reverse, a projection, another layer, a prefix. */
const EXTRA_NAMES = ['extra', 'weight_ih', 'weight_ih_l0', 'weight_hr_l0', 'weight_ih_l5', 'bias_ih_l0_reverse', 'cell.weight_hh'] as const;

/** The module's parameters with some dropped, one mis-shaped, some extra names; each edit in about one case of three. */
function stateDictArgs(): fc.Arbitrary<ModuleLoadStateDictArgs> {
  return fc
    .constantFrom(...KINDS)
    .chain((module) =>
      fc.record({
        module: fc.constant(module),
        // Valid kwargs without dropout: dropout is the warning targets' business, and a warning would be judged here too.
        kwargs: moduleKwargs(module).map(({ dropout: _, ...rest }) => rest as TorchKwargs),
        dtype: dtypeArg(),
        seed: fc.nat(1000),
        strict: fc.boolean(),
        drop: fc.oneof(
          { weight: 2, arbitrary: fc.constant<number[]>([]) },
          { weight: 1, arbitrary: fc.array(fc.nat(15), { minLength: 1, maxLength: 2 }) },
        ),
        misshape: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(15) }),
        extra: fc.oneof(
          { weight: 2, arbitrary: fc.constant<string[]>([]) },
          { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...EXTRA_NAMES), { minLength: 1, maxLength: 2 }) },
        ),
        pool: valuePool(),
      }),
    )
    .map(({ module, kwargs, dtype, seed, strict, drop, misshape, extra, pool }) => {
      const params = moduleParameterShapes(module, kwargs);
      const kept = params.filter((_, i) => !drop.some((d) => d % params.length === i));
      const entries: [string, TensorArg][] = kept.map(([name, shape], i) => {
        const bad = misshape !== null && misshape % kept.length === i;
        return [name, tensorArg(bad ? [...shape.slice(0, -1), shape.at(-1)! + 1] : shape, dtype, pool)];
      });
      for (const name of extra) if (!params.some(([p]) => p === name)) entries.push([name, tensorArg([1], dtype, pool)]);
      return { module, kwargs, dtype, seed, strict, stateDict: entries };
    });
}

/** `manual_seed(seed); m = nn.<module>(**kwargs, dtype); m.load_state_dict(state_dict, strict)`: key lists and parameters, or torch's error. */
export function moduleLoadStateDictTarget(
  initRounding: InitRounding = 'fused',
  lib: ModuleLibrary & Pick<typeof library, 'manualSeed'> = library,
): ApiTarget<ModuleLoadStateDictArgs> {
  return {
    name: 'module_load_state_dict',
    exports: [...KINDS, 'manualSeed', 'Tensor', 'TorchError'],
    weight: 1,
    arbitrary: stateDictArgs(),
    runTs: (a) =>
      apiResultOf(() => {
        lib.manualSeed(a.seed);
        const module = buildModule(lib, a.module, a.kwargs, { dtype: a.dtype, initRounding });
        const state = Object.fromEntries(a.stateDict.map(([name, t]) => [name, tensorOf(t)]));
        const { missingKeys, unexpectedKeys } = module.loadStateDict(state, { strict: a.strict });
        return { missing_keys: missingKeys, unexpected_keys: unexpectedKeys, state_dict: namedTensors(module.namedParameters()) };
      }),
    wireArgs: (a) =>
      encodeArgs({
        module: a.module,
        kwargs: a.kwargs,
        dtype: a.dtype,
        seed: a.seed,
        strict: a.strict,
        state_dict: a.stateDict.map(([n, t]) => [n, t]),
      }),
    size: (a) => elementsOf(...a.stateDict.map(([, t]) => t)),
  };
}
