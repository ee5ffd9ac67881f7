// The wire format between harness/worker/bridge.ts and python/worker.py: the only TypeScript definition of it (documented in python/PROTOCOL.md).

/** Bumped on any incompatible change; the worker's handshake must report the same number. */
export const PROTOCOL_VERSION = 2;

/** Tensor dtypes the wire carries, spelled as torch names them without the `torch.` prefix. */
export type WireDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'complex64'
  | 'complex128'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/**
 * A tensor on the wire: `data` holds the contiguous row-major little-endian bytes, so every value
 * (NaN, ±Inf, −0, subnormals) travels bit for bit.
 */
export interface WireTensor {
  readonly dtype: WireDType;
  readonly shape: readonly number[];
  /** Raw bytes, sent in the frame's payload (Note [tensor payloads] in python/worker.py), or base64 text, which the worker also reads. */
  readonly data: Uint8Array | string;
}

/** A Python float JSON cannot express: `{ $float: '2.0' }`, `'nan'`, `'inf'`, `'-0.0'` (parsed with Python's `float()`). */
export interface PyFloat {
  readonly $float: string;
}

/** A Python int beyond JS's safe integers: `{ $int: '1180591620717411303424' }`. */
export interface PyInt {
  readonly $int: string;
}

/**
 * A value handed to torch as given, so invalid values reach torch's own checks. JSON numbers become
 * Python `int` when integral and `float` otherwise; use {@link PyFloat} for an integral float.
 */
export type PyValue = number | string | boolean | null | PyFloat | PyInt | readonly PyValue[] | { readonly [key: string]: PyValue };

/** `nn.RNN` keyword arguments in torch spelling; any other key is passed through for torch to reject. */
export interface RnnKwargs {
  readonly input_size?: PyValue;
  readonly hidden_size?: PyValue;
  readonly num_layers?: PyValue;
  readonly nonlinearity?: PyValue;
  readonly bias?: PyValue;
  readonly batch_first?: PyValue;
  readonly dropout?: PyValue;
  readonly bidirectional?: PyValue;
  readonly [other: string]: PyValue | undefined;
}

/**
 * Parameter values: torch's own init after `torch.manual_seed(seed)`, or an exact state_dict. With
 * `seed_dtype`, the module is seeded and built in that dtype, then converted to the case's `dtype`
 * (`module.to(dtype)`): the float64 shadow of a seeded float32 case, whose float32 parameters widen
 * exactly, where seeding in float64 would draw another network (python/PROTOCOL.md).
 */
export type CaseInit =
  | { readonly seed: string; readonly seed_dtype?: 'float16' | 'bfloat16' | 'float32' | 'float64' }
  | { readonly state_dict: { readonly [name: string]: WireTensor } };

/**
 * Test hooks, honoured only when the worker runs with RNN_PARITY_WORKER_FAULTS=1: the case makes
 * the worker crash, hang, exit, print garbage on stdout, sleep, or write stderr lines.
 */
export type FaultSpec =
  | { readonly kind: 'crash' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'garbage' }
  | { readonly kind: 'exit'; readonly code?: number }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'stderr'; readonly lines: number };

/**
 * The torch module a case builds: `nn.RNN`, `nn.LSTM`, `nn.GRU` or one of the cells. Absent means
 * `'rnn'`, so cases written before the family existed keep their meaning.
 */
export type ModuleKind = 'rnn' | 'lstm' | 'gru' | 'rnn_cell' | 'lstm_cell' | 'gru_cell';

/** One parity case: build `nn.RNN` (or another {@link ModuleKind}), set parameters, run forward (and backward), report. */
export interface WireCase {
  readonly id: string;
  /** Which module to build; `'rnn'` when absent. Cells take no `packed` and no `grad.output`. */
  readonly module?: ModuleKind;
  /** Positional arguments of `nn.RNN(*args, **kwargs)`; usually empty. */
  readonly args?: readonly PyValue[];
  readonly kwargs: RnnKwargs;
  /** Passed as `nn.RNN(dtype=…)`; null or absent leaves torch's default. */
  readonly dtype?: WireDType | null;
  /** Absent: torch's init from whatever state the global generator is in (not reproducible). */
  readonly init?: CaseInit;
  /** `module.train(training)`; default true, as after construction. */
  readonly training?: boolean;
  /** Decimal seed given to `torch.manual_seed` right before forward (dropout masks). */
  readonly forward_seed?: string;
  readonly input: WireTensor;
  readonly hx?: WireTensor;
  /** LSTM / LSTMCell only, with `hx`: the state is passed as the tuple `(hx, cx)`. */
  readonly cx?: WireTensor;
  /** Pack `input` with `pack_padded_sequence(input, lengths, batch_first=module.batch_first, enforce_sorted)`. */
  readonly packed?: { readonly lengths: readonly PyValue[]; readonly enforce_sorted?: boolean };
  /** Upstream gradients of output (or packed data) and h_n; at least one. */
  readonly grad?: { readonly output?: WireTensor; readonly h_n?: WireTensor; readonly c_n?: WireTensor };
  /** `rounding_reference`: the float32 forward recomputed with torch's rounding points (python/rounding_reference.py). */
  readonly want?: { readonly state_dict?: boolean; readonly layers?: boolean; readonly rounding_reference?: boolean };
  readonly fault?: FaultSpec;
}

/**
 * `ok` and `error` are torch's answers; the rest say the answer is missing and why. `worker-fault` is
 * made by the bridge from an `error` that says the worker could not compute (out of memory, recursion
 * limit, interrupted: harness/worker/worker-fault.ts), so such an error is never taken as torch's answer.
 */
export type CaseStatus = 'ok' | 'error' | 'worker-crash' | 'timeout' | 'protocol-error' | 'worker-fault';

/** The statuses that mean torch gave no answer. */
export type UnansweredStatus = Exclude<CaseStatus, 'ok' | 'error'>;

/** A Python exception: `type(e).__name__` and `str(e)`. */
export interface PythonError {
  readonly type: string;
  readonly message: string;
}

/** One warning recorded by `warnings.catch_warnings(record=True)`. */
export interface CapturedWarning {
  readonly category: string;
  readonly message: string;
}

/** The output PackedSequence (int64 index tensors) and its `pad_packed_sequence` view. */
export interface WirePacked {
  readonly data: WireTensor;
  readonly batch_sizes: WireTensor;
  readonly sorted_indices: WireTensor | null;
  readonly unsorted_indices: WireTensor | null;
  readonly padded: WireTensor;
  readonly lengths: WireTensor;
}

/** Gradients from `torch.autograd.grad`; null where torch reports the tensor unused. */
export interface WireGrads {
  readonly input?: WireTensor | null;
  readonly hx?: WireTensor | null;
  readonly cx?: WireTensor | null;
  readonly params: { readonly [name: string]: WireTensor | null };
}

/** One layer run alone as a single-layer nn.RNN in eval mode (packed data for packed input). */
export interface WireLayer {
  readonly output: WireTensor;
  readonly h_n: WireTensor;
}

/** The answer for one case, in the order the cases were given. */
export interface CaseResult {
  readonly id: string;
  readonly status: CaseStatus;
  readonly output?: WireTensor;
  /** The final hidden state; for a cell, its result h' (LSTMCell: the h of `(h', c')`). */
  readonly h_n?: WireTensor;
  /** LSTM's final cell state c_n; LSTMCell's c'. */
  readonly c_n?: WireTensor;
  readonly packed?: WirePacked;
  readonly state_dict?: { readonly [name: string]: WireTensor };
  readonly grads?: WireGrads;
  readonly layers?: readonly WireLayer[];
  /** Set when `want.layers` was asked but the layer-by-layer run itself failed. */
  readonly layers_error?: PythonError;
  /**
   * Asked with `want.rounding_reference`: output (padded for packed input) and h_n of the float32
   * forward redone in float64 with a float32 rounding at each of torch's materialisation points;
   * absent where the case is outside that model (not float32, dropout active, empty).
   */
  readonly rounding_reference?: { readonly output: WireTensor; readonly h_n: WireTensor };
  /** torch's exception for `error`; for the other failure statuses a description from the bridge. */
  readonly error?: PythonError;
  readonly warnings: readonly CapturedWarning[];
  readonly elapsed_ms: number;
  /** worker-crash / timeout / protocol-error made by the bridge: the last worker stderr lines. */
  readonly stderr_tail?: readonly string[];
}

/** One case of the `api` op: a target of python/api_targets.py by name, and its arguments. */
export interface WireApiCase {
  readonly id: string;
  readonly target: string;
  readonly args: PyValue;
}

/** The answer for one API case: a canonical value (harness/api/canonical-value.ts) or torch's exception. */
export interface ApiCaseResult {
  readonly id: string;
  readonly status: CaseStatus;
  /** Canonical JSON (Note [canonical values]); present when status is 'ok'. */
  readonly value?: unknown;
  readonly error?: PythonError;
  readonly warnings: readonly CapturedWarning[];
  readonly elapsed_ms: number;
  readonly stderr_tail?: readonly string[];
}

/** Sent by the worker unprompted once torch is imported and configured. */
export interface Handshake {
  readonly op: 'handshake';
  readonly protocol_version: number;
  readonly pid: number;
  readonly torch_version: string;
  readonly torch_git_version: string;
  readonly python_version: string;
  readonly python_executable: string;
  /** `sha256:` of `torch.__config__.show()`. */
  readonly config_digest: string;
  readonly blas_info: string | null;
  readonly num_threads: number;
  readonly cpu_capability: string;
  /** The CPU's model name (`/proc/cpuinfo`); MKL's code path, and so the last bits, depend on it. */
  readonly cpu_model: string;
  /** `MKL_CBWR` in the worker's environment (`COMPATIBLE` unless overridden); see Note [MKL reproducibility] in worker.py. */
  readonly mkl_cbwr: string | null;
  readonly platform: string;
  readonly machine: string;
  /** Spec §3.3: `torch.manual_seed(0); nn.RNN(2, 3)` first two weight_ih_l0 values. */
  readonly init_fingerprint: {
    readonly model: 'fused' | 'unfused' | 'unknown';
    readonly float32: readonly number[];
    readonly float64: readonly number[];
  };
  /** Spec §3.4: whether dropout masks follow one MT19937 random64 per element. */
  readonly dropout_model: 'mt19937-bernoulli' | 'unknown';
  readonly faults_enabled: boolean;
}

/** Sent instead of {@link Handshake} when torch cannot be imported; the worker then exits. */
export interface HandshakeFailure {
  readonly op: 'handshake';
  readonly protocol_version: number;
  readonly python_version: string;
  readonly python_executable: string;
  readonly error: PythonError;
}

/** Requests, one JSON line each; `id` is echoed in the response. */
export type Request =
  | { readonly id: number; readonly op: 'run'; readonly cases: readonly WireCase[] }
  | { readonly id: number; readonly op: 'ping' }
  | { readonly id: number; readonly op: 'echo'; readonly tensors: readonly WireTensor[] }
  | { readonly id: number; readonly op: 'bench_inprocess'; readonly cases: readonly WireCase[]; readonly repeat: number }
  | { readonly id: number; readonly op: 'api'; readonly cases: readonly WireApiCase[] }
  | { readonly id: number; readonly op: 'api_targets' }
  | { readonly id: number; readonly op: 'canonical_echo'; readonly values: PyValue; readonly tensors: readonly WireTensor[] };

/** Request without its id, as callers hand it to the bridge. */
export type RequestBody = WithoutId<Request>;

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;

/** Response to `run`: one result per case, same order. */
export interface RunResponse {
  readonly id: number;
  readonly results: readonly CaseResult[];
}

/** Response to `api`: one result per case, same order. */
export interface ApiResponse {
  readonly id: number;
  readonly results: readonly ApiCaseResult[];
}

/** Response to `echo`: the tensors after a trip through torch (`clone()`). */
export interface EchoResponse {
  readonly id: number;
  readonly tensors: readonly WireTensor[];
}

/** Response to `bench_inprocess`: the pure-Python limit, torch work only and with the wire codec. */
export interface BenchInprocessResponse {
  readonly id: number;
  readonly cases: number;
  readonly torch_cases_per_s: number;
  readonly codec_cases_per_s: number;
}

/** A request the worker could not serve (malformed, unknown op); `id` is null if it was not JSON. */
export interface ErrorResponse {
  readonly id: number | null;
  readonly error: PythonError;
}
