// Shards split a seed's case stream by content hash: every case in exactly one shard, and `i/n` validated.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parityCase } from '../../../harness/explore/arbitraries.js';
import { inShard, parseShard, shardOf } from '../../../harness/explore/shard.js';
import { caseId } from '../../../harness/golden/fixture.js';

describe('shards of a case stream', () => {
  // 200 cases of the campaign's own arbitrary, drawn once: hashing is what is tested, not drawing.
  const cases = fc.sample(parityCase(), { seed: 20261203, numRuns: 200 });

  it.each([1, 2, 3, 8])('with %i shards, every case runs in exactly one shard (disjoint and complete)', (count) => {
    const runs = cases.map((c) => Array.from({ length: count }, (_, i) => i + 1).filter((index) => inShard({ index, count }, c)));
    for (const shards of runs) expect(shards).toHaveLength(1);
    expect(runs.map((s) => s[0])).toEqual(cases.map((c) => shardOf(c, count)));
  });

  it('puts a case in the same shard every time, by its content hash (a copy of the case lands with it)', () => {
    for (const c of cases.slice(0, 50)) {
      const copy = structuredClone(c);
      expect(caseId(copy)).toBe(caseId(c));
      expect(shardOf(copy, 8)).toBe(shardOf(c, 8));
    }
  });

  it('spreads cases over the shards roughly evenly', () => {
    const sizes = [1, 2, 3, 4].map((index) => cases.filter((c) => inShard({ index, count: 4 }, c)).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(cases.length);
    for (const size of sizes) expect(size).toBeGreaterThan(cases.length / 4 / 2);
  });

  it('runs every case with no shard or with 1/1', () => {
    expect(cases.every((c) => inShard(null, c) && inShard(undefined, c) && inShard({ index: 1, count: 1 }, c))).toBe(true);
  });

  it('parses i/n with 1 ≤ i ≤ n and refuses anything else, naming --shard', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const text of ['0/2', '3/2', '2', '1/0', 'a/b', '-1/2', '1.5/2', '']) {
      expect(() => parseShard(text)).toThrow(`--shard takes i/n with 1 ≤ i ≤ n, such as 2/8, got ${JSON.stringify(text)}.`);
    }
  });
});
