// Shared vitest settings. Tests run real git and real servers, so timeouts are generous;
// forks isolate the worker threads and subprocesses each file starts. Under CI a JSON
// report per package lets .ci/run print one "N passed, N failed" line for the whole run.
import { defineConfig } from 'vitest/config';

/** @param {string[]} include */
export function gitfleetVitest(include = ['test/**/*.test.ts']) {
  return defineConfig({
    test: {
      include,
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
      reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
    },
  });
}
