// Soak: the engine alone in its own process for 30 min (--quick: 40 s) at a high rate — poll 200 ms (the
// shortest allowed), 4 workers each appending 20 JSONL records and 5 log lines a second — sampling its
// RSS and open file descriptors (/proc/self/fd) every second after a warm-up. RSS slope: least squares,
// in MB per hour; fd growth: last sample − first. Records held in memory grow with the data (they are
// the curves), so the note gives the records held too. No baseline.
// Prints `BENCH soak_rss_slope_mb_h <mb/h> MB/h` and `BENCH soak_fd_growth <n> fds`.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSshd } from '../test/support/sshd';
import {
  bench,
  jsonlRecord,
  note,
  QUICK,
  runEngineChild,
  slope,
  tempDir,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const DURATION_MS = QUICK ? 40_000 : 30 * 60_000;
const WARMUP_MS = QUICK ? 5_000 : 60_000;
const WORKERS = 4;

const sshd = await startSshd();
const dir = tempDir('soak');
const sshConfig = writeSshConfig(sshd, [{ name: 'remote', port: sshd.port }]);
const files = Array.from({ length: WORKERS }, (_, w) => {
  const wdir = path.join(dir, `w${w}`);
  mkdirSync(wdir);
  writeFileSync(path.join(wdir, 'metrics.jsonl'), '');
  writeFileSync(path.join(wdir, 'train.log'), '');
  writeFileSync(path.join(wdir, 'train.pid'), `${process.pid}\n`);
  return wdir;
});
const configPath = writeVigilConfig({
  sshConfig,
  hosts: { remote: {} },
  poll: '200ms',
  workers: files.map((wdir, w) => ({
    name: `w${w}`,
    host: 'remote',
    dir: wdir,
    metrics: 'metrics.jsonl',
    log: 'train.log',
    process: { pidFile: 'train.pid' },
  })),
});
process.env.BENCH_GC = '1';
let i = 0;
const writer = setInterval(() => {
  for (const wdir of files) {
    writeFileSync(path.join(wdir, 'metrics.jsonl'), jsonlRecord(i) + jsonlRecord(i + 1), { flag: 'a' });
    if (i % 8 === 0) writeFileSync(path.join(wdir, 'train.log'), `INFO step ${i} ok\n`, { flag: 'a' });
  }
  i += 2;
}, 100);
try {
  const r = await runEngineChild(configPath, {
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    sampleMs: 1000,
  });
  const s = r.samples;
  const rssSlope = slope(
    s.map((x) => x.t / 3600),
    s.map((x) => x.rss / 2 ** 20),
  );
  const fdGrowth = s.at(-1)!.fds - s[0]!.fds;
  note(
    `soak: ${(DURATION_MS / 60_000).toFixed(1)} min measured; RSS ${(s[0]!.rss / 2 ** 20).toFixed(0)} → ` +
      `${(s.at(-1)!.rss / 2 ** 20).toFixed(0)} MB, fds ${s[0]!.fds} → ${s.at(-1)!.fds} (max ${Math.max(...s.map((x) => x.fds))}), ` +
      `records held ${s[0]!.records} → ${s.at(-1)!.records}; CPU ${r.cpuPct.toFixed(1)} %`,
  );
  bench('soak_rss_slope_mb_h', rssSlope, 'MB/h');
  bench('soak_fd_growth', fdGrowth, 'fds');
} finally {
  clearInterval(writer);
  await sshd.stop();
}
