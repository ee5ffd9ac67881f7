// Runs only the named API targets' cases against torch: a quick check that a changed arbitrary still agrees with torch before a whole campaign.
import { apiCase } from '../harness/api/api-case.js';
import { apiTargets } from '../harness/api/targets.js';
import { runCampaign } from '../harness/explore/campaign.js';
import { referenceInitRounding } from '../harness/parity/parity-case.js';
import { TorchBridge } from '../harness/worker/bridge.js';
import { setupPython } from '../harness/worker/python-setup.js';

/**
 * `tsx scripts/api-target-check.ts TARGET[,TARGET…] [RUNS] [SEED]`: a campaign of batches of those
 * targets' cases alone (32 per run), stopped at the first mismatch, which is shrunk and printed.
 */
async function main(argv: readonly string[]): Promise<number> {
  const [names, runs = '100', seed = '20261128'] = argv;
  if (names === undefined) {
    console.error('usage: tsx scripts/api-target-check.ts TARGET[,TARGET…] [RUNS] [SEED]');
    return 2;
  }
  await setupPython();
  const bridge = await TorchBridge.start();
  try {
    const all = apiTargets(referenceInitRounding(bridge.handshake));
    const wanted = names.split(',');
    const unknown = wanted.filter((n) => !all.some((t) => t.name === n));
    if (unknown.length > 0) throw new Error(`no API target ${unknown.join(', ')}; targets: ${all.map((t) => t.name).join(', ')}`);
    const report = await runCampaign({
      bridge,
      seed: Number(seed),
      numRuns: Number(runs),
      budgetMs: 600_000,
      shrinkBudgetMs: 30_000,
      minCases: 1,
      apiTargets: all,
      arbitrary: apiCase(all.filter((t) => wanted.includes(t.name))),
      supplement: null,
    });
    console.log(`${report.status}: ${report.casesExplored} cases`);
    for (const f of report.failures) console.log(JSON.stringify(f.case).slice(0, 600), '\n ', f.report.slice(0, 3).join('\n  '));
    for (const p of report.problems) console.log(p);
    return report.passed ? 0 : 1;
  } finally {
    await bridge.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
