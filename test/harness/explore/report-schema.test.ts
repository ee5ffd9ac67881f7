// The JSON report's schema: the committed JSON Schema is what zod emits today, and the pieces a report is built from read right.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coordinates } from '../../../harness/explore/divergence.js';
import { emptyHistograms, log2Bucket, recordDifferences, sortedBuckets } from '../../../harness/explore/histogram.js';
import { parityReportJsonSchema } from '../../../harness/explore/report-schema.js';
import { REPO_ROOT } from '../../../harness/paths.js';

describe('parity report schema', () => {
  it('docs/parity-report.schema.json equals a fresh emission from the zod schema (run pnpm report:schema if not)', () => {
    const committed = readFileSync(path.join(REPO_ROOT, 'docs', 'parity-report.schema.json'), 'utf8');
    expect(committed).toBe(parityReportJsonSchema());
  });

  it('the schema pins schema_version 1', () => {
    const schema = JSON.parse(parityReportJsonSchema()) as { properties: { schema_version: { const: number } }; required: string[] };
    expect(schema.properties.schema_version.const).toBe(1);
    expect(schema.required).toContain('schema_version');
  });
});

describe('report pieces', () => {
  it('log2 buckets put 0 apart, then [2^k, 2^(k+1)), and sort numerically', () => {
    expect([0, 1, 3, 4, 0.25, 2 ** 40, Infinity].map(log2Bucket)).toEqual(['zero', '0', '1', '2', '-2', '40', 'inf']);
    expect(sortedBuckets(['3', 'inf', '-2', 'zero', '10'])).toEqual(['zero', '-2', '3', '10', 'inf']);
  });

  it('histograms count one entry per tensor of a case, by dtype and tensor kind', () => {
    const h = emptyHistograms();
    recordDifferences(h, 'float32', { output: { maxAbs: 1e-7, maxRel: 1e-7, maxUlps: 2 }, 'grad.input': { maxAbs: 0, maxRel: 0, maxUlps: 0 } });
    recordDifferences(h, 'float32', { output: { maxAbs: 1e-7, maxRel: 1e-7, maxUlps: 3 } });
    expect(h.float32.forward.ulps).toEqual({ '1': 2 });
    expect(h.float32.gradient.ulps).toEqual({ zero: 1 });
    expect(h.float64.forward.ulps).toEqual({});
  });

  it("locate()'s text reads back into (layer, direction, t, batch, unit)", () => {
    expect(coordinates('layer 1, reverse, unit 3, t=2, batch 0')).toEqual({
      where: 'layer 1, reverse, unit 3, t=2, batch 0',
      layer: 1,
      direction: 'reverse',
      t: 2,
      batch: 0,
      unit: 3,
    });
    expect(coordinates('layer 0, forward, batch 1, unit 2')).toMatchObject({ layer: 0, direction: 'forward', t: null, batch: 1, unit: 2 });
    expect(coordinates('layer 0, forward, unit 1, t=4, sorted batch 1')).toMatchObject({ t: 4, batch: 1, unit: 1 });
    expect(coordinates('grad.weight_ih_l0[2, 1]')).toMatchObject({ layer: null, direction: null, t: null, batch: null, unit: null });
  });
});
