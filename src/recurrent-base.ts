// What LSTM and GRU share: torch's options, parameters in torch's names, init, state dict, repr, and the layer / direction / dropout loop over sequence rows.
import { dropoutNoise } from './dropout.js';
import { TorchError } from './errors.js';
import { defaultGenerator, type Generator, type InitRounding } from './generator.js';
import type { LSTMWeights } from './lstm-step.js';
import { indexSelect } from './index-select.js';
import { PackedSequence } from './packed-sequence.js';
import type { GatedTrace } from './gated-trace.js';
import { gatedParameterShapes, parameterSuffix } from './parameter-names.js';
import { type RNNOptions, resolveRNNOptions, rnnExtraRepr } from './rnn-options.js';
import type { RNNRandomOptions } from './rnn.js';
import { loadStateDictInto } from './state-dict.js';
import { type DType, type FloatArray, Tensor, allocate, swapLeadingAxes } from './tensor.js';

/** Constructor options of {@link GRU}: {@link RNNOptions} without `nonlinearity`. Mirrors `torch.nn.GRU`'s arguments. */
export type GRUOptions = Omit<RNNOptions, 'nonlinearity'>;

/** Constructor options of {@link LSTM}: those of GRU plus `projSize` (torch's `proj_size`, default 0). */
export interface LSTMOptions extends GRUOptions {
  projSize?: number;
}

/** Input prepared for the recurrence: sequence-first rows plus the per-step batch sizes (all N when padded). */
export interface SequenceRows {
  readonly rows: FloatArray;
  readonly batchSizes: readonly number[];
  readonly batch: number;
}

/** A (non-packed) input brought to (L, N, H_in) sequence-first rows, and how to give outputs its layout back. */
export interface PaddedLayout {
  readonly sequence: SequenceRows;
  readonly isBatched: boolean;
  readonly steps: number;
}

/**
 * The common part of `torch.nn.LSTM` and `torch.nn.GRU` (torch's `RNNBase` with mode 'LSTM' or
 * 'GRU'): options checked in torch's order, G·H-row parameters (G = 4 or 3) in torch's names and
 * order, init, state dict, repr, and {@link runRows}, which runs every layer and direction over
 * sequence rows with dropout between layers. Each subclass owns its forward checks and its step.
 */
export abstract class RecurrentBase {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly dtype: DType;
  /** torch's `proj_size`: 0 (no projection) for GRU and by default for LSTM. */
  readonly projSize: number;
  /** `'LSTM'` or `'GRU'`, as torch's `mode` (and the class name in reprs and messages). */
  readonly mode: 'LSTM' | 'GRU';
  /** A new module trains, as in torch: dropout between layers is active until {@link eval}. */
  training = true;
  generator: Generator;
  readonly initRounding: InitRounding;
  protected readonly params = new Map<string, Tensor>();

  protected constructor(mode: 'LSTM' | 'GRU', gates: number, options: LSTMOptions & RNNRandomOptions) {
    const { generator, initRounding, ...torchOptions } = options;
    const resolved = resolveRNNOptions(torchOptions as RNNOptions, mode);
    this.mode = mode;
    this.inputSize = resolved.inputSize;
    this.hiddenSize = resolved.hiddenSize;
    this.numLayers = resolved.numLayers;
    this.bias = resolved.bias;
    this.batchFirst = resolved.batchFirst;
    this.dropout = resolved.dropout;
    this.bidirectional = resolved.bidirectional;
    this.dtype = resolved.dtype;
    this.projSize = resolved.projSize;
    this.generator = generator ?? defaultGenerator;
    this.initRounding = initRounding ?? 'fused';
    for (const [name, shape] of gatedParameterShapes({ ...resolved, gates })) this.params.set(name, Tensor.zeros(shape, this.dtype));
    this.resetParameters();
  }

  /** D: 2 if bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** H_out: the width of h and of each direction's output, proj_size if > 0 else hidden_size. */
  get outputSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /**
   * Redraws every parameter from uniform(−1/√H, 1/√H), one draw per element in row-major order,
   * parameters in {@link namedParameters} order (weight_hr included). Mirrors `RNNBase.reset_parameters`.
   */
  resetParameters(): void {
    const stdv = 1.0 / Math.sqrt(this.hiddenSize);
    for (const param of this.params.values()) this.generator.uniform_(param.data, -stdv, stdv, this.initRounding);
  }

  /** `[name, parameter]` pairs in torch's order. Mirrors `named_parameters()`. */
  namedParameters(): [string, Tensor][] {
    return [...this.params.entries()];
  }

  /** The parameters in torch's order. Mirrors `parameters()`. */
  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  /** Parameters by name, in torch's order; the tensors are the module's own. Mirrors `state_dict()`. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.params);
  }

  /** The parameter names per (layer, direction), e.g. `[['weight_ih_l0', …, 'weight_hr_l0'], …]`. Mirrors `_all_weights`. */
  allWeightNames(): string[][] {
    const perGroup = (this.bias ? 4 : 2) + (this.projSize > 0 ? 1 : 0);
    const keys = [...this.params.keys()];
    const names: string[][] = [];
    for (let i = 0; i < keys.length; i += perGroup) names.push(keys.slice(i, i + perGroup));
    return names;
  }

  /**
   * Copies values from `stateDict` into the parameters. Mirrors `load_state_dict(state_dict, strict)`.
   * @throws RuntimeError `Error(s) in loading state_dict for LSTM: …` (or GRU) on missing, unexpected or mis-sized tensors.
   */
  loadStateDict(
    stateDict: Readonly<Record<string, Tensor>>,
    options: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[] } {
    return loadStateDictInto(this.params, stateDict, options.strict ?? true, this.mode);
  }

  /** Sets training mode (dropout between layers active). Mirrors `Module.train(mode)`. */
  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** Sets evaluation mode. Mirrors `Module.eval()`. */
  eval(): this {
    return this.train(false);
  }

  /** torch's repr, e.g. `LSTM(2, 3, proj_size=2, num_layers=2)`. Mirrors `RNNBase.extra_repr`. */
  toString(): string {
    return `${this.mode}(${rnnExtraRepr(this)})`;
  }

  /** The widths of the recurrent states: [H_out, H] for LSTM (h, c), [H] for GRU. */
  protected abstract stateSizes(): readonly number[];

  /**
   * One direction of one layer over `layerInput` (rows, inputWidth), writing each step's h into
   * columns dir·H_out… of `layerOutput` and leaving the final states in `states` (each (N, size)).
   */
  protected abstract runDirection(
    layer: number,
    dir: number,
    layerInput: FloatArray,
    inputWidth: number,
    batchSizes: readonly number[],
    states: FloatArray[],
    layerOutput: FloatArray,
  ): void;

  /**
   * Every layer and direction over sequence rows. Step t owns rows offsets[t]…offsets[t]+batchSizes[t]−1
   * and only the first batchSizes[t] batch positions advance at step t, so one loop serves the padded
   * case (all sizes N) and torch's packed layout (spec §5.2). `initial[k]` is state k for all
   * (layer, direction)s, (D·num_layers, N, size_k) in packed (sorted) batch order, or null for zeros.
   * Mirrors ATen's `apply_layer_stack`: dropout(p) follows every layer but the last, in training only.
   */
  protected runRows(sequence: SequenceRows, initial: readonly (FloatArray | null)[]): { rows: FloatArray; finals: FloatArray[]; trace: GatedTrace } {
    const D = this.numDirections;
    const NL = this.numLayers;
    const N = sequence.batch;
    const sizes = this.stateSizes();
    const width = D * this.outputSize;
    const totalRows = sequence.batchSizes.reduce((sum, size) => sum + size, 0);
    const finals = sizes.map((size) => allocate(this.dtype, D * NL * N * size));
    let layerInput = sequence.rows;
    const layerInputs: FloatArray[] = [];
    const dropoutNoises: (FloatArray | null)[] = [];
    for (let layer = 0; layer < NL; layer++) {
      layerInputs.push(layerInput);
      const inputWidth = layer === 0 ? this.inputSize : width;
      const layerOutput = allocate(this.dtype, totalRows * width);
      for (let dir = 0; dir < D; dir++) {
        const index = layer * D + dir;
        const states = sizes.map((size, k) => {
          const state = allocate(this.dtype, N * size);
          const source = initial[k];
          if (source !== null && source !== undefined) state.set(source.subarray(index * N * size, (index + 1) * N * size));
          return state;
        });
        this.runDirection(layer, dir, layerInput, inputWidth, sequence.batchSizes, states, layerOutput);
        states.forEach((state, k) => finals[k]!.set(state, index * N * sizes[k]!));
      }
      layerInput = layerOutput;
      if (this.training && this.dropout !== 0 && layer < NL - 1) {
        const noise = dropoutNoise(this.dtype, layerOutput.length, this.dropout, this.generator);
        dropoutNoises.push(noise);
        if (noise !== null) {
          const dropped = allocate(this.dtype, layerOutput.length);
          for (let j = 0; j < dropped.length; j++) dropped[j] = layerOutput[j]! * noise[j]!;
          layerInput = dropped;
        }
      }
    }
    // The trace only keeps references to arrays the forward made anyway; backward recomputes the gates.
    const trace: GatedTrace = { batchSizes: sequence.batchSizes, batch: N, layerInputs, dropoutNoises, initial };
    return { rows: layerInput, finals, trace };
  }

  /** The weights of (layer, dir); weightHr is null without projections. */
  protected layerWeights(layer: number, dir: number): LSTMWeights {
    const suffix = parameterSuffix(layer, dir);
    const get = (name: string): FloatArray | null => this.params.get(`${name}_${suffix}`)?.data ?? null;
    const weightIh = get('weight_ih');
    const weightHh = get('weight_hh');
    if (weightIh === null || weightHh === null) throw new Error(`BUG: no weights for ${suffix}`);
    return { weightIh, weightHh, biasIh: get('bias_ih'), biasHh: get('bias_hh'), weightHr: get('weight_hr') };
  }

  /** Time steps in processing order: 0…L−1 forward, L−1…0 reverse. */
  protected stepOrder(dir: number, steps: number): number[] {
    const order = Array.from({ length: steps }, (_, t) => t);
    return dir === 0 ? order : order.reverse();
  }

  /**
   * The `{mode}: Expected input to be 2D or 3D` check, then (L, N, H_in) rows: unbatched input gains
   * a batch of one, batch-first input is transposed. Mirrors the start of `LSTM.forward` / `GRU.forward`.
   * @throws ValueError for another rank (torch's text: `…, got 4D instead`, no "tensor").
   */
  protected paddedLayout(input: Tensor): PaddedLayout {
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new TorchError('ValueError', `${this.mode}: Expected input to be 2D or 3D, got ${input.ndim}D instead`);
    }
    const isBatched = input.ndim === 3;
    const batched = isBatched ? input : input.reshape(this.batchFirst ? [1, ...input.shape] : [input.shape[0]!, 1, input.shape[1]!]);
    const N = this.batchFirst ? batched.shape[0]! : batched.shape[1]!;
    const L = this.batchFirst ? batched.shape[1]! : batched.shape[0]!;
    const rows = this.batchFirst ? swapLeadingAxes(batched).data : batched.data;
    return { sequence: { rows, batchSizes: new Array<number>(L).fill(N), batch: N }, isBatched, steps: L };
  }

  /** Output rows (L·N, D·H_out) back to the caller's layout: (L, N, ·), (N, L, ·) batch-first, or (L, ·) unbatched. */
  protected paddedOutput(rows: FloatArray, layout: PaddedLayout): Tensor {
    const L = layout.steps;
    const N = layout.sequence.batch;
    const width = this.numDirections * this.outputSize;
    const output = new Tensor(rows, [L, N, width]);
    if (!layout.isBatched) return output.reshape([L, width]);
    return this.batchFirst ? swapLeadingAxes(output) : output;
  }

  /** A final state (D·num_layers, N, size) in the caller's batch order (packed: unsorted) and rank. */
  protected finalState(data: FloatArray, batch: number, size: number, unsortedIndices: readonly number[] | null, isBatched: boolean): Tensor {
    const tensor = new Tensor(data, [this.numDirections * this.numLayers, batch, size]);
    if (!isBatched) return tensor.reshape([this.numDirections * this.numLayers, size]);
    return unsortedIndices === null ? tensor : indexSelect(tensor, 1, unsortedIndices);
  }

  /** The packed output: data (rows, D·H_out) with the input's batch sizes and indices. */
  protected packedOutput(rows: FloatArray, input: PackedSequence): PackedSequence {
    const data = new Tensor(rows, [input.data.shape[0]!, this.numDirections * this.outputSize]);
    return new PackedSequence(data, input.batchSizes, input.sortedIndices, input.unsortedIndices);
  }
}
