// End-to-end tests in Debian's Chromium (never a downloaded browser): the web UI of `vigil serve`
// against a real sshd and fake trainers; the Electron app where its binary exists.

import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  timeout: 90_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/playwright',
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // As root in a container Chromium needs --no-sandbox; the rest keeps it off the (closed) network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    viewport: { width: 420, height: 720 },
  },
});
