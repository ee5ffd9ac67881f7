// API fixtures: a failing API case found by a campaign is stored with torch's answer, loads back identical, and replays without Python.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as library from '../../../src/index.js';
import { apiTargets } from '../../../harness/api/targets.js';
import { padPackedTarget } from '../../../harness/api/targets/pad-packed.js';
import { runCampaign } from '../../../harness/explore/campaign.js';
import { isApiFailure } from '../../../harness/explore/failures.js';
import {
  apiFixtureToDoc,
  loadApiFixtures,
  newApiFixture,
  parseApiFixture,
  replayApiFixture,
  saveApiFixture,
} from '../../../harness/golden/api-fixture.js';
import { canonicalJson, type JsonValue } from '../../../harness/golden/canonical-json.js';
import { InMemoryBackend } from '../../../harness/golden/store.js';
import { referenceInitRounding } from '../../../harness/parity/parity-case.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';

let bridge: TorchBridge;
beforeAll(async () => {
  bridge = await TorchBridge.start();
});
afterAll(async () => {
  await bridge.stop();
});

describe('API fixtures', () => {
  it('store a campaign failure with torch’s answer; it loads back identical and replays: the fixed library passes, the buggy one fails', async () => {
    const rounding = referenceInitRounding(bridge.handshake);
    const buggy = padPackedTarget({
      ...library,
      padPackedSequence: (p, o = {}) => library.padPackedSequence(p, { ...o, paddingValue: Number.isNaN(o.paddingValue) ? 0 : o.paddingValue }),
    });
    const targets = apiTargets(rounding).map((t) => (t.name === buggy.name ? buggy : t));
    const report = await runCampaign({ bridge, seed: 20261128, budgetMs: 20_000, shrinkBudgetMs: 20_000, minCases: 1, apiTargets: targets });
    const failure = report.failures[0];
    if (failure === undefined || !isApiFailure(failure))
      throw new Error(`expected an API failure, got ${JSON.stringify(report.failures[0]?.report)}`);

    const backend = new InMemoryBackend();
    const fixture = newApiFixture({
      case: failure.case,
      summary: failure.report[0] ?? '',
      expected: failure.torch,
      tsAtRecord: failure.ts,
      handshake: bridge.handshake,
      harnessVersion: 'test',
      recordedAt: new Date(0),
      fastCheck: null,
    });
    const key = saveApiFixture(backend, fixture);
    const { fixtures, problems } = loadApiFixtures(backend);
    expect(problems).toEqual([]);
    expect(fixtures.map((f) => f.key)).toEqual([key]);
    const loaded = fixtures[0]!.fixture;
    expect(canonicalJson(apiFixtureToDoc(loaded) as JsonValue)).toBe(canonicalJson(apiFixtureToDoc(fixture) as JsonValue));

    expect(replayApiFixture(loaded, apiTargets(rounding)).passed).toBe(true);
    expect(replayApiFixture(loaded, targets).passed).toBe(false);
  }, 120_000);

  it('refuse a file whose case was edited (the id is the case’s hash)', () => {
    const backend = new InMemoryBackend();
    const fixture = newApiFixture({
      case: { kind: 'api', target: 'manual_seed', args: { seed: 1n, config: {} } },
      summary: 's',
      expected: { error: { type: 'ValueError', message: 'm' }, warnings: [] },
      tsAtRecord: { error: { type: 'ValueError', message: 'm' }, warnings: [] },
      handshake: bridge.handshake,
      harnessVersion: 'test',
      recordedAt: new Date(0),
      fastCheck: null,
    });
    const key = saveApiFixture(backend, fixture);
    const edited = backend.read(key)!.replace('"1"', '"2"');
    expect(() => parseApiFixture(edited, key)).toThrow(/but the case hashes to/);
  });
});
