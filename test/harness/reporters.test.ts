// Test reporters: people keep vitest's default output; CI adds the JSON .ci/run reads, JUnit, and GitHub annotations.
import { describe, expect, it } from 'vitest';
import { reportersFor } from '../../vitest.config.js';

describe('vitest reporters', () => {
  it('are just the default reporter outside CI', () => {
    expect(reportersFor({})).toEqual(['default']);
  });

  it('in CI keep the default reporter and add the JSON report .ci/run reads and JUnit', () => {
    expect(reportersFor({ CI: 'true' })).toEqual([
      'default',
      ['json', { outputFile: '.parity/vitest-report.json' }],
      ['junit', { outputFile: '.parity/junit.xml' }],
    ]);
  });

  it('on GitHub Actions also annotate failures', () => {
    expect(reportersFor({ CI: 'true', GITHUB_ACTIONS: 'true' })).toContain('github-actions');
  });
});
