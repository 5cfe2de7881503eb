// Hosts in a real browser (Debian's Chromium): the list grouped by host with its strip of meters and
// warnings, a silent host's post-mortem, and the detail's resources with their last-hour chart, in
// light and dark. The page is the real App over the fake backend, bundled here with esbuild.

import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { serveFakePage } from './fake-page/serve-page';

const SHOTS = path.resolve('test-results/screenshots');
let fakePage: Awaited<ReturnType<typeof serveFakePage>> | undefined;
let url = '';

test.beforeAll(async () => {
  fakePage = await serveFakePage();
  url = fakePage.url;
});

test.afterAll(() => {
  fakePage?.close();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the list by host and the detail's resources (${scheme})`, async ({ browser }) => {
    const page: Page = await browser.newPage({ colorScheme: scheme, viewport: { width: 420, height: 900 } });
    await page.goto(url);
    const ec2 = page.getByRole('group', { name: 'Host ec2' });
    await expect(ec2.getByRole('option')).toHaveCount(3);
    await expect(ec2.getByTitle('RAM: 2.6 GB free of 64 GB')).toBeVisible();
    await expect(ec2.getByRole('list', { name: 'Warnings on ec2' })).toContainText('memory nearly exhausted');
    const box = page.getByRole('group', { name: 'Host gpu-box' });
    await expect(box).toContainText('memory exhaustion is the likely cause');
    // Bars have room: none is squeezed to nothing beside its words.
    const widths = await page
      .locator('.meter-bar')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(Math.min(...widths)).toBeGreaterThan(20);
    await page.evaluate(() => (window as unknown as { alertNow: () => void }).alertNow());
    await expect(page.getByRole('alert').first()).toContainText('ec2: memory nearly exhausted');
    await page.screenshot({ path: path.join(SHOTS, `hosts-list-${scheme}.png`), fullPage: true });

    await page.locator('[role="option"][data-worker="I3D"]').click();
    const chart = page.getByRole('figure', { name: 'RAM, GPU memory and CPU over the last hour' });
    await expect(chart.locator('.recharts-line path.recharts-curve')).toHaveCount(3);
    await chart.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0); // no tooltip left where the click was
    await page.screenshot({ path: path.join(SHOTS, `hosts-detail-${scheme}.png`), fullPage: true });
    await page.close();
  });
}
