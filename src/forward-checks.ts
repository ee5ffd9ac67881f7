// torch's forward-time argument checks, in torch's order and words: RNNBase.check_forward_args and ATen's matmul dtype check.
import { TorchError, atenScalarTypeName, cppScalarTypeName, pyList, pyTuple, pyTypeName, torchDtypeName } from './errors.js';
import { tensorInputHint, withHint } from './hints.js';
import { Tensor, type DType } from './tensor.js';

/** What the checks read of a module. */
export interface CheckedModule {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numDirections: number;
  readonly bias: boolean;
  readonly dtype: DType;
}

/** torch calls `input.dim()` first; anything that is not a tensor fails there. */
export function assertTensor(value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    throw withHint(new TorchError('AttributeError', `'${pyTypeName(value)}' object has no attribute 'dim'`), tensorInputHint(value));
  }
}

/** Mirrors `RNNBase.check_forward_args`: check_input (dtype, rank, features), then check_hidden_size. */
export function checkForwardArgs(module: CheckedModule, input: Tensor, hx: Tensor | null, expectedDim: number, batch: number): void {
  checkInput(module, input, expectedDim);
  if (hx !== null) checkHiddenSize(hx, [module.numDirections * module.numLayers, batch, module.hiddenSize]);
}

/** Mirrors `RNNBase.check_input`: the input's dtype against the weights', its rank, then its feature size. */
export function checkInput(module: Pick<CheckedModule, 'inputSize' | 'dtype'>, input: Tensor, expectedDim: number): void {
  if (input.dtype !== module.dtype) {
    throw new TorchError(
      'ValueError',
      `RNN input dtype (${torchDtypeName(input.dtype)}) does not match weight dtype (${torchDtypeName(module.dtype)}). ` +
        `Convert input: input.to(${torchDtypeName(module.dtype)}), or convert model: model.to(${torchDtypeName(input.dtype)})`,
    );
  }
  if (input.ndim !== expectedDim) {
    throw new TorchError('RuntimeError', `input must have ${expectedDim} dimensions, got ${input.ndim}`);
  }
  const features = input.shape[input.ndim - 1];
  if (features !== module.inputSize) {
    throw new TorchError('RuntimeError', `input.size(-1) must be equal to input_size. Expected ${module.inputSize}, got ${features}`);
  }
}

/**
 * Mirrors `RNNBase.check_hidden_size(hx, expected, msg)`; LSTM words it `Expected hidden[0] size …`
 * and `Expected hidden[1] size …`.
 */
export function checkHiddenSize(hx: Tensor, expected: readonly number[], label = 'hidden'): void {
  if (hx.ndim !== expected.length || hx.shape.some((s, i) => s !== expected[i])) {
    throw new TorchError('RuntimeError', `Expected ${label} size ${pyTuple(expected)}, got ${pyList(hx.shape)}`);
  }
}

/** ATen's matmul rejects an hx whose dtype differs from the weights; addmm (bias) and mm word it differently. */
export function checkHiddenDtype(module: CheckedModule, hx: Tensor | null): void {
  if (hx !== null && hx.dtype !== module.dtype) {
    throw new TorchError(
      'RuntimeError',
      module.bias
        ? `mat1 and mat2 must have the same dtype, but got ${atenScalarTypeName(hx.dtype)} and ${atenScalarTypeName(module.dtype)}`
        : `expected m1 and m2 to have the same dtype, but got: ${cppScalarTypeName(hx.dtype)} != ${cppScalarTypeName(module.dtype)}`,
    );
  }
}
