import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Engine helpers start real servers per file; two cores, so keep files few at a time.
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
