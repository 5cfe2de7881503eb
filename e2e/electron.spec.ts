// The real menubar app, driven by Playwright's Electron support — where the Electron binary exists.
// Build machines without it (its download is blocked) print why this is skipped.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { findElectronBinary } from '../scripts/start.mjs';
import { writeConfig } from '../test/integration/helpers';
import { type Sshd, startSshd } from '../test/support/sshd';
import { startTrainer, type Trainer } from '../test/support/trainer';

const binary = findElectronBinary();
if (!binary) console.log('e2e/electron.spec.ts skipped: Electron binary not installed');

test.describe('the Electron app', () => {
  test.skip(!binary, 'skipped: Electron binary not installed');

  let sshd: Sshd;
  let trainer: Trainer;

  test.beforeAll(async () => {
    sshd = await startSshd();
    trainer = await startTrainer({ format: 'jsonl', epochs: 1000, intervalMs: 300 });
  });
  test.afterAll(async () => {
    await trainer?.stop();
    await sshd?.stop();
  });

  test('shows the worker in a secure popover and the tray is alive', async () => {
    const config = writeConfig(sshd, [
      { name: 'I3D', dir: trainer.dir, metrics: 'metrics.jsonl', log: 'train.log' },
    ]);
    const app = await electron.launch({
      executablePath: binary!,
      args: ['.'],
      env: {
        ...process.env,
        VIGIL_CONFIG: config,
        VIGIL_DATA: mkdtempSync(path.join(os.tmpdir(), 'vigil-electron-')),
      },
    });
    try {
      // The popover opens from the tray; show it directly, as a click on the icon would.
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.show());
      const page = await app.firstWindow();
      await expect(page.locator('[role="option"][data-worker="I3D"]')).toContainText('running', {
        timeout: 30_000,
      });
      // Sandboxed, isolated, no Node: the page sees only the preload's narrow API.
      const seen = await page.evaluate(() => {
        const g = globalThis as { require?: unknown; process?: unknown; vigil?: unknown };
        return { require: typeof g.require, process: typeof g.process, vigil: typeof g.vigil };
      });
      expect(seen).toEqual({ require: 'undefined', process: 'undefined', vigil: 'object' });
      await page.screenshot({ path: path.resolve('test-results/screenshots/electron-list.png') });
    } finally {
      await app.close();
    }
  });
});
