// What the web UI tells about runs that are not fine, in a real browser: `vigil serve` watching files on a
// real sshd. A NaN loss is `diverged` with its NaN stretch drawn; a tqdm log whose counter restarts every
// epoch is drawn by the run's step; the log pane opens at its newest line; time ticks differ.

import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { writeConfig } from '../test/integration/helpers';
import { type Sshd, startSshd } from '../test/support/sshd';
import { type Served, startServe } from './serve';

const SHOTS = path.resolve('test-results/screenshots');

test.describe.configure({ mode: 'serial' });

let sshd: Sshd;
let served: Served;
let page: Page;
let dir: string;

const row = (name: string) => page.locator(`[role="option"][data-worker="${name}"]`);

/** A run whose loss turned NaN at step 122, now at step 652, written over the last 20 minutes. */
function nanRun(): string {
  const now = Date.now() / 1000;
  return Array.from({ length: 652 }, (_, i) => {
    const step = i + 1;
    const loss = step <= 121 ? (2 / (1 + step / 30)).toFixed(5) : 'NaN';
    return `{"epoch": ${Math.floor(i / 93)}, "step": ${step}, "loss": ${loss}, "time": ${(now - (652 - step) * 1.8).toFixed(3)}}\n`;
  }).join('');
}

/** tqdm's bar redrawn with \r, every epoch counting 1..100 again; a plain line between epochs. */
function tqdmEpoch(e: number): string {
  const states: string[] = [];
  for (let i = 10; i <= 100; i += 10) {
    const loss = (2 / (e + i / 100)).toFixed(4);
    states.push(`Epoch ${e}/40: ${i}%|##| ${i}/100 [00:10<00:20, 4.00it/s, loss=${loss}]`);
  }
  return `${states.join('\r')}\nsaved checkpoint epoch_${e}.pt\n`;
}

test.beforeAll(async ({ browser }) => {
  mkdirSync(SHOTS, { recursive: true });
  sshd = await startSshd();
  dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-truth-'));
  writeFileSync(path.join(dir, 'metrics.jsonl'), nanRun());
  writeFileSync(path.join(dir, 'train.log'), Array.from({ length: 30 }, (_, e) => tqdmEpoch(e + 1)).join(''));
  const cfg = writeConfig(sshd, [
    { name: 'NaNRun', dir, metrics: 'metrics.jsonl', totalEpochs: 10 },
    { name: 'TqdmRun', dir, metrics: 'train.log', totalEpochs: 40, stallAfter: '1h' },
  ]);
  served = await startServe(cfg);
  page = await browser.newPage();
  await page.goto(served.url);
});

test.afterAll(async () => {
  expect(await served?.stop(), 'vigil serve ends cleanly on SIGTERM').toBe(0);
  await sshd?.stop();
});

test('a NaN loss is diverged, first in the list, its sparkline marking the NaN stretch', async () => {
  await expect(row('NaNRun')).toContainText('diverged', { timeout: 20_000 });
  await expect(page.locator('[role="option"]').first()).toHaveAttribute('data-worker', 'NaNRun');
  await expect(row('NaNRun').locator('.loss')).toHaveText('NaN');
  // The sparkline's NaN mark reaches its right edge: the run is at step 652, not 121.
  const band = row('NaNRun').locator('.sparkline-nan rect').first();
  await expect(band).toBeVisible();
  const x = Number(await band.getAttribute('x'));
  const width = Number(await band.getAttribute('width'));
  expect(x).toBeLessThan(20);
  expect(x + width).toBeCloseTo(64, 0);
  await expect(row('NaNRun').getByRole('img')).toHaveAttribute('aria-label', /NaN at the end/);
  await page.screenshot({ path: path.join(SHOTS, 'diverged-list.png') });
});

test('the detail says since when, and the chart draws the NaN stretch up to the newest record', async () => {
  await row('NaNRun').click();
  await expect(page.locator('.detail .reason')).toContainText(
    /^loss is NaN since step 122 \(epoch 2, \d+ min ago\)/,
  );
  const chart = page.locator('figure.chart');
  await expect(chart.locator('.nan-band')).toHaveCount(1, { timeout: 10_000 });
  await expect(chart.locator('.chart-nan')).toHaveText('loss is NaN from step 122 to step 652');
  // The x axis reaches the newest record: its last tick is near 652, not 121.
  const tickTexts = (figure: ReturnType<Page['getByRole']>) =>
    figure.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
  await expect.poll(async () => (await tickTexts(chart)).length).toBeGreaterThan(2);
  expect(Math.max(...(await tickTexts(chart)).map(Number))).toBeGreaterThanOrEqual(600);
  await page.screenshot({ path: path.join(SHOTS, 'diverged-detail.png') });

  // On the time axis, ticks differ from one another.
  await page.getByRole('radio', { name: 'time' }).check();
  const byTime = page.getByRole('figure', { name: 'loss by time' });
  await expect(byTime).toBeVisible();
  await expect.poll(async () => (await tickTexts(byTime)).some((t) => t.includes(':'))).toBe(true);
  const times = await tickTexts(byTime);
  expect(times.length).toBeGreaterThanOrEqual(3);
  expect(new Set(times).size).toBe(times.length);
  await page.screenshot({ path: path.join(SHOTS, 'time-axis.png') });
  await page.getByRole('radio', { name: 'step' }).check();
  await page.getByRole('button', { name: /back/i }).click();
});

test('a tqdm log is drawn by the run step: one rising line, not epochs folded on each other', async () => {
  await expect(row('TqdmRun')).toContainText('running', { timeout: 20_000 });
  await expect(row('TqdmRun').locator('.epoch')).toHaveText('30 / 40');
  // The sparkline's points go left to right.
  const d = (await row('TqdmRun').locator('.sparkline path').first().getAttribute('d')) ?? '';
  const xs = [...d.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
  expect(xs.length).toBeGreaterThan(10);
  expect(xs.every((x, i) => i === 0 || x >= xs[i - 1]!)).toBe(true);
  await row('TqdmRun').click();
  await expect(page.locator('.detail > .facts')).toContainText('3,000');
  const path_ = page.locator('figure.chart').locator('.recharts-line path.recharts-curve').first();
  await expect(path_).toHaveAttribute('d', /M[\d.]+,[\d.]+L/, { timeout: 10_000 });
  const lineXs = [...((await path_.getAttribute('d')) ?? '').matchAll(/[ML]([\d.]+),/g)].map((m) =>
    Number(m[1]),
  );
  expect(lineXs.every((x, i) => i === 0 || x >= lineXs[i - 1]!)).toBe(true);
  const ticks = await page
    .locator('figure.chart')
    .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
    .allTextContents();
  expect(ticks.at(-1)).toMatch(/^3\d{3}$|^3k$/);
  await page.screenshot({ path: path.join(SHOTS, 'tqdm-detail.png') });
});

test('the log pane shows the metrics file as the log, opens at its newest line and follows it', async () => {
  const pane = page.locator('.log-tail');
  await expect(pane).not.toHaveText('No log lines yet.');
  await expect(pane).toContainText('saved checkpoint epoch_30.pt');
  const atBottom = () =>
    pane.evaluate(
      (el) => el.scrollHeight - el.scrollTop - el.clientHeight <= 2 && el.scrollHeight > el.clientHeight,
    );
  await expect.poll(atBottom).toBe(true);
  await pane.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'log-newest.png'), fullPage: true });
  // New lines arrive: it follows them.
  appendFileSync(path.join(dir, 'train.log'), tqdmEpoch(31));
  await expect(pane).toContainText('saved checkpoint epoch_31.pt', { timeout: 10_000 });
  await expect.poll(atBottom).toBe(true);
  // Scrolled up to read: more lines do not pull it away.
  await pane.evaluate((el) => {
    el.scrollTop = 0;
  });
  appendFileSync(path.join(dir, 'train.log'), tqdmEpoch(32));
  await expect(pane).toContainText('saved checkpoint epoch_32.pt', { timeout: 10_000 });
  expect(await pane.evaluate((el) => el.scrollTop)).toBe(0);
});

test('JSON times agree: progress is never later than the contact it came from', async () => {
  const api = served.url.replace('/?token=', '/api/status?token=');
  const status = (await (await page.request.get(api)).json()) as {
    workers: { lastProgressAt: string; lastContactAt: string }[];
  };
  for (const w of status.workers)
    expect(Date.parse(w.lastProgressAt)).toBeLessThanOrEqual(Date.parse(w.lastContactAt));
});
