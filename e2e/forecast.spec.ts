// The forecast in a real browser: `vigil serve` watching files on a real sshd. A run at epoch 12 of 50
// says how long it has left; a run that slowed down says so beside "running"; a stalled one has no ETA;
// the summary line and the page title count them, worst first. Screenshots at 420 px, light and dark.

import { appendFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { writeConfig } from '../test/integration/helpers';
import { type Sshd, startSshd } from '../test/support/sshd';
import { type Served, startServe } from './serve';

const SHOTS = path.resolve('test-results/screenshots');
const MIN = 60_000;

test.describe.configure({ mode: 'serial' });

let sshd: Sshd;
let served: Served;
let page: Page;
let dir: string;
let keepGoing: ReturnType<typeof setInterval> | undefined;

const row = (p: Page, name: string) => p.locator(`[role="option"][data-worker="${name}"]`);
const line = (o: Record<string, number>) => `${JSON.stringify(o)}\n`;

test.beforeAll(async ({ browser }) => {
  mkdirSync(SHOTS, { recursive: true });
  sshd = await startSshd();
  dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-forecast-'));
  const now = Date.now();
  // ResNet: an epoch every 5 min, 12 of 50 done, the last one just now → 38 × 5 min = 3 h 10 min left.
  writeFileSync(
    path.join(dir, 'resnet.jsonl'),
    Array.from({ length: 12 }, (_, i) =>
      line({ epoch: i + 1, step: (i + 1) * 500, loss: 1 / (i + 2), time: (now - (11 - i) * 5 * MIN) / 1000 }),
    ).join(''),
  );
  // SlowFast: an hour at 10 steps per 10 s, then 20 min at 4: 2.5× slower than in the hour before.
  const slow: string[] = [];
  const t0 = now - 80 * MIN;
  let step = 0;
  for (let t = t0; t <= now; t += 10_000) {
    step += t < t0 + 60 * MIN ? 10 : 4;
    slow.push(line({ step, loss: 0.5, time: t / 1000 }));
  }
  writeFileSync(path.join(dir, 'slowfast.jsonl'), slow.join(''));
  keepGoing = setInterval(() => {
    step += 4;
    appendFileSync(path.join(dir, 'slowfast.jsonl'), line({ step, loss: 0.5, time: Date.now() / 1000 }));
  }, 5000);
  // Stuck: last wrote an hour ago.
  const stuck = path.join(dir, 'stuck.jsonl');
  writeFileSync(
    stuck,
    Array.from({ length: 5 }, (_, i) =>
      line({ epoch: i + 1, loss: 0.9, time: (now - 60 * MIN - (4 - i) * MIN) / 1000 }),
    ).join(''),
  );
  utimesSync(stuck, (now - 60 * MIN) / 1000, (now - 60 * MIN) / 1000);
  const cfg = writeConfig(sshd, [
    { name: 'ResNet', dir, metrics: 'resnet.jsonl', totalEpochs: 50 },
    { name: 'SlowFast', dir, metrics: 'slowfast.jsonl' },
    { name: 'Stuck', dir, metrics: 'stuck.jsonl', totalEpochs: 20, stallAfter: '10m' },
  ]);
  served = await startServe(cfg);
  page = await browser.newPage();
  await page.goto(served.url);
});

test.afterAll(async () => {
  if (keepGoing) clearInterval(keepGoing);
  expect(await served?.stop(), 'vigil serve ends cleanly on SIGTERM').toBe(0);
  await sshd?.stop();
});

test('a running row says the time left beside its epoch; a stalled one promises nothing', async () => {
  await expect(row(page, 'ResNet')).toContainText('running', { timeout: 30_000 });
  await expect(row(page, 'ResNet').locator('.epoch')).toHaveText('12 / 50');
  await expect(row(page, 'ResNet').locator('.eta')).toHaveText(/^3 h (9|10) min left$/);
  await expect(row(page, 'Stuck')).toContainText('stalled');
  await expect(row(page, 'Stuck').locator('.eta')).toHaveCount(0);
});

test('a run that slowed down is warned about beside "running", not turned red', async () => {
  await expect(row(page, 'SlowFast').locator('.row-slowdown')).toHaveText(
    /^⚠ 2\.[3-5]× slower than in the last hour$/,
    { timeout: 30_000 },
  );
  await expect(row(page, 'SlowFast')).toContainText('running');
});

test('the summary line and the page title count the fleet, worst first', async () => {
  await expect(page.locator('.summary-line')).toHaveText('1 stalled · 2 running · ⚠ 1 slower');
  await expect(page).toHaveTitle('Vigil — 1 stalled · 2 running');
  // The page asks for notifications only from a click: a button, no prompt.
  await expect(page.getByRole('button', { name: 'Notify me' })).toBeVisible();
});

test('the detail gives the finish time and the pace', async () => {
  await row(page, 'ResNet').click();
  await expect(page.locator('dl.facts').first()).toContainText(
    /Finish3 h (9|10) min left \((at|\w+) \d\d:\d\d( [AP]M)?\)/,
  );
  await expect(page.locator('dl.facts').first()).toContainText('1.7 steps/s · 5 min per epoch');
  await page.screenshot({ path: path.join(SHOTS, 'forecast-detail.png') });
  await page.keyboard.press('Escape');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`screenshot of the list with its forecast (${scheme}, 420 px)`, async ({ browser }) => {
    const p = await browser.newPage({ colorScheme: scheme, viewport: { width: 420, height: 720 } });
    await p.goto(served.url);
    await expect(row(p, 'ResNet').locator('.eta')).toBeVisible({ timeout: 30_000 });
    await expect(row(p, 'SlowFast').locator('.row-slowdown')).toBeVisible();
    await p.screenshot({ path: path.join(SHOTS, `forecast-list-${scheme}.png`) });
    await p.close();
  });
}
