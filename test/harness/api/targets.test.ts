// The API target registries agree (TS and the worker), and every target agrees with torch on random cases.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiResultFromWire, toWireApiCase } from '../../../harness/api/api-case.js';
import { judgeApi } from '../../../harness/api/api-judge.js';
import { API_TARGETS, apiTargets } from '../../../harness/api/targets.js';
import { referenceInitRounding } from '../../../harness/parity/parity-case.js';
import { formatDifference } from '../../../harness/parity/difference.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';

let bridge: TorchBridge;
beforeAll(async () => {
  bridge = await TorchBridge.start();
});
afterAll(async () => {
  await bridge.stop();
});

describe('the API target registry', () => {
  it('names exactly the targets the worker dispatches on', async () => {
    const python = await bridge.apiTargets();
    expect(API_TARGETS.map((t) => t.name).sort()).toEqual(python);
  });

  it('has unique names, positive weights, and exports the library has', async () => {
    const library = await import('../../../src/index.js');
    expect(new Set(API_TARGETS.map((t) => t.name)).size).toBe(API_TARGETS.length);
    for (const target of API_TARGETS) {
      expect(target.weight).toBeGreaterThan(0);
      for (const name of target.exports) expect(Object.keys(library)).toContain(name);
    }
  });
});

describe.each(API_TARGETS.map((t) => [t.name] as const))('target %s', (name) => {
  it('agrees with torch exactly on 60 random cases (values, errors and warnings)', async () => {
    const target = apiTargets(referenceInitRounding(bridge.handshake)).find((t) => t.name === name)!;
    const samples = fc.sample(target.arbitrary, { numRuns: 60, seed: 20261128 });
    const cases = samples.map((args) => ({ kind: 'api' as const, target: target.name, args }));
    const results = await bridge.runApi(cases.map((c, i) => toWireApiCase(c, String(i), [target])));
    const outcomes = { value: 0, error: 0 };
    cases.forEach((c, i) => {
      const torch = apiResultFromWire(results[i]!);
      expect(torch, JSON.stringify(results[i])).not.toBeNull();
      outcomes['error' in torch! ? 'error' : 'value']++;
      const ts = target.runTs(c.args);
      const differences = target.judge?.(ts, torch!, c.args) ?? judgeApi(ts, torch!);
      expect(differences.map(formatDifference), JSON.stringify(target.wireArgs(c.args))).toEqual([]);
    });
    console.log(`${name}: ${outcomes.value} values, ${outcomes.error} errors`);
    // Both answers are exercised: values, and some of torch's errors.
    expect(outcomes.value).toBeGreaterThan(0);
  });
});
