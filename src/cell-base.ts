// What RNNCell, LSTMCell and GRUCell share: torch's constructor, parameters, init, state dict, repr and forward checks.
import { TorchError, atenScalarTypeName, cppScalarTypeName, pyRepr, pyTypeName } from './errors.js';
import { assertTensor } from './forward-checks.js';
import { defaultGenerator, type Generator, type InitRounding } from './generator.js';
import { loadStateDictInto } from './state-dict.js';
import { type DType, Tensor } from './tensor.js';

/** Constructor options of the cells; defaults are torch's. Mirrors the arguments of `torch.nn.RNNCellBase`. */
export interface CellOptions {
  inputSize: number;
  hiddenSize: number;
  bias?: boolean;
  dtype?: DType;
  /** The random source for init; torch's global CPU generator by default. */
  generator?: Generator;
  /** How uniform_ rounds (spec §3.3); 'fused' is what torch 2.13's AVX2/AVX512 CPU kernels do. */
  initRounding?: InitRounding;
}

/** torch's class names of the cells, as they appear in its messages and reprs. */
export type CellName = 'RNNCell' | 'LSTMCell' | 'GRUCell';

/** The size of `tensor` along `dim`, or torch's IndexError, as `tensor.size(dim)` raises it. */
export function sizeAt(tensor: Tensor, dim: number): number {
  const rank = Math.max(tensor.ndim, 1);
  if (dim < -rank || dim >= rank) {
    throw new TorchError('IndexError', `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${dim})`);
  }
  return tensor.shape[dim < 0 ? dim + rank : dim] ?? 1;
}

/**
 * The common part of the three cells: weight_ih (G·H, H_in), weight_hh (G·H, H), bias_ih (G·H),
 * bias_hh (G·H), with G chunks (RNNCell 1, GRUCell 3, LSTMCell 4). Mirrors `torch.nn.RNNCellBase`.
 */
export abstract class CellBase {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly dtype: DType;
  /** Cells have no dropout; `training` only mirrors `Module.training`. */
  training = true;
  generator: Generator;
  readonly initRounding: InitRounding;
  protected readonly params = new Map<string, Tensor>();

  /**
   * Checks the arguments as Python's binding and `torch.empty` do, creates the parameters and draws
   * them from uniform(−1/√H, 1/√H). Mirrors `RNNCellBase.__init__`.
   * @throws TypeError or RuntimeError with torch's message.
   */
  protected constructor(
    protected readonly cellName: CellName,
    chunks: number,
    options: Readonly<CellOptions>,
    extraKeys: readonly string[] = [],
  ) {
    const given = options as unknown as Readonly<Record<string, unknown>>;
    const known = new Set(['inputSize', 'hiddenSize', 'bias', 'dtype', 'generator', 'initRounding', ...extraKeys]);
    // mirrors Python's argument binding of RNNCell.__init__ / LSTMCell.__init__ / GRUCell.__init__
    for (const key of Object.keys(given)) {
      if (!known.has(key) && given[key] !== undefined) {
        const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        throw new TorchError('TypeError', `${cellName}.__init__() got an unexpected keyword argument '${snake}'`);
      }
    }
    const missing = (['inputSize', 'hiddenSize'] as const).filter((key) => given[key] === undefined);
    if (missing.length === 2) {
      throw new TorchError('TypeError', `${cellName}.__init__() missing 2 required positional arguments: 'input_size' and 'hidden_size'`);
    }
    if (missing.length === 1) {
      const name = missing[0] === 'inputSize' ? 'input_size' : 'hidden_size';
      throw new TorchError('TypeError', `${cellName}.__init__() missing 1 required positional argument: '${name}'`);
    }
    const { inputSize, hiddenSize } = given;
    const bias = given.bias ?? true;
    const dtype = given.dtype ?? 'float32';
    if (typeof inputSize !== 'number' || typeof hiddenSize !== 'number') {
      // torch computes `num_chunks * hidden_size` and `torch.empty(...)` with whatever it was given;
      // only numbers make sense in TypeScript.
      throw new TorchError('TypeError', `rnn-parity expects numeric sizes, got input_size=${pyRepr(inputSize)}, hidden_size=${pyRepr(hiddenSize)}`);
    }
    if (typeof bias !== 'boolean') {
      // torch accepts any truthy value (`if bias:`); we refuse it, as the RNN refuses a non-bool bidirectional.
      throw new TorchError('TypeError', `bias should be of type bool, got: ${pyTypeName(bias)}`);
    }
    if (dtype !== 'float32' && dtype !== 'float64') {
      if (typeof dtype === 'string' && /^u?int\d+$|^bool$/.test(dtype)) {
        throw new TorchError('RuntimeError', 'Only Tensors of floating point and complex dtype can require gradients');
      }
      throw new TorchError('TypeError', `rnn-parity computes in float32 or float64, got dtype=${pyRepr(dtype)}`);
    }
    // mirrors torch.empty((num_chunks * hidden_size, input_size)) for weight_ih, the first parameter made
    const gateSize = chunks * hiddenSize;
    // Python's num_chunks * 1.5 is a float even when integral (4 * 1.5 = 6.0), and torch.empty refuses it.
    if (!Number.isInteger(hiddenSize)) {
      throw new TorchError('TypeError', "empty(): argument 'size' (position 1) must be tuple of ints, but found element of type float at pos 0");
    }
    if (!Number.isInteger(inputSize)) {
      throw new TorchError(
        'TypeError',
        `empty(): argument 'size' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"`,
      );
    }
    const negative = [gateSize, inputSize].find((s) => s < 0);
    if (negative !== undefined) {
      throw new TorchError('RuntimeError', `Trying to create tensor with negative dimension ${negative}: [${gateSize}, ${inputSize}]`);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.dtype = dtype;
    this.generator = options.generator ?? defaultGenerator;
    this.initRounding = options.initRounding ?? 'fused';
    this.params.set('weight_ih', Tensor.zeros([gateSize, inputSize], dtype));
    this.params.set('weight_hh', Tensor.zeros([gateSize, hiddenSize], dtype));
    if (bias) {
      this.params.set('bias_ih', Tensor.zeros([gateSize], dtype));
      this.params.set('bias_hh', Tensor.zeros([gateSize], dtype));
    }
    this.resetParameters();
  }

  /**
   * Redraws every parameter from uniform(−1/√H, 1/√H) (0 bounds when H = 0), in parameter order.
   * Mirrors `RNNCellBase.reset_parameters`.
   */
  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1.0 / Math.sqrt(this.hiddenSize) : 0;
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

  /** Parameters by name; the tensors are the module's own. Mirrors `state_dict()`. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.params);
  }

  /**
   * Copies values from `stateDict` into the parameters. Mirrors `load_state_dict(state_dict, strict)`.
   * @throws RuntimeError `Error(s) in loading state_dict for …` on missing, unexpected or mis-sized tensors.
   */
  loadStateDict(
    stateDict: Readonly<Record<string, Tensor>>,
    options: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[] } {
    return loadStateDictInto(this.params, stateDict, options.strict ?? true, this.cellName);
  }

  /** Sets training mode; cells behave the same in both. Mirrors `Module.train(mode)`. */
  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** Mirrors `Module.eval()`. */
  eval(): this {
    return this.train(false);
  }

  /** torch's repr, e.g. `GRUCell(2, 3, bias=False)`. Mirrors `RNNCellBase.extra_repr`. */
  toString(): string {
    return `${this.cellName}(${this.extraRepr()})`;
  }

  protected extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias !== true ? `, bias=${pyRepr(this.bias)}` : ''}`;
  }

  /** The parameter named `name`'s data, or null for an absent bias. */
  protected param(name: string): Float32Array | Float64Array | null {
    return this.params.get(name)?.data ?? null;
  }

  /** Mirrors the cells' forward: `input.dim() not in (1, 2)` → `{Cell}: Expected input to be 1D or 2D, got kD instead`. */
  protected checkInputRank(input: unknown): asserts input is Tensor {
    assertTensor(input);
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new TorchError('ValueError', `${this.cellName}: Expected input to be 1D or 2D, got ${input.ndim}D instead`);
    }
  }

  /**
   * ATen's `check_rnn_cell_forward_input` then `check_rnn_cell_forward_hidden` for each state, on the
   * batched (2-D) input, then the dtype clash that the first GEMM raises.
   */
  protected checkBatched(input: Tensor, states: readonly Tensor[]): void {
    // mirrors aten/src/ATen/native/RNN.cpp check_rnn_cell_forward_input
    if (sizeAt(input, 1) !== this.inputSize) {
      throw new TorchError('RuntimeError', `input has inconsistent input_size: got ${sizeAt(input, 1)} expected ${this.inputSize}`);
    }
    // mirrors aten/src/ATen/native/RNN.cpp check_rnn_cell_forward_hidden
    states.forEach((hx, label) => {
      if (sizeAt(input, 0) !== sizeAt(hx, 0)) {
        throw new TorchError('RuntimeError', `Input batch size ${sizeAt(input, 0)} doesn't match hidden${label} batch size ${sizeAt(hx, 0)}`);
      }
      if (sizeAt(hx, 1) !== this.hiddenSize) {
        throw new TorchError('RuntimeError', `hidden${label} has inconsistent hidden_size: got ${sizeAt(hx, 1)}, expected ${this.hiddenSize}`);
      }
    });
    // An unbatched input's 2-D state becomes (1, H, k) and passes those checks. torch's two GEMMs then
    // run, h·W_hhᵀ first in LSTMCell and RNNCell and second in GRUCell (ATen's LSTMCell / SimpleCell /
    // GRUCell): the input's refuses another dtype; h's (`linear`, which flattens the leading
    // dimensions) refuses another dtype before a width k ≠ H with a bias (addmm) and after it without
    // (mm). With k = H torch 2.13 runs on (RNNCell returns an (H, H) result, LSTMCell crashes the
    // process, GRUCell fails a broadcast), which we refuse (README, Known divergences).
    const h = states[0]!;
    const gateSize = this.params.get('weight_hh')!.shape[0]!;
    const widthError =
      h.ndim !== 2 && h.shape.at(-1) !== this.hiddenSize
        ? new TorchError(
            'RuntimeError',
            `mat1 and mat2 shapes cannot be multiplied (${h.shape.slice(0, -1).reduce((a, b) => a * b, 1)}x${h.shape.at(-1)} and ${this.hiddenSize}x${gateSize})`,
          )
        : null;
    const hiddenProduct = (): void => {
      if (widthError !== null && !this.bias) throw widthError;
      if (h.dtype !== this.dtype) throw this.dtypeClash(h.dtype);
      if (widthError !== null) throw widthError;
    };
    if (this.hiddenProductFirst) hiddenProduct();
    if (input.dtype !== this.dtype) throw this.dtypeClash(input.dtype);
    if (!this.hiddenProductFirst) hiddenProduct();
    if (states.some((state) => state.ndim !== 2)) {
      throw new TorchError('RuntimeError', "rnn-parity: a cell state that passes torch's size checks with a rank other than 2 is not supported");
    }
  }

  /** Whether ATen's cell computes h·W_hhᵀ before x·W_ihᵀ (LSTMCell, SimpleCell) or after (GRUCell). */
  protected readonly hiddenProductFirst: boolean = true;

  /** The input-hidden and hidden-hidden GEMMs' refusal of another dtype: addmm with bias, mm without. */
  private dtypeClash(dtype: DType): TorchError {
    return new TorchError(
      'RuntimeError',
      this.bias
        ? `mat1 and mat2 must have the same dtype, but got ${atenScalarTypeName(dtype)} and ${atenScalarTypeName(this.dtype)}`
        : `expected m1 and m2 to have the same dtype, but got: ${cppScalarTypeName(dtype)} != ${cppScalarTypeName(this.dtype)}`,
    );
  }
}
