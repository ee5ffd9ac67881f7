// class RNN: options → torch's checks → parameters in torch's names → forward. Mirrors torch.nn.RNN.
import type { Accumulation, RNNKernelOptions } from './accumulation.js';
import { type RNNGradResult, differentiable } from './backward.js';
import { TorchError, pyTypeName } from './errors.js';
import { dropoutNoise } from './dropout.js';
import { assertTensor, checkForwardArgs, checkHiddenDtype } from './forward-checks.js';
import { type ForwardTrace, type LayerWeights, stepOffsets } from './forward-trace.js';
import { defaultGenerator, type Generator, type InitRounding } from './generator.js';
import { type ActivationKernel, addInPlace, linear, reluInPlace, tanhInPlace, withLinear } from './kernels.js';
import { indexSelect } from './index-select.js';
import { PackedSequence } from './packed-sequence.js';
import { checkMemory } from './memory.js';
import { parameterSuffix, rnnParameterCount, rnnParameterShapes } from './parameter-names.js';
import { loadStateDictInto } from './state-dict.js';
import { range } from './typed-range.js';
import { type RNNOptions, type ResolvedRNNOptions, resolveRNNOptions, rnnExtraRepr } from './rnn-options.js';
import { type DType, type FloatArray, Tensor, allocate, itemSize, swapLeadingAxes } from './tensor.js';

/** Options of {@link RNN} beyond torch's: where initial weights and dropout masks draw from. */
export interface RNNRandomOptions {
  /** The random source for init and dropout; torch's global CPU generator by default. */
  generator?: Generator;
  /** How uniform_ rounds (spec §3.3); 'fused' is what torch 2.13's AVX2/AVX512 CPU kernels do. */
  initRounding?: InitRounding;
}

/** The result of a forward pass: `[output, h_n]`, or `[PackedSequence, h_n]` for packed input. */
export type RNNResult<I extends Tensor | PackedSequence> = [I extends PackedSequence ? PackedSequence : Tensor, Tensor];

/** Input prepared for the recurrence: sequence-first rows plus the per-step batch sizes. */
interface SequenceRows {
  readonly rows: FloatArray;
  readonly batchSizes: readonly number[];
  readonly batch: number;
}

/**
 * An Elman RNN with torch's parameters, numbers and errors. Mirrors `torch.nn.RNN`.
 *
 * For each layer and direction, with x_t the layer input at step t:
 * `h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh)`, act = tanh or relu. The reverse direction
 * runs t = L−1…0 with its own weights; layer outputs concatenate directions along features
 * (forward first); between layers, in training mode, dropout(p) is applied to the layer output.
 *
 * Shapes (L sequence length, N batch, D directions, H hidden size):
 * input (L, N, H_in) or (N, L, H_in) with batchFirst, or unbatched (L, H_in), or a PackedSequence;
 * hx (D·num_layers, N, H) or (D·num_layers, H) unbatched; output (L, N, D·H); h_n like hx.
 */
export class RNN {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly nonlinearity: 'tanh' | 'relu';
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly dtype: DType;
  /** `'RNN_TANH'` or `'RNN_RELU'`, as torch's `mode`. */
  readonly mode: 'RNN_TANH' | 'RNN_RELU';
  /** A new module trains, as in torch: dropout between layers is active until {@link eval}. */
  training = true;
  /** The generator that init and dropout draw from. */
  generator: Generator;
  readonly initRounding: InitRounding;
  /** How a float32 module's affine maps accumulate; see {@link RNNKernelOptions.accumulation}. */
  readonly accumulation: Accumulation;
  private readonly params = new Map<string, Tensor>();

  /**
   * Builds the module and initialises every parameter with uniform(−1/√H, 1/√H) drawn from the
   * generator in torch's order. Mirrors `torch.nn.RNN(...)`.
   * @throws ValueError, TypeError or RuntimeError with torch's message for invalid options.
   */
  constructor(options: RNNOptions & RNNRandomOptions & RNNKernelOptions) {
    const { generator, initRounding, accumulation, ...torchOptions } = options;
    const resolved: ResolvedRNNOptions = resolveRNNOptions(torchOptions);
    this.inputSize = resolved.inputSize;
    this.hiddenSize = resolved.hiddenSize;
    this.numLayers = resolved.numLayers;
    this.nonlinearity = resolved.nonlinearity;
    this.bias = resolved.bias;
    this.batchFirst = resolved.batchFirst;
    this.dropout = resolved.dropout;
    this.bidirectional = resolved.bidirectional;
    this.dtype = resolved.dtype;
    this.mode = resolved.nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU';
    this.generator = generator ?? defaultGenerator;
    this.initRounding = initRounding ?? 'fused';
    if (accumulation !== undefined && accumulation !== 'float32' && accumulation !== 'float64') {
      throw new TypeError(`accumulation must be 'float64' or 'float32', got ${String(accumulation)}`);
    }
    this.accumulation = accumulation ?? 'float64';
    // Before the first allocation: torch would allocate layer after layer until memory runs out.
    checkMemory(rnnParameterCount(this) * itemSize(this.dtype), `the parameters of ${this.toString()}`);
    for (const [name, shape] of rnnParameterShapes(this)) this.params.set(name, Tensor.zeros(shape, this.dtype));
    this.resetParameters();
  }

  /** D: 2 if bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * Redraws every parameter from uniform(−1/√H, 1/√H), one draw per element in row-major order,
   * parameters in {@link namedParameters} order. Mirrors `RNNBase.reset_parameters`.
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

  /**
   * The parameter names per (layer, direction), e.g. `[['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0',
   * 'bias_hh_l0'], …]`. Mirrors `_all_weights`.
   */
  allWeightNames(): string[][] {
    const names: string[][] = [];
    const perGroup = this.bias ? 4 : 2;
    const keys = [...this.params.keys()];
    for (let i = 0; i < keys.length; i += perGroup) names.push(keys.slice(i, i + perGroup));
    return names;
  }

  /**
   * Copies values from `stateDict` into the parameters (converting dtype as torch's `copy_` does).
   * Mirrors `load_state_dict(state_dict, strict)`, including its error text.
   * @throws RuntimeError `Error(s) in loading state_dict for RNN: …` on missing or unexpected keys
   * (strict) or on a size mismatch (always); nothing is copied then.
   */
  loadStateDict(
    stateDict: Readonly<Record<string, Tensor>>,
    options: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[] } {
    return loadStateDictInto(this.params, stateDict, options.strict ?? true);
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

  /** torch's repr, e.g. `RNN(2, 3, num_layers=2, bias=False)`. Mirrors `RNN.__repr__`. */
  toString(): string {
    return `RNN(${rnnExtraRepr(this)})`;
  }

  /**
   * Runs the network over a sequence batch. Mirrors `torch.nn.RNN.forward(input, hx)`.
   * @param input (L, N, H_in), (N, L, H_in) with batchFirst, unbatched (L, H_in), or a PackedSequence.
   * @param hx initial hidden state (D·num_layers, N, H), or (D·num_layers, H) unbatched; zeros if omitted.
   * @returns `[output, h_n]`: output (L, N, D·H) (or (N, L, D·H), (L, D·H), or a PackedSequence), h_n like hx.
   * @throws ValueError, RuntimeError or AttributeError with torch's message for invalid input.
   */
  forward<I extends Tensor | PackedSequence>(input: I, hx?: Tensor | null): RNNResult<I> {
    return this.run(input, hx ?? null, false).result as RNNResult<I>;
  }

  /**
   * Runs the network like {@link forward} and records what backpropagation needs, so that
   * `backward(gradOutput, gradHN)` returns ∂L/∂input, ∂L/∂hx and ∂L/∂parameter (by torch's names).
   * Mirrors a forward with autograd on (parameters, input and hx requiring grad) followed by
   * `torch.autograd.grad`. {@link forward} records nothing, so inference keeps its memory low.
   * Shapes and errors as in {@link forward}.
   */
  forwardWithGrad<I extends Tensor | PackedSequence>(input: I, hx?: Tensor | null): RNNGradResult<I> {
    const { result, trace } = this.run(input, hx ?? null, true);
    if (trace === null) throw new Error('BUG: a recorded forward kept no trace');
    return differentiable(this, input, result, trace) as RNNGradResult<I>;
  }

  /**
   * The forward pass, optionally keeping the {@link ForwardTrace} that backward needs.
   * Validation mirrors `RNN.forward`, `check_forward_args` and ATen's `_rnn_impl`, in that order.
   */
  protected run(
    input: Tensor | PackedSequence,
    hx: Tensor | null,
    record: boolean,
  ): { result: [Tensor | PackedSequence, Tensor]; trace: ForwardTrace | null } {
    const D = this.numDirections;
    const H = this.hiddenSize;
    const NL = this.numLayers;
    if (input instanceof PackedSequence) {
      const N = input.batchSizes[0] ?? 0;
      let hxSorted: Tensor | null = null;
      if (hx !== null) {
        if (!(hx instanceof Tensor)) {
          // torch reaches a non-tensor hx first in permute_hidden (hx.index_select), else in check_hidden_size (hx.size())
          if (input.sortedIndices !== null) {
            throw new TorchError('AttributeError', `'${pyTypeName(hx)}' object has no attribute 'index_select'`);
          }
          checkForwardArgs(this, input.data, null, 2, N);
          throw new TorchError('AttributeError', `'${pyTypeName(hx)}' object has no attribute 'size'`);
        }
        // mirrors RNNBase.permute_hidden: hx.index_select(1, sorted_indices), before any shape check
        hxSorted = input.sortedIndices === null ? hx : indexSelect(hx, 1, input.sortedIndices);
      }
      checkForwardArgs(this, input.data, hxSorted, 2, N);
      checkHiddenDtype(this, hxSorted);
      this.checkWorkingMemory(input.data.shape[0]!, N, record);
      const sequence: SequenceRows = { rows: input.data.data, batchSizes: input.batchSizes, batch: N };
      const { rows, hN, trace } = this.runRows(sequence, hxSorted, record);
      const output = new PackedSequence(
        new Tensor(rows, [input.data.shape[0]!, D * H]),
        input.batchSizes,
        input.sortedIndices,
        input.unsortedIndices,
      );
      const hNTensor = new Tensor(hN, [D * NL, N, H]);
      return {
        result: [output, input.unsortedIndices === null ? hNTensor : indexSelect(hNTensor, 1, input.unsortedIndices)],
        trace,
      };
    }
    assertTensor(input);
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new TorchError('ValueError', `RNN: Expected input to be 2D or 3D, got ${input.ndim}D tensor instead`);
    }
    const isBatched = input.ndim === 3;
    let batched = input;
    let batchedHx = hx;
    if (!isBatched) {
      batched = input.reshape(this.batchFirst ? [1, ...input.shape] : [input.shape[0]!, 1, input.shape[1]!]);
      if (hx !== null) {
        assertTensor(hx);
        if (hx.ndim !== 2) {
          throw new TorchError('RuntimeError', `For unbatched 2-D input, hx should also be 2-D but got ${hx.ndim}-D tensor`);
        }
        batchedHx = hx.reshape([hx.shape[0]!, 1, hx.shape[1]!]);
      }
    } else if (hx !== null) {
      assertTensor(hx);
      if (hx.ndim !== 3) {
        throw new TorchError('RuntimeError', `For batched 3-D input, hx should also be 3-D but got ${hx.ndim}-D tensor`);
      }
    }
    const N = this.batchFirst ? batched.shape[0]! : batched.shape[1]!;
    const L = this.batchFirst ? batched.shape[1]! : batched.shape[0]!;
    checkForwardArgs(this, batched, batchedHx, 3, N);
    // mirrors ATen _rnn_impl: `Expected sequence length to be larger than 0 in RNN`
    if (L === 0) throw new TorchError('RuntimeError', 'Expected sequence length to be larger than 0 in RNN');
    checkHiddenDtype(this, batchedHx);
    this.checkWorkingMemory(L * N, N, record);
    const sequence: SequenceRows = {
      rows: this.toSequenceFirst(batched).data,
      batchSizes: new Array<number>(L).fill(N),
      batch: N,
    };
    const { rows, hN, trace } = this.runRows(sequence, batchedHx, record);
    let output = this.fromSequenceFirst(new Tensor(rows, [L, N, D * H]));
    let hNTensor = new Tensor(hN, [D * NL, N, H]);
    if (!isBatched) {
      output = output.reshape([L, D * H]);
      hNTensor = hNTensor.reshape([D * NL, H]);
    }
    return { result: [output, hNTensor], trace };
  }

  /**
   * Refuses, after torch's checks and before any allocation, a pass whose working memory would pass
   * the cap (src/memory.ts). An upper estimate in elements: hx and h_n (2·D·NL·N·H); the
   * sequence-first input copy, projections, layer outputs and dropout masks alive at once
   * (rows·(H_in + 6·D·H)); with `record`, every layer's input, output and mask kept for backward and
   * backward's own buffers and parameter gradients (3·NL·rows·D·H + 4·rows·D·H + parameters).
   * @throws RuntimeError with the byte count.
   */
  private checkWorkingMemory(rows: number, N: number, record: boolean): void {
    const D = this.numDirections;
    const H = this.hiddenSize;
    const NL = this.numLayers;
    let elements = 2 * D * NL * N * H + rows * (this.inputSize + 6 * D * H);
    if (record) elements += 3 * NL * rows * D * H + 4 * rows * D * H + rnnParameterCount(this);
    const what = `a ${record ? 'recorded ' : ''}forward pass of ${this.toString()} over ${rows} rows of batch ${N}`;
    checkMemory(elements * itemSize(this.dtype), what);
  }

  /**
   * The recurrence over sequence-first rows: step t owns rows offsets[t] … offsets[t]+batchSizes[t]−1,
   * and only the first batchSizes[t] batch positions advance at step t. With every batch size equal to
   * N this is the padded case; with shrinking sizes it is torch's packed layout, where each sequence's
   * h_n is its state after its own last element and the reverse direction starts there (spec §5.2).
   */
  private runRows(sequence: SequenceRows, hx: Tensor | null, record: boolean): { rows: FloatArray; hN: FloatArray; trace: ForwardTrace | null } {
    const D = this.numDirections;
    const H = this.hiddenSize;
    const NL = this.numLayers;
    const N = sequence.batch;
    const { batchSizes } = sequence;
    const totalRows = batchSizes.reduce((sum, size) => sum + size, 0);
    const hxData = hx === null ? allocate(this.dtype, D * NL * N * H) : hx.data;
    const hN = allocate(this.dtype, D * NL * N * H);
    const layerInputs: FloatArray[] = [];
    const layerOutputs: FloatArray[] = [];
    const dropoutNoises: (FloatArray | null)[] = [];
    let layerInput = sequence.rows;
    for (let layer = 0; layer < NL; layer++) {
      const inputWidth = layer === 0 ? this.inputSize : D * H;
      const layerOutput = allocate(this.dtype, totalRows * D * H);
      for (let dir = 0; dir < D; dir++) {
        const state = this.initialHidden(hxData, layer, dir, N);
        this.runDirection(layer, dir, layerInput, inputWidth, batchSizes, state, layerOutput);
        hN.set(state, this.hNIndex(layer, dir) * N * H);
      }
      if (record) {
        layerInputs.push(layerInput);
        layerOutputs.push(layerOutput);
      }
      let next = layerOutput;
      let noise: FloatArray | null = null;
      if (this.dropoutActive(layer)) {
        noise = dropoutNoise(this.dtype, layerOutput.length, this.dropout, this.generator);
        if (noise !== null) {
          next = allocate(this.dtype, layerOutput.length);
          for (let j = 0; j < next.length; j++) next[j] = layerOutput[j] * noise[j];
        }
      }
      if (record) dropoutNoises.push(noise);
      layerInput = next;
    }
    const trace = record ? { batchSizes, layerInputs, layerOutputs, dropoutNoises, hx: hxData } : null;
    // The last layer's output is never dropped out, so layerInput now holds it.
    return { rows: layerInput, hN, trace };
  }

  /**
   * One direction of one layer, writing h_t into columns dir·H… of `layerOutput` and leaving the
   * final states in `state` (N, H).
   */
  protected runDirection(
    layer: number,
    dir: number,
    layerInput: FloatArray,
    inputWidth: number,
    batchSizes: readonly number[],
    state: FloatArray,
    layerOutput: FloatArray,
  ): void {
    const H = this.hiddenSize;
    const width = this.numDirections * H;
    const column = this.directionColumn(dir);
    const weights = this.layerWeights(layer, dir);
    const activate = this.activation();
    const totalRows = layerInput.length / inputWidth;
    const maxBatch = batchSizes[0] ?? 0;
    // See Note [float32 fast path]: an option of float32 modules only.
    const accumulation = this.dtype === 'float32' ? this.accumulation : 'float64';
    // torch projects the whole input at once (one GEMM over all rows), then adds it step by step.
    const projected = this.projectionBuffer(totalRows * H);
    linear(projected, 0, layerInput, 0, totalRows, weights.weightIh, weights.biasIh, H, inputWidth, accumulation);
    const recurrent = this.scratch(maxBatch * H);
    const offsets = stepOffsets(batchSizes);
    // W_hh is prepared once (copied into WebAssembly memory where the SIMD kernels run) for all steps.
    withLinear(
      weights.weightHh,
      weights.biasHh,
      H,
      H,
      (recurrence) => {
        const order = this.stepOrder(dir, batchSizes.length);
        if (this.fusedRecurrence(activate, recurrent)) {
          // Note [fused Elman recurrence] (src/linear-wasm.ts): the same values, without the per-step copies
          const output = width === H ? layerOutput : allocate(this.dtype, totalRows * H);
          const { nonlinearity } = this;
          if (recurrence.elmanRecurrence?.({ nonlinearity, projected, state, output, order, batchSizes, offsets }) === true) {
            if (width !== H) for (let r = 0; r < totalRows; r++) layerOutput.set(output.subarray(r * H, (r + 1) * H), r * width + column);
            return;
          }
        }
        for (const t of order) {
          const rows = batchSizes[t]!;
          const offset = offsets[t]!;
          // h_t = act((h_{t−1} W_hhᵀ + b_hh) + (x_t W_ihᵀ + b_ih)), each bracket rounded as torch stores it
          recurrence.apply(recurrent, 0, state, 0, rows);
          this.activateStep(recurrent, projected, offset * H, rows * H, activate);
          const h = range(recurrent, 0, rows * H);
          state.set(h);
          if (width === H) layerOutput.set(h, offset * width);
          else for (let n = 0; n < rows; n++) layerOutput.set(recurrent.subarray(n * H, (n + 1) * H), (offset + n) * width + column);
        }
      },
      accumulation,
    );
  }

  /**
   * Whether a direction's steps may run fused in WebAssembly: only with the step exactly as
   * activateStep and activation define it, and the step's scratch of the module's dtype. A subclass
   * that replaces a seam (the harness's planted bugs) gets the step loop, which calls it; a projection
   * buffer of another dtype is refused by the fused recurrence itself (src/linear-wasm.ts).
   */
  private fusedRecurrence(activate: ActivationKernel, recurrent: FloatArray): boolean {
    return (
      activate === (this.nonlinearity === 'tanh' ? tanhInPlace : reluInPlace) &&
      this.activateStep === RNN.prototype.activateStep &&
      recurrent instanceof (this.dtype === 'float32' ? Float32Array : Float64Array)
    );
  }

  // The protected methods below are the seams of the forward pass, one decision each. They exist
  // so the harness can plant a bug in exactly one of them (test/harness/planted-bugs) and prove the
  // parity campaign catches it; the library itself never overrides them.

  /** The weights of (layer, dir). */
  protected layerWeights(layer: number, dir: number): LayerWeights {
    const suffix = parameterSuffix(layer, dir);
    const get = (name: string): FloatArray | null => this.params.get(`${name}_${suffix}`)?.data ?? null;
    const weightIh = get('weight_ih');
    const weightHh = get('weight_hh');
    if (weightIh === null || weightHh === null) throw new Error(`BUG: no weights for ${suffix}`);
    return { weightIh, weightHh, biasIh: get('bias_ih'), biasHh: get('bias_hh') };
  }

  /**
   * The buffer of x_t W_ihᵀ + b_ih for every row: in the working dtype, since torch materialises the
   * input projection as one tensor of the module's dtype (aten RNN.cpp FullLayer: `linear_ih(inputs)`).
   */
  protected projectionBuffer(length: number): FloatArray {
    return allocate(this.dtype, length);
  }

  /**
   * h_t = act(S) with S = (h_{t−1} W_hhᵀ + b_hh) + (x_t W_ihᵀ + b_ih), in place over `recurrent`, which
   * holds the first bracket: S is stored (so rounded to the dtype, as torch's `add_` stores it) before
   * the activation reads it. Mirrors aten RNN.cpp SimpleCell: `nonlinearity(linear_hh(h).add_(input))`.
   */
  protected activateStep(recurrent: FloatArray, projected: FloatArray, projectedOffset: number, length: number, activate: ActivationKernel): void {
    addInPlace(recurrent, projected, projectedOffset, length);
    activate(recurrent, 0, length);
  }

  /** The activation kernel for this module's nonlinearity. */
  protected activation(): ActivationKernel {
    return this.nonlinearity === 'tanh' ? tanhInPlace : reluInPlace;
  }

  /** Time steps in processing order: 0…L−1 forward, L−1…0 reverse. */
  protected stepOrder(dir: number, steps: number): number[] {
    const order = Array.from({ length: steps }, (_, t) => t);
    return dir === 0 ? order : order.reverse();
  }

  /** First feature column of direction `dir` in a layer output (forward first, then reverse). */
  protected directionColumn(dir: number): number {
    return dir * this.hiddenSize;
  }

  /** Row of h_n (and hx) that holds (layer, dir): layer·D + dir. */
  protected hNIndex(layer: number, dir: number): number {
    return layer * this.numDirections + dir;
  }

  /** The (N, H) starting state of (layer, dir), copied from hx. */
  protected initialHidden(hx: FloatArray, layer: number, dir: number, batch: number): FloatArray {
    const size = batch * this.hiddenSize;
    const start = this.hNIndex(layer, dir) * size;
    return hx.slice(start, start + size);
  }

  /** Dropout follows every layer but the last, in training mode only. Mirrors ATen `_rnn_impl`. */
  protected dropoutActive(layer: number): boolean {
    return this.training && this.dropout !== 0 && layer < this.numLayers - 1;
  }

  /** A buffer in the working dtype, so each stored value is rounded as torch rounds it. */
  protected scratch(length: number): FloatArray {
    return allocate(this.dtype, length);
  }

  /** (N, L, *) → (L, N, *) when batchFirst; the input itself otherwise. */
  protected toSequenceFirst(input: Tensor): Tensor {
    return this.batchFirst ? swapLeadingAxes(input) : input;
  }

  /** (L, N, *) → (N, L, *) when batchFirst; the output itself otherwise. */
  protected fromSequenceFirst(output: Tensor): Tensor {
    return this.batchFirst ? swapLeadingAxes(output) : output;
  }
}
