import { defineConfig } from 'vitest/config';

// forks: a native crash kills one child process, not the whole run.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The suite runs on the CPU addon even where a CUDA addon was built (build-cuda-addon/), so
    // results do not depend on the machine; test/backends.test.ts loads the CUDA addon in child
    // processes. RECFORGE_CUDA=1 npx vitest run runs everything on the CUDA addon instead.
    env: { RECFORGE_CUDA: process.env.RECFORGE_CUDA ?? '0' },
    hookTimeout: 60_000,
  },
});
