// Golden replay of API fixtures (golden/api/): each failing API case a campaign stored, run through the library again, no Python, against torch's recorded answer.
import { describe, expect, it } from 'vitest';
import { type ApiFixture, loadApiFixtures, replayApiFixture } from '../../harness/golden/api-fixture.js';
import { apiTargets } from '../../harness/api/targets.js';
import { DirectoryBackend, GOLDEN_DIR } from '../../harness/golden/store.js';
import { formatDifference } from '../../harness/parity/difference.js';

const { fixtures, problems } = loadApiFixtures(new DirectoryBackend(GOLDEN_DIR));

/** Targets that draw weights round as the torch that recorded the fixture did (its handshake's init fingerprint). */
function targetsFor(fixture: ApiFixture) {
  return apiTargets(fixture.provenance.worker.init_fingerprint.model === 'unfused' ? 'unfused' : 'fused');
}

describe('golden replay of API fixtures', () => {
  it('loads every API fixture file', () => {
    expect(problems).toEqual([]);
  });

  for (const { fixture } of fixtures) {
    it(`${fixture.id} ${fixture.summary}`, () => {
      const { differences } = replayApiFixture(fixture, targetsFor(fixture));
      expect(differences.map(formatDifference)).toEqual([]);
    });
  }
});
