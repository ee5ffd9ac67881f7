// Small builders of golden fixtures for the store, ledger and drift tests (no Python).
import { newFixture, type Fixture } from '../../../harness/golden/fixture.js';
import type { Outcome } from '../../../harness/parity/outcome.js';
import { runTs, type ParityCase } from '../../../harness/parity/parity-case.js';
import type { Handshake } from '../../../harness/worker/protocol.js';
import { Tensor } from '../../../src/index.js';

/** A handshake as a torch worker of `torchVersion` would send it (values are placeholders, not measurements). */
export function handshakeOf(torchVersion: string): Handshake {
  return {
    op: 'handshake',
    protocol_version: 1,
    pid: 1234,
    torch_version: torchVersion,
    torch_git_version: 'test',
    python_version: '3.11.0',
    python_executable: '/usr/bin/python3',
    config_digest: 'sha256:test',
    blas_info: 'mkl',
    num_threads: 1,
    cpu_capability: 'AVX2',
    cpu_model: 'Test CPU',
    mkl_cbwr: 'COMPATIBLE',
    platform: 'Linux',
    machine: 'x86_64',
    init_fingerprint: { model: 'fused', float32: [0.5, -0.25], float64: [0.5, -0.25] },
    dropout_model: 'mt19937-bernoulli',
    faults_enabled: false,
  };
}

/** nn.RNN(2, 3) with explicit weights on a (L=2, N=1, H_in=2) input; `input` overrides the values. */
export function smallCase(overrides: Partial<ParityCase> = {}): ParityCase {
  const weights = (shape: number[], phase: number): Tensor =>
    Tensor.fromFlat(
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + phase) / 2),
      shape,
      'float32',
    );
  return {
    kwargs: { input_size: 2, hidden_size: 3 },
    dtype: 'float32',
    init: {
      stateDict: { weight_ih_l0: weights([3, 2], 0), weight_hh_l0: weights([3, 3], 1), bias_ih_l0: weights([3], 2), bias_hh_l0: weights([3], 3) },
    },
    training: false,
    forwardSeed: null,
    input: Tensor.fromFlat([0.5, -1, 0.25, 2], [2, 1, 2], 'float32'),
    hx: null,
    packed: null,
    grad: null,
    wantWeights: false,
    ...overrides,
  };
}

/** A fixture whose expectation is `expected` (default: what TS answers now), recorded by `torchVersion`. */
export function fixtureOf(
  c: ParityCase,
  options: { expected?: Outcome; torchVersion?: string; summary?: string; origin?: Fixture['origin'] } = {},
): Fixture {
  const ts = runTs(c);
  return newFixture({
    summary: options.summary ?? 'test case',
    origin: options.origin ?? 'baseline',
    case: c,
    expected: options.expected ?? ts,
    shadow: null,
    tsAtRecord: ts,
    handshake: handshakeOf(options.torchVersion ?? '2.13.0'),
    harnessVersion: '0.0.0-test',
    recordedAt: new Date('2025-01-01T00:00:00Z'),
  });
}

/** The outcome with one value of one tensor replaced. */
export function withValue(outcome: Outcome, tensor: string, index: number, value: number): Outcome {
  const t = outcome.tensors[tensor]!.clone();
  t.data[index] = value;
  return { ...outcome, tensors: { ...outcome.tensors, [tensor]: t } };
}
