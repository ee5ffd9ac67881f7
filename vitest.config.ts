// Four named suites: unit (no Python), golden (fixture replay, no Python), harness and property (live torch).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CI reads the JSON report to print its plain 'N passed, N failed' line (.ci/run).
    setupFiles: ['test/setup.ts'],
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.parity/vitest-report.json' }]] : ['default'],
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
