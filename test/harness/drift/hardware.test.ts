// Which answers must be bit-identical across workers, and the drift report's hardware note (no Python).
import { describe, expect, it } from 'vitest';
import { bitIdentityExpected, hardwareNote } from '../../../harness/drift/hardware.js';
import { workerDoc } from '../../../harness/golden/fixture.js';
import type { WorkerDoc } from '../../../harness/golden/fixture-schema.js';
import { handshakeOf } from '../golden/builders.js';

const amd: WorkerDoc = { ...workerDoc(handshakeOf('2.13.0+cpu')), cpu_model: 'AMD EPYC', cpu_capability: 'AVX2', mkl_cbwr: 'COMPATIBLE' };

describe('bitIdentityExpected', () => {
  it('holds on the recording hardware', () => {
    expect(bitIdentityExpected(amd, { ...amd })).toBe(true);
  });

  it('holds on another CPU model of the same capability when MKL is pinned to COMPATIBLE', () => {
    expect(bitIdentityExpected(amd, { ...amd, cpu_model: 'Intel(R) Xeon(R) CPU' })).toBe(true);
  });

  it('does not hold across CPU models when MKL is not pinned', () => {
    const unpinned = { ...amd, mkl_cbwr: null };
    expect(bitIdentityExpected(unpinned, { ...unpinned, cpu_model: 'Intel(R) Xeon(R) CPU' })).toBe(false);
  });

  it.each([
    ['another ATen capability', { cpu_capability: 'AVX512' }],
    ['another MKL_CBWR', { mkl_cbwr: 'AVX2' }],
    ['another torch', { torch_version: '2.14.0' }],
    ['another thread count', { num_threads: 4 }],
  ] as [string, Partial<WorkerDoc>][])('does not hold with %s', (_, change) => {
    expect(bitIdentityExpected(amd, { ...amd, ...change })).toBe(false);
  });

  it('does not hold for a fixture recorded before the hardware was recorded', () => {
    const { cpu_model: _model, mkl_cbwr: _cbwr, ...old } = amd;
    expect(bitIdentityExpected(old, amd)).toBe(false);
  });
});

describe('hardwareNote', () => {
  it('is null on the recording hardware', () => {
    expect(hardwareNote([amd], amd)).toBeNull();
  });

  it('names both sides when the same torch build ran on other hardware', () => {
    const xeon = { ...amd, cpu_model: 'Intel(R) Xeon(R) CPU', cpu_capability: 'AVX512', mkl_cbwr: null };
    expect(hardwareNote([amd], xeon)).toBe(
      'Same torch build on other hardware (recorded on AMD EPYC, AVX2, MKL_CBWR=COMPATIBLE; replayed on Intel(R) Xeon(R) CPU, AVX512, MKL_CBWR=unset): ' +
        'values that moved are most likely the hardware (MKL and ATen pick code paths per CPU), not torch.',
    );
  });

  it('says the hardware may share the blame when torch differs too', () => {
    expect(hardwareNote([amd], { ...amd, torch_version: '2.14.0', cpu_model: 'Other' })).toMatch(/^The hardware differs too \(recorded on AMD EPYC/);
  });
});
