// The float32 fast path against torch 2.13: float32 cases whose TS module runs with
// `accumulation: 'float32'` (Note [float32 fast path]), judged by harness/parity/compare.ts like any other.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validCase } from '../../harness/explore/arbitraries.js';
import { checkBatch } from '../../harness/explore/campaign.js';
import type { JudgedBy } from '../../harness/parity/compare.js';
import type { ParityCase } from '../../harness/parity/parity-case.js';
import { TorchBridge } from '../../harness/worker/bridge.js';

// Each run is one worker request of up to 8 cases; ACCUMULATION_PARITY_RUNS raises the number of
// runs, FC_SEED pins the fast-check seed.
const RUNS = Number(process.env.ACCUMULATION_PARITY_RUNS ?? 12);
const FC_SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

const tally = { cases: 0, withGrad: 0, largest: 0, judged: { budget: 0, shadow: 0, sensitivity: 0 } as Record<JudgedBy, number> };

/**
 * A valid case made float32 and run with float32 accumulation; one in two wide enough (H_in or H ≥ 64)
 * that sums are long. Backward runs too where drawn (its own kernels keep float64 accumulation).
 */
function fastPathCase(): fc.Arbitrary<ParityCase> {
  // nn.RNN cases only: `accumulation` is the RNN's option (src/accumulation.ts).
  const wide = validCase({ largeSizes: true, modules: { rnn: 1 } }).filter(
    (c) => Number(c.kwargs.input_size) >= 64 || Number(c.kwargs.hidden_size) >= 64,
  );
  return fc
    .oneof(validCase({ modules: { rnn: 1 } }), wide)
    .filter((c) => 'seed' in c.init)
    .map((c) => ({
      ...c,
      dtype: 'float32' as const,
      input: c.input.to('float32'),
      hx: c.hx?.to('float32') ?? null,
      grad: c.grad === null ? null : { output: c.grad.output?.to('float32') ?? null, hN: c.grad.hN?.to('float32') ?? null },
      accumulation: 'float32' as const,
    }));
}

let bridge: TorchBridge;
beforeAll(async () => {
  bridge = await TorchBridge.start();
});
afterAll(async () => {
  await bridge.stop();
  console.log(
    `float32 accumulation parity: ${tally.cases} cases, ${tally.withGrad} with backward (largest H_in or H ${tally.largest}); settled by budget ${tally.judged.budget}, ` +
      `float64 shadow ${tally.judged.shadow}, rounding sensitivity ${tally.judged.sensitivity}`,
  );
});

describe("accumulation: 'float32' vs torch 2.13", () => {
  it('float32-accumulating forwards pass the harness judges against real torch (MKL accumulates in float32 too)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fastPathCase(), { minLength: 1, maxLength: 8 }), async (cases) => {
        const { failures } = await checkBatch(bridge, cases, undefined, (c, torch, _comparison, how) => {
          if (torch.error !== null) return;
          tally.cases++;
          if (c.grad !== null) tally.withGrad++;
          tally.largest = Math.max(tally.largest, Number(c.kwargs.input_size), Number(c.kwargs.hidden_size));
          tally.judged[how]++;
        });
        expect(failures.flatMap((f) => f.report)).toEqual([]);
      }),
      { numRuns: RUNS, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) },
    );
    expect(tally.cases).toBeGreaterThan(0);
  });
});
