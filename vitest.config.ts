import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    // The full fault suite runs with `npm run chaos`; its fast subset (*.fast.test.ts) runs here.
    exclude: ['test/chaos/**/!(*.fast).test.ts', '**/node_modules/**'],
    // Integration tests start real sshd/rsync processes: give them room, keep the 2-core box calm.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/temp-root.ts', 'test/support/build-cli.ts'],
    maxWorkers: 2,
    reporters: ['default'],
  },
});
