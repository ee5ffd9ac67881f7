// The rounding-point tier: TS's float32 forward equals torch's forward redone at torch's rounding points, bit for bit.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RNN, type FloatArray, type RNNOptions } from '../../../src/index.js';
import type { ActivationKernel } from '../../../src/kernels.js';
import { validCase } from '../../../harness/explore/arbitraries.js';
import { roundingPointDifferences } from '../../../harness/parity/compare.js';
import {
  layoutOf,
  outcomeFromWire,
  referenceFactory,
  referenceInitRounding,
  roundingReferenceFromWire,
  runTs,
  toWireCase,
  type ParityCase,
  type RNNFactory,
} from '../../../harness/parity/parity-case.js';
import { roundingTierApplies } from '../../../harness/parity/rounding-tier.js';
import { ulpDistance } from '../../../harness/parity/ulp.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';

/** A forward that keeps S = P_hh + P_ih in float64 before the activation (one rounding point skipped). */
class SumKeptInFloat64 extends RNN {
  protected override activateStep(recurrent: FloatArray, projected: FloatArray, offset: number, length: number, activate: ActivationKernel): void {
    const sums = new Float64Array(length);
    for (let j = 0; j < length; j++) sums[j] = recurrent[j]! + projected[offset + j]!;
    activate(sums, 0, length);
    recurrent.set(sums);
  }
}

describe('rounding-point tier', () => {
  let bridge: TorchBridge;
  let cases: ParityCase[];
  beforeAll(async () => {
    bridge = await TorchBridge.start();
    const runs = Number(process.env.ROUNDING_TIER_RUNS ?? 300);
    cases = fc.sample(
      validCase().filter((c) => roundingTierApplies(c)),
      { numRuns: runs, seed: Number(process.env.FC_SEED ?? 20261128) },
    );
  });
  afterAll(async () => {
    await bridge.stop();
  });

  /** Compares every case's TS outcome with the worker's reference; returns the per-element ULP distances. */
  async function distances(factory: RNNFactory): Promise<{ ulps: number[]; referenced: number; failing: number }> {
    const results = await bridge.run(cases.map((c, i) => toWireCase(c, String(i), { roundingReference: true })));
    const ulps: number[] = [];
    let referenced = 0;
    let failing = 0;
    cases.forEach((c, i) => {
      const torch = outcomeFromWire(results[i]!);
      const reference = roundingReferenceFromWire(c, results[i]!);
      if (torch === null || torch.error !== null || reference === null) return;
      referenced++;
      const ts = runTs(c, factory);
      if (roundingPointDifferences(ts, reference, layoutOf(c)).length > 0) failing++;
      for (const [name, expected] of Object.entries(reference)) {
        const actual = ts.tensors[name]!;
        expected.data.forEach((e, k) => {
          const a = actual.data[k]!;
          ulps.push(
            a === e || (Number.isNaN(a) && Number.isNaN(e)) ? 0 : Number.isFinite(a) && Number.isFinite(e) ? ulpDistance(a, e, 'float32') : Infinity,
          );
        });
      }
    });
    return { ulps, referenced, failing };
  }

  it('the TS float32 forward equals the reference bit for bit on random float32 cases', async () => {
    const { ulps, referenced, failing } = await distances(referenceFactory(bridge.handshake));
    const histogram: Record<string, number> = {};
    for (const u of ulps)
      histogram[u === 0 ? '0 ULP' : u === 1 ? '1 ULP' : '> 1 ULP'] = (histogram[u === 0 ? '0 ULP' : u === 1 ? '1 ULP' : '> 1 ULP'] ?? 0) + 1;
    console.log(`rounding-point tier: ${referenced} cases, ${ulps.length} output and h_n elements:`, JSON.stringify(histogram));
    expect(referenced).toBeGreaterThan(cases.length / 2);
    expect(failing).toBe(0);
    expect(Math.max(...ulps)).toBe(0);
  });

  it('sees a forward that skips the rounding of the pre-activation, which the tolerances pass', async () => {
    const initRounding = referenceInitRounding(bridge.handshake);
    const { referenced, failing } = await distances((options: RNNOptions) => new SumKeptInFloat64({ ...options, initRounding }));
    console.log(`sum kept in float64: ${failing} of ${referenced} referenced cases fail the tier`);
    expect(failing).toBeGreaterThan(referenced / 10);
  });

  it('asks for no reference where the model does not apply: float64, or dropout active between layers', () => {
    const [c] = cases;
    expect(roundingTierApplies({ ...c!, dtype: 'float64' })).toBe(false);
    expect(roundingTierApplies({ ...c!, training: true, kwargs: { ...c!.kwargs, num_layers: 2, dropout: 0.5 } })).toBe(false);
  });
});
