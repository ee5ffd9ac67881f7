// The public surface of rnn-parity: explicit named exports only.
export { TorchError, type PythonErrorType } from './errors.js';
export { catchWarnings, type TorchWarning } from './warnings.js';
export { Tensor, type DType, type FloatArray, type NestedArray } from './tensor.js';
export { DEFAULT_MEMORY_LIMIT, getMemoryLimit, setMemoryLimit } from './memory.js';
export { RNN, type RNNRandomOptions, type RNNResult } from './rnn.js';
export type { Accumulation, RNNKernelOptions } from './accumulation.js';
export type { RNNGradResult, RNNGrads } from './backward.js';
export { LSTM, type LSTMGradResult, type LSTMGrads, type LSTMResult } from './lstm.js';
export { GRU, type GRUResult } from './gru.js';
export type { LSTMOptions, GRUOptions } from './recurrent-base.js';
export { RNNCell, type RNNCellOptions } from './rnn-cell.js';
export { LSTMCell } from './lstm-cell.js';
export { GRUCell } from './gru-cell.js';
export type { CellOptions } from './cell-base.js';
export type { CellGradResult, CellGrads, LSTMCellGradResult, LSTMCellGrads } from './cell-backward.js';
export {
  fromTorchKwargs,
  toTorchKwargs,
  type Nonlinearity,
  type RNNOptions,
  type TorchRNNKwargs,
} from './rnn-options.js';
export { PackedSequence, invertPermutation } from './packed-sequence.js';
export {
  packPaddedSequence,
  padPackedSequence,
  padSequence,
  packSequence,
  unpackSequence,
  type PackPaddedOptions,
  type PadPackedOptions,
  type PadSequenceOptions,
} from './pack.js';
export { MT19937, type MT19937State } from './mt19937.js';
export { Generator, defaultGenerator, manualSeed, type InitRounding } from './generator.js';
export { dropoutNoise } from './dropout.js';
export {
  readSafetensors,
  writeSafetensors,
  SafetensorsError,
  type SafetensorsErrorCode,
  type SafetensorsFile,
  type SafetensorsReadOptions,
} from './safetensors.js';
export { stateDictToJson, stateDictFromJson, StateDictJsonError } from './state-dict-json.js';
export { stripStateDictPrefix } from './state-dict-prefix.js';
