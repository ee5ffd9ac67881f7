// Four named suites: unit (no Python), golden (fixture replay, no Python), harness and property (live torch).
import { defineConfig } from 'vitest/config';

type ReporterEntry = string | [string, Record<string, unknown>];

/**
 * vitest's default reporter always (people read it), and in CI also: the JSON report .ci/run reads
 * for its 'N passed, N failed' line, JUnit XML for CI systems that show test results, and on GitHub
 * Actions the annotations that put a failing test on its line of the diff. Listing reporters
 * replaces vitest's defaults, so each one wanted is named here.
 */
export function reportersFor(env: NodeJS.ProcessEnv): ReporterEntry[] {
  if (!env.CI) return ['default'];
  const reporters: ReporterEntry[] = [
    'default',
    ['json', { outputFile: '.parity/vitest-report.json' }],
    ['junit', { outputFile: '.parity/junit.xml' }],
  ];
  if (env.GITHUB_ACTIONS === 'true') reporters.push('github-actions');
  return reporters;
}

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    reporters: reportersFor(process.env),
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'golden', include: ['test/golden/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'harness', include: ['test/harness/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        // What we ship: the packed tarball in consumer projects, and the built library in Chromium.
        extends: true,
        test: {
          name: 'dist',
          include: ['test/dist/**/*.test.ts'],
          globalSetup: ['test/dist/build.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
      {
        extends: true,
        test: { name: 'property', include: ['test/property/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 120_000 },
      },
    ],
  },
});
