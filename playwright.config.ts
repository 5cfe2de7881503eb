// End-to-end tests in Debian's Chromium (never a downloaded browser): the web UI of `vigil serve`
// against a real sshd and fake trainers; the Electron app where its binary exists.

import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  timeout: 90_000,
  workers: 1,
  // Temporary folders of the run under one, removed at the end (as in vitest).
  globalSetup: ['./test/support/temp-root.ts', './test/support/build-cli.ts'],
  reporter: [['list']],
  outputDir: 'test-results/playwright',
  use: {
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    viewport: { width: 420, height: 720 },
  },
});
