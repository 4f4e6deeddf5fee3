import { defineConfig } from 'vitest/config';

// forks: a native crash kills one child process, not the whole run.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
