// Chart paint: in Debian's Chromium, a click on a worker whose metrics file holds 1,000,000 records →
// its curve painted (the line's path drawn, then one more animation frame). `vigil serve` runs against a
// real sshd; the time is taken inside the page (performance.now() around the click). Baseline: a page of
// our own with the same LossChart component given 20,000 raw points (what a UI that sends every point
// would draw — and 50× fewer than the file holds), bundled here with esbuild and served locally.
// Median of REPS clicks each.
//   npx tsx bench/chart.ts [--quick]          (7 clicks; --quick: 3)
// Prints `BENCH chart_1m_paint_ms <ms> ms baseline=<ms> ratio=<baseline/ours>`.

import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { startServe } from '../e2e/serve';
import { startSshd } from '../test/support/sshd';
import { bench, note, percentile, QUICK, sleep, tempDir, writeSshConfig, writeVigilConfig } from './lib';

const N = 1_000_000;
const REPS = QUICK ? 3 : 7;
const here = path.dirname(fileURLToPath(import.meta.url));

async function writeBigFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  let buf = '';
  for (let i = 0; i < N; i++) {
    buf += `{"step": ${i}, "loss": ${(2 / (1 + i / 50_000) + Math.sin(i / 300) * 0.05).toFixed(5)}}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

/** Clicks `selector` and resolves with the ms until a curve is drawn and one more frame has passed. */
function clickToPaint(page: Page, selector: string): Promise<number> {
  // A string, not a function: tsx would slip its helpers into a function's source.
  return page.evaluate(`(async () => {
    const target = document.querySelector(${JSON.stringify(selector)});
    if (!target) throw new Error('nothing matches the selector');
    const drawn = () => [...document.querySelectorAll('.recharts-line path')].some((p) =>
      /M[\\d.]+,[\\d.]+L/.test(p.getAttribute('d') ?? ''));
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const t0 = performance.now();
    target.click();
    while (!drawn()) await frame();
    await frame();
    return performance.now() - t0;
  })()`) as Promise<number>;
}

const sshd = await startSshd();
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});
const dir = tempDir('chart');
try {
  // --- Vigil: vigil serve, a worker with 1M records ---
  await writeBigFile(path.join(dir, 'metrics.jsonl'));
  const sshConfig = writeSshConfig(sshd, [{ name: 'remote', port: sshd.port }]);
  const configPath = writeVigilConfig({
    sshConfig,
    hosts: { remote: {} },
    workers: [{ name: 'big', host: 'remote', dir, metrics: 'metrics.jsonl' }],
  });
  const served = await startServe(configPath);
  const ours: number[] = [];
  try {
    const statusUrl = served.url.replace('/?token=', '/api/status?token=');
    const t0 = Date.now();
    for (;;) {
      const s = (await (await fetch(statusUrl)).json()) as { workers: { records: number }[] };
      if ((s.workers[0]?.records ?? 0) >= N) break;
      if (Date.now() - t0 > 120_000) throw new Error('vigil serve did not read the 1M records in 120 s');
      await sleep(250);
    }
    note(`chart: vigil serve read ${N} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const page = await browser.newPage({ viewport: { width: 420, height: 720 } });
    await page.goto(served.url);
    const row = '[role="option"][data-worker="big"]';
    await page.waitForSelector(row);
    for (let r = 0; r < REPS; r++) {
      ours.push(await clickToPaint(page, row));
      await page.getByRole('button', { name: /back/i }).click();
      await page.waitForSelector(row);
      await sleep(200);
    }
    await page.close();
  } finally {
    await served.stop();
  }

  // --- Baseline: LossChart with 20,000 raw points ---
  const bundle = await build({
    entryPoints: [path.join(here, 'chart-baseline', 'main.tsx')],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]!.text;
  const css = readFileSync(path.join(here, '..', 'src', 'renderer', 'styles.css'), 'utf8');
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;
  writeFileSync(path.join(dir, 'index.html'), html);
  const server = createServer((req, res) => {
    const isJs = req.url?.startsWith('/app.js');
    res.setHeader('content-type', isJs ? 'text/javascript' : 'text/html');
    res.end(isJs ? js : html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const theirs: number[] = [];
  try {
    for (let r = 0; r < REPS; r++) {
      const page = await browser.newPage({ viewport: { width: 420, height: 720 } });
      await page.goto(`http://127.0.0.1:${port}/?n=20000`);
      await page.waitForSelector('#show');
      theirs.push(await clickToPaint(page, '#show'));
      await page.close();
    }
  } finally {
    server.close();
  }
  const p50 = percentile(ours, 50);
  const base = percentile(theirs, 50);
  note(
    `chart: Vigil clicks ${ours.map((v) => v.toFixed(0)).join(', ')} ms; raw 20k ${theirs.map((v) => v.toFixed(0)).join(', ')} ms`,
  );
  bench('chart_1m_paint_ms', p50, 'ms', base, base / p50);
} finally {
  await browser.close();
  await sshd.stop();
}
