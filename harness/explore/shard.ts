// Shards: which part of a seed's case stream one CI machine explores, chosen by each case's content hash.
import type { CampaignCase } from '../api/api-case.js';
import { campaignCaseId } from '../golden/fixture.js';

/** Shard `index` of `count` (1 ≤ index ≤ count), as `--shard index/count` writes it. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Parses `i/n` with 1 ≤ i ≤ n.
 *
 * @throws Error naming what `--shard` takes, for a usage error.
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match === null ? Number.NaN : Number(match[1]);
  const count = match === null ? Number.NaN : Number(match[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || index < 1 || index > count) {
    throw new Error(`--shard takes i/n with 1 ≤ i ≤ n, such as 2/8, got ${JSON.stringify(text)}.`);
  }
  return { index, count };
}

/** `i/n`. */
export function shardName(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The shard a case belongs to: its {@link caseId} (a content hash) mod `count`, plus one.
 *
 * Note [sharding by content hash]: every shard draws the same fast-check stream from the same seed
 * and runs only the cases whose hash falls in its residue class. A case has one hash, so each case
 * of the stream is run by exactly one shard (disjoint and complete by construction), and the shards
 * of one seed together run the cases of the unsharded run with that seed and `--runs` (the corpus
 * examples included: each shard takes every example's run and skips the other shards' examples, so
 * the random stream after them is the same in every shard). A batch with none of a shard's cases
 * is skipped, not counted. Shrinking is not filtered: a shrunk case belongs to the failure being
 * shrunk, whatever its hash.
 */
export function shardOf(c: CampaignCase, count: number): number {
  return (Number.parseInt(campaignCaseId(c).slice(0, 12), 16) % count) + 1;
}

/** Whether `shard` runs case `c`; with no shard, every case runs. */
export function inShard(shard: Shard | null | undefined, c: CampaignCase): boolean {
  return shard === null || shard === undefined || shard.count === 1 || shardOf(c, shard.count) === shard.index;
}
