// The setup step's plan (pins, override, stamp) and its no-op on an up-to-date venv.
import { describe, expect, it } from 'vitest';
import { installPlan, setupPython } from '../../../harness/worker/python-setup.js';
import { parseTorchPin } from '../../../harness/worker/torch-pin.js';

const REQUIREMENTS = '# comment\ntorch==2.13.0  # the pin\n\n';

describe('installPlan', () => {
  it('installs the torch line of requirements.txt when no override is set', () => {
    const plan = installPlan(REQUIREMENTS, {});

    expect(plan.requirements).toEqual(['torch==2.13.0']);
    expect(plan.torch.version).toBe('2.13.0');
  });

  it('replaces the torch line with RNN_PARITY_TORCH_SPEC and changes the stamp', () => {
    const plain = installPlan(REQUIREMENTS, {});
    const nightly = installPlan(REQUIREMENTS, { RNN_PARITY_TORCH_SPEC: 'torch==2.14.1' });

    expect(nightly.requirements).toEqual(['torch==2.14.1']);
    expect(nightly.stamp).not.toBe(plain.stamp);
  });

  it.each(['torch', 'torch>=2.13', 'torch~=2.13.0', 'torch==2.*', 'numpy==2.0.0'])('refuses the unpinned spec %s', (spec) => {
    expect(() => installPlan(REQUIREMENTS, { RNN_PARITY_TORCH_SPEC: spec })).toThrow(
      `RNN_PARITY_TORCH_SPEC gives ${JSON.stringify(spec)}, which is not a pinned torch requirement. ` +
        'Use an exact pin such as `torch==2.13.0`: an unpinned torch resolves to a multi-GB CUDA build.',
    );
  });

  it('refuses a requirements file without exactly one torch line', () => {
    expect(() => installPlan('numpy==2.0.0\n', {})).toThrow('python/requirements.txt must name torch exactly once, found 0 torch lines');
  });

  it('keeps a local version label in the pin', () => {
    expect(parseTorchPin('torch == 2.13.0+cpu', 'test')).toEqual({ spec: 'torch==2.13.0+cpu', version: '2.13.0+cpu' });
  });
});

describe('setupPython', () => {
  it('does nothing when the venv stamp matches the plan', async () => {
    await setupPython({ log: () => {} });
    const start = performance.now();

    const result = await setupPython({ log: () => {} });

    expect(result.changed).toBe(false);
    expect(performance.now() - start).toBeLessThan(200);
  });
});
