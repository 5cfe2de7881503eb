// Compare and the wide layout in a real browser (Debian's Chromium): workers ticked in the list drawn
// on one chart with their validation curves dashed and a hover listing every line; in a 1280 px window
// the list beside the detail or the comparison; the 420 px popover unchanged. Light and dark.

import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { serveFakePage } from './fake-page/serve-page';

const SHOTS = path.resolve('test-results/screenshots');
let page_: Awaited<ReturnType<typeof serveFakePage>>;

test.beforeAll(async () => {
  page_ = await serveFakePage();
});
test.afterAll(() => page_?.close());

const curves = (page: Page) => page.locator('figure.chart .recharts-line path.recharts-curve');

/** Hovers the chart at a fraction of its width and returns the tooltip's lines. */
async function hover(page: Page, fraction: number): Promise<string[]> {
  const box = (await page.locator('figure.chart .recharts-surface').first().boundingBox())!;
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
  const items = page.locator('.recharts-tooltip-item');
  await expect(items.first()).toBeVisible();
  return items.allTextContents();
}

for (const scheme of ['light', 'dark'] as const) {
  test(`compare two workers in the popover (${scheme})`, async ({ browser }) => {
    const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 420, height: 900 } });
    await page.goto(page_.url);
    await page.getByRole('checkbox', { name: 'Compare I3D' }).check();
    await page.screenshot({ path: path.join(SHOTS, `list-420-${scheme}.png`), fullPage: true });
    await page.getByRole('checkbox', { name: 'Compare Transformer' }).check();
    await expect(page.getByRole('listbox')).toBeVisible(); // ticking did not open a row
    await page.getByRole('button', { name: 'Compare 2' }).click();
    await expect(page.getByRole('figure', { name: 'loss of 2 workers by step' })).toBeVisible();
    await expect(curves(page)).toHaveCount(8);
    await expect(page.locator('figure.chart path.recharts-curve[stroke-dasharray="5 4"]')).toHaveCount(4);
    // The hover names every line with its value at that x (smoothed lines only, not their raw twins).
    const items = await hover(page, 0.2); // where both runs have steps (Transformer is at step 6k)
    expect(items).toHaveLength(4);
    expect(items.join('\n')).toMatch(
      /I3D loss.*\n.*I3D val_loss.*\n.*Transformer train_loss.*\n.*Transformer val_loss/,
    );
    await page.screenshot({ path: path.join(SHOTS, `compare-420-${scheme}.png`), fullPage: true });
    // The x axis by time since each run's start.
    await page.getByRole('radio', { name: 'time since start' }).check();
    await expect(page.getByRole('figure', { name: 'loss of 2 workers by time since start' })).toBeVisible();
    // Both runs measured from their own start: their best losses hours into the run, not at a time of day.
    await expect(page.getByRole('list', { name: 'Legend' })).toContainText(
      /best [\d.]+ at \d h( \d+ min)? since start/,
    );
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(SHOTS, `compare-420-time-${scheme}.png`), fullPage: true });
    await page.getByRole('button', { name: 'Back to all workers' }).click();
    await expect(page.locator('[role="option"][data-worker]')).toHaveCount(4);
    await page.close();
  });

  test(`a wide window shows the list beside the detail and the comparison (${scheme})`, async ({
    browser,
  }) => {
    const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1280, height: 860 } });
    await page.goto(page_.url);
    await expect(page.getByText('Open a worker, or tick several and press Compare.')).toBeVisible();
    await page.locator('[role="option"][data-worker="I3D"]').click();
    const list = page.getByRole('listbox', { name: 'Workers' });
    const chart = page.getByRole('figure', { name: 'loss by step' });
    await expect(chart.locator('.recharts-line').first()).toBeVisible();
    const l = (await list.boundingBox())!;
    const c = (await chart.boundingBox())!;
    expect(l.x + l.width).toBeLessThanOrEqual(c.x); // side by side, not stacked
    expect(c.width).toBeGreaterThan(600); // the chart uses the width
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(SHOTS, `wide-detail-1280-${scheme}.png`) });
    await page.getByRole('button', { name: 'Compare all' }).click();
    await expect(page.getByRole('figure', { name: 'loss of 4 workers by step' })).toBeVisible();
    await expect(list).toBeVisible();
    await expect(curves(page)).toHaveCount(14); // 4 workers, 3 with a validation curve, raw and smoothed
    await hover(page, 0.5);
    await page.screenshot({ path: path.join(SHOTS, `compare-1280-${scheme}.png`) });
    await page.close();
  });
}
