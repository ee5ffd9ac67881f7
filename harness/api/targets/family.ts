// Targets lstm, gru, rnn_cell, lstm_cell, gru_cell: seeded init and reset_parameters bit for bit (the order of draws included), and an eval-mode forward within the harness's tolerance.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { Tensor } from '../../../src/index.js';
import { judgeApiClose } from '../api-close-judge.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { type CanonicalValue, canonicalTensor } from '../canonical-value.js';
import { namedTensors } from './named-tensors.js';
import { type ModuleLibrary, type TorchKwargs, buildModule, dtypeArg, moduleKwargs } from './module-kwargs.js';

export type FamilyKind = 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';

/** torch's name of each module's target (the worker's dispatch key). */
const TARGET_NAMES: Readonly<Record<FamilyKind, string>> = {
  LSTM: 'lstm',
  GRU: 'gru',
  RNNCell: 'rnn_cell',
  LSTMCell: 'lstm_cell',
  GRUCell: 'gru_cell',
};

export type FamilyArgs = {
  readonly module: FamilyKind;
  readonly kwargs: TorchKwargs;
  readonly dtype: DType;
  readonly seed: number;
  /** Seed again before reset_parameters(), or continue the stream (null). */
  readonly reseed: number | null;
  readonly input: { readonly shape: readonly number[]; readonly values: readonly number[] };
};

const isCell = (kind: FamilyKind): boolean => kind.endsWith('Cell');

/** An input torch accepts: batched or unbatched, values small multiples of 1/4 cycled from a pool. */
function input(kind: FamilyKind, inputSize: number): fc.Arbitrary<FamilyArgs['input']> {
  return fc
    .record({
      batched: fc.boolean(),
      L: fc.integer({ min: 1, max: 4 }),
      N: fc.integer({ min: 1, max: 3 }),
      pool: fc.array(
        fc.integer({ min: -8, max: 8 }).map((v) => v / 4),
        { minLength: 1, maxLength: 8 },
      ),
    })
    .map(({ batched, L, N, pool }) => {
      const shape = isCell(kind) ? (batched ? [N, inputSize] : [inputSize]) : batched ? [L, N, inputSize] : [L, inputSize];
      const count = shape.reduce((x, y) => x * y, 1);
      return { shape, values: Array.from({ length: count }, (_, i) => pool[i % pool.length]!) };
    });
}

/** Every tensor of a forward's result, flattened in torch's tuple order (output, h_n, c_n). */
function flatTensors(result: unknown): Tensor[] {
  if (result instanceof Tensor) return [result];
  return Array.isArray(result) ? result.flatMap(flatTensors) : [];
}

/**
 * `manual_seed(seed); m = nn.<module>(**kwargs, dtype)`; its parameters; `[manual_seed(reseed)];
 * m.reset_parameters()`; its parameters again; `m.eval()(input)`'s tensors (tolerance-judged).
 */
export function familyTarget(
  kind: FamilyKind,
  initRounding: InitRounding = 'fused',
  lib: ModuleLibrary & Pick<typeof library, 'manualSeed'> = library,
): ApiTarget<FamilyArgs> {
  return {
    name: TARGET_NAMES[kind],
    exports: [kind, 'manualSeed', 'Tensor'],
    weight: 1,
    arbitrary: moduleKwargs(kind).chain((kwargs) =>
      fc.record({
        module: fc.constant(kind),
        kwargs: fc.constant(kwargs),
        dtype: dtypeArg(),
        seed: fc.nat(1000),
        reseed: fc.option(fc.nat(1000), { nil: null }),
        input: input(kind, Number(kwargs.input_size)),
      }),
    ),
    runTs: (a) =>
      apiResultOf((): CanonicalValue => {
        lib.manualSeed(a.seed);
        const module = buildModule(lib, a.module, a.kwargs, { dtype: a.dtype, initRounding });
        const initial = namedTensors(module.namedParameters());
        if (a.reseed !== null) lib.manualSeed(a.reseed);
        module.resetParameters();
        const reset = namedTensors(module.namedParameters());
        module.eval();
        const x = Tensor.fromFlat(a.input.values, a.input.shape, a.dtype);
        const out = (module as { forward(input: Tensor): unknown }).forward(x);
        return { initial, reset, forward: flatTensors(out).map(canonicalTensor) };
      }),
    judge: (ts, torch, a) =>
      judgeApiClose(ts, torch, 'forward', {
        dtype: a.dtype,
        seqLen: isCell(a.module) ? 1 : a.input.shape[0]!,
        numLayers: Number(a.kwargs.num_layers ?? 1),
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => a.input.values.length + Object.keys(a.kwargs).length,
  };
}
