// Offline replay verdicts: version-aware error parity and the known-divergence ledger, including "fixed — remove from the ledger".
import { describe, expect, it } from 'vitest';
import { entryMatches, parseLedger, type Ledger } from '../../../harness/golden/ledger.js';
import { replayFixture } from '../../../harness/golden/replay.js';
import { pinnedTorchVersion } from '../../../harness/worker/torch-pin.js';
import { fixtureOf, smallCase, withValue } from './builders.js';
import { runTs } from '../../../harness/parity/parity-case.js';

const pinnedTorch = '2.13.0';
const empty: Ledger = { format_version: 1, entries: [] };

function ledgerOf(match: Record<string, unknown>): Ledger {
  return parseLedger(JSON.stringify({ format_version: 1, entries: [{ id: 'listed', reason: 'a test entry', match }] }), 'test ledger');
}

describe('the known-divergence ledger', () => {
  const fixture = fixtureOf(smallCase({ kwargs: { input_size: 2, hidden_size: 3, nonlinearity: 'relu' } }));
  const matches = (match: Record<string, unknown>): boolean => entryMatches(ledgerOf(match).entries[0]!, fixture);

  it('matches by literal, in, not and absent over case fields and kwargs; every condition must hold', async () => {
    expect(matches({ dtype: 'float32', 'kwargs.nonlinearity': 'relu' })).toBe(true);
    expect(matches({ dtype: 'float32', 'kwargs.nonlinearity': 'tanh' })).toBe(false);
    expect(matches({ layout: { in: ['batched', 'unbatched'] }, 'input.shape': [2, 1, 2] })).toBe(true);
    expect(matches({ torch_minor: { not: '2.13' } })).toBe(false);
    expect(matches({ 'kwargs.bias': { absent: true }, init: 'state_dict', 'expected.error_type': null })).toBe(true);
    expect(matches({ 'kwargs.hidden_size': { absent: true } })).toBe(false);
  });

  it('rejects an unknown field, naming it and listing the known ones', async () => {
    expect(() => ledgerOf({ 'kwarg.bias': false })).toThrow(
      /^test ledger: entries\[0\]\.match\.kwarg\.bias: unknown field; use kwargs\.<name> or one of: id, origin, torch_version, /,
    );
  });

  it('rejects duplicate entry ids and an entry without conditions', async () => {
    const entry = { id: 'a', reason: 'r', match: { dtype: 'float32' } };
    expect(() => parseLedger(JSON.stringify({ format_version: 1, entries: [entry, entry] }), 'l')).toThrow('l: entries: entry ids must be unique');
    expect(() => parseLedger(JSON.stringify({ format_version: 1, entries: [{ ...entry, match: {} }] }), 'l')).toThrow(
      'l: entries[0].match: an entry needs at least one condition',
    );
  });

  it('calls a listed case that still differs a known divergence', async () => {
    const diverging = fixtureOf(smallCase(), { expected: withValue(runTs(smallCase()), 'h_n', 0, 0.75) });

    const verdict = await replayFixture(diverging, { pinnedTorch, ledger: ledgerOf({ id: diverging.id }) });

    expect(verdict.status).toBe('known-divergence');
    expect(verdict.message).toBe(`${diverging.id} (test case): known divergence 'listed': a test entry`);
  });

  it('reports a listed case that now matches as "fixed — remove from the ledger", which fails the replay', async () => {
    const matching = fixtureOf(smallCase());

    const verdict = await replayFixture(matching, { pinnedTorch, ledger: ledgerOf({ id: matching.id }) });

    expect(verdict.status).toBe('fixed');
    expect(verdict.message).toBe(
      `${matching.id} (test case): fixed — remove from the ledger: entry 'listed' (a test entry) lists this case, but TS now matches torch 2.13.0`,
    );
  });

  it('fails an unlisted case that differs, naming the tensor', async () => {
    const diverging = fixtureOf(smallCase(), { expected: withValue(runTs(smallCase()), 'h_n', 0, 0.75) });
    const verdict = await replayFixture(diverging, { pinnedTorch, ledger: empty });
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toMatch(
      /^[0-9a-f]{16} \(test case\): TS differs from torch 2\.13\.0:\n {2}- h_n at layer 0, forward, batch 0, unit 0 \[flat 0\]: TS /,
    );
  });
});

describe('version-aware error parity', () => {
  const numLayersZero = smallCase({ kwargs: { input_size: 2, hidden_size: 3, num_layers: 0 }, init: { seed: '0' } });
  const torch113 = { tensors: {}, error: { type: 'IndexError', message: 'list index out of range' }, warnings: [] };

  it('compares the error category, not type and text, against a fixture from another torch minor', async () => {
    const verdict = await replayFixture(fixtureOf(numLayersZero, { expected: torch113, torchVersion: '1.13.1' }), { pinnedTorch, ledger: empty });
    expect(verdict.status).toBe('pass');
    expect(verdict.judgement.crossVersion).toBe(true);
    expect(verdict.judgement.forgiven).toEqual([
      `error: TS ValueError: "num_layers must be greater than zero" vs torch IndexError: "list index out of range" (same category 'num_layers' across torch 1.13.1 and ${pinnedTorch})`,
    ]);
  });

  it('still fails an error of another category across versions', async () => {
    const other = { tensors: {}, error: { type: 'ValueError', message: 'hidden_size must be greater than zero' }, warnings: [] };
    expect((await replayFixture(fixtureOf(numLayersZero, { expected: other, torchVersion: '1.13.1' }), { pinnedTorch, ledger: empty })).status).toBe(
      'fail',
    );
  });

  it('requires the exact type and text from the pinned torch minor', async () => {
    expect(
      (await replayFixture(fixtureOf(numLayersZero, { expected: torch113, torchVersion: '2.13.1' }), { pinnedTorch, ledger: empty })).status,
    ).toBe('fail');
  });

  it('reads the pinned torch from python/requirements.txt', async () => {
    expect(pinnedTorchVersion('# comment\ntorch==2.13.0\n')).toBe('2.13.0');
    expect(pinnedTorchVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
