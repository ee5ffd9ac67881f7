// Golden replay: every fixture in golden/ run through the TS RNN, no Python, against torch's recorded answer (fast-check's NoRegression idea).
import { describe, expect, it } from 'vitest';
import type { Fixture } from '../../harness/golden/fixture.js';
import { GoldenStore } from '../../harness/golden/store.js';
import { ledgerEntryFor, loadLedger } from '../../harness/golden/ledger.js';
import { replayFixture } from '../../harness/golden/replay.js';
import { pinnedTorchVersion } from '../../harness/worker/torch-pin.js';

const store = new GoldenStore();
const ledger = loadLedger();
const pinnedTorch = pinnedTorchVersion();

/** Loads at collection time to name each test; a broken file fails its own test with the loader's error. */
function load(key: string): { fixture: Fixture; error: null } | { fixture: null; error: unknown } {
  try {
    return { fixture: store.load(key), error: null };
  } catch (error) {
    return { fixture: null, error };
  }
}

describe('golden replay', () => {
  it('finds the committed baseline corpus', async () => {
    expect(store.keys(['baseline']).length).toBeGreaterThanOrEqual(150);
  });

  for (const key of store.keys()) {
    const loaded = load(key);
    const entry = loaded.fixture === null ? null : ledgerEntryFor(ledger, loaded.fixture);
    const title =
      loaded.fixture === null ? key : `${loaded.fixture.id} ${loaded.fixture.summary}${entry === null ? '' : ` [known divergence: ${entry.id}]`}`;
    it(title, async () => {
      if (loaded.fixture === null) throw loaded.error;
      const verdict = await replayFixture(loaded.fixture, { pinnedTorch, ledger });
      if (verdict.status === 'fail' || verdict.status === 'fixed') expect.fail(verdict.message);
    });
  }
});
