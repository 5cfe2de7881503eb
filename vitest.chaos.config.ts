// `npm run chaos`: every fault-injection test (test/chaos), then the table. The fast subset
// (*.fast.test.ts) also runs in `npm test` through vitest.config.ts.

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    globalSetup: ['test/support/temp-root.ts', 'test/support/build-cli.ts', 'test/chaos/global-setup.ts'],
  },
});
