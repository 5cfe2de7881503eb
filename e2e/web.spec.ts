// The web UI in a real browser: `vigil serve` watching four real trainers through a real sshd.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { writeConfig } from '../test/integration/helpers';
import { type Sshd, startSshd } from '../test/support/sshd';
import { startTrainer, type Trainer } from '../test/support/trainer';
import { type Served, startServe } from './serve';

const SHOTS = path.resolve('test-results/screenshots');
const NAMES = ['I3D', 'SlowFast', 'Transformer', 'MagVIT'];

test.describe.configure({ mode: 'serial' });

let sshd: Sshd;
let trainers: Trainer[] = [];
let served: Served;
let page: Page;

const row = (name: string) => page.locator(`[role="option"][data-worker="${name}"]`);
const epochOf = async (name: string) =>
  Number(((await row(name).locator('.epoch').textContent()) ?? '').split('/')[0]!.trim());

test.beforeAll(async ({ browser }) => {
  mkdirSync(SHOTS, { recursive: true });
  sshd = await startSshd();
  const formats = ['jsonl', 'csv', 'text', 'jsonl'] as const;
  trainers = await Promise.all(
    formats.map((format, i) => startTrainer({ format, epochs: 1000, intervalMs: 300, startLoss: 1 + i })),
  );
  const cfg = writeConfig(
    sshd,
    NAMES.map((name, i) => ({
      name,
      dir: trainers[i]!.dir,
      metrics: path.basename(trainers[i]!.metricsPath),
      log: 'train.log',
      process: { pidFile: 'train.pid' },
      totalEpochs: 1000,
      stallAfter: '4s',
    })),
  );
  served = await startServe(cfg);
  page = await browser.newPage();
  await page.goto(served.url);
});

test.afterAll(async () => {
  sshd?.thawListener();
  sshd?.thawSessions();
  await served?.stop(); // already stopped by the last test, unless it failed earlier
  await Promise.all(trainers.map((t) => t.stop()));
  await sshd?.stop();
});

test('four workers appear with rising epochs', async () => {
  for (const name of NAMES) await expect(row(name)).toContainText('running', { timeout: 20_000 });
  const first = await Promise.all(NAMES.map(epochOf));
  // Every worker's epoch rises, though not all on the same poll: the trainers write every 300 ms, as
  // often as the host is polled, and a record written at the moment its file is read shows a poll later.
  await expect
    .poll(async () => (await Promise.all(NAMES.map(epochOf))).filter((e, i) => e > first[i]!).length, {
      timeout: 10_000,
    })
    .toBe(NAMES.length);
  await expect(row('I3D').locator('.epoch')).toContainText('/ 1000');
  // The host's strip: this machine's own memory and the run's disk, read over SSH.
  const strip = page.getByRole('group', { name: `Host ${sshd.alias}` });
  await expect(strip.locator('.meter').first()).toContainText(/RAM.* GB free/, { timeout: 15_000 });
  await expect(strip).toContainText('disk');
  await page.screenshot({ path: path.join(SHOTS, 'list.png') });
});

test('a click on a worker shows its loss curve', async () => {
  await row('I3D').click();
  const chart = page.locator('figure.chart');
  await expect(chart.locator('.recharts-line path').first()).toHaveAttribute('d', /M[\d.]+,[\d.]+L/, {
    timeout: 10_000,
  });
  await expect(page.getByText('Latest values', { exact: false })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Resources' })).toContainText('RAM');
  await page.screenshot({ path: path.join(SHOTS, 'detail.png') });
  await page.getByRole('button', { name: /back/i }).click();
  await expect(row('SlowFast')).toBeVisible();
});

test('pausing a trainer shows it stalled and raises an in-page alert', async () => {
  trainers[1]!.pause();
  await expect(row('SlowFast')).toContainText('stalled', { timeout: 15_000 });
  await expect(page.getByRole('alert').filter({ hasText: 'SlowFast' })).toContainText('stalled');
  // Problems first.
  await expect(page.locator('[role="option"]').first()).toHaveAttribute('data-worker', 'SlowFast');
  await page.screenshot({ path: path.join(SHOTS, 'stalled.png') });
  trainers[1]!.resume();
  await expect(row('SlowFast')).toContainText('running', { timeout: 15_000 });
});

test('stopping the sshd processes shows every worker unreachable with its last values kept', async () => {
  const before = await epochOf('MagVIT');
  const loss = await row('MagVIT').locator('.loss').textContent();
  // The box stops answering: its session and its listener (so a reconnect cannot get through either).
  sshd.freezeListener();
  expect(sshd.freezeSessions().length).toBeGreaterThan(0);
  for (const name of NAMES) await expect(row(name)).toContainText('unreachable', { timeout: 15_000 });
  await expect(row('MagVIT')).toContainText('last known');
  expect(await epochOf('MagVIT')).toBeGreaterThanOrEqual(before);
  expect(await row('MagVIT').locator('.loss').textContent()).not.toBe('—');
  expect(loss).not.toBe('—');
  await expect(page.getByRole('alert').filter({ hasText: 'MagVIT' }).first()).toContainText('unreachable');
  // Stays unreachable while the box is frozen (no flapping back through a half-dead listener).
  await page.waitForTimeout(4000);
  for (const name of NAMES) await expect(row(name)).toContainText('unreachable');
  await page.screenshot({ path: path.join(SHOTS, 'unreachable.png') });
  sshd.thawListener();
  sshd.thawSessions();
  await expect(row('MagVIT')).toContainText('running', { timeout: 20_000 });
});

test('when vigil serve goes away the page says it is reconnecting, keeping the last values', async () => {
  expect(await served.stop(), 'vigil serve ends cleanly on SIGTERM').toBe(0);
  await expect(page.getByRole('status').filter({ hasText: 'reconnecting' })).toContainText(
    /Disconnected from Vigil — reconnecting \(try \d+( in \d+ s| now)\)/,
    { timeout: 10_000 },
  );
  await expect(row('I3D')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'reconnecting.png') });
});
