// Soak: the engine alone in its own process for 30 min (--quick: 40 s) at a high rate — poll 200 ms (the
// shortest allowed), 4 workers each appending 20 JSONL records and 5 log lines a second — sampling its
// RSS and open file descriptors (/proc/self/fd) every second after a warm-up. RSS slope: least squares,
// in MB per hour, over the samples taken once every worker holds as many records as it may (RECORDS_HELD,
// reached after 500 s at 20 records a second; --quick lowers the bound to 400 so 40 s can show it); until
// then memory grows with the records by design, and the note gives that slope too. fd growth: last sample
// − first. No baseline.
// Prints `BENCH soak_rss_slope_mb_h <mb/h> MB/h` and `BENCH soak_fd_growth <n> fds`.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RECORDS_HELD } from '../src/main/engine/records/record-store';
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

// BENCH_SOAK_MIN: a longer full run, to tell a slow leak from the allocator settling.
const DURATION_MS = QUICK ? 40_000 : Number(process.env.BENCH_SOAK_MIN ?? 30) * 60_000;
const WARMUP_MS = QUICK ? 5_000 : 60_000;
const WORKERS = 4;
const RECORDS_PER_S = 20; // per worker
const HELD = QUICK ? 400 : RECORDS_HELD;
if (QUICK) process.env.BENCH_RECORDS_HELD = String(HELD);
// Seconds into the measurement when every worker holds HELD records, plus a margin for the last thinning.
const BOUNDED_FROM_S = HELD / RECORDS_PER_S - WARMUP_MS / 1000 + (QUICK ? 5 : 60);

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
  const slopeOf = (xs: typeof s, of: 'rss' | 'heap' = 'rss') =>
    slope(
      xs.map((x) => x.t / 3600),
      xs.map((x) => x[of] / 2 ** 20),
    );
  const bounded = s.filter((x) => x.t >= BOUNDED_FROM_S);
  const rssSlope = slopeOf(bounded);
  const fdGrowth = s.at(-1)!.fds - s[0]!.fds;
  note(
    `soak: ${(DURATION_MS / 60_000).toFixed(1)} min measured; RSS ${(s[0]!.rss / 2 ** 20).toFixed(0)} → ` +
      `${(s.at(-1)!.rss / 2 ** 20).toFixed(0)} MB, fds ${s[0]!.fds} → ${s.at(-1)!.fds} (max ${Math.max(...s.map((x) => x.fds))}), ` +
      `records read ${r.recordsAtStart} → ${r.recordsAtEnd}, at most ${HELD} held per worker; CPU ${r.cpuPct.toFixed(1)} %`,
  );
  note(
    `soak: RSS slope ${rssSlope.toFixed(1)} MB/h over the ${bounded.length} samples from ${BOUNDED_FROM_S.toFixed(0)} s ` +
      `(every worker at its bound; RSS ${(bounded[0]!.rss / 2 ** 20).toFixed(0)} → ${(bounded.at(-1)!.rss / 2 ** 20).toFixed(0)} MB); ` +
      `${slopeOf(s).toFixed(1)} MB/h over the whole run, while the records held still grew; ` +
      `JS heap after GC ${slopeOf(bounded, 'heap').toFixed(1)} MB/h at the bound (${(bounded[0]!.heap / 2 ** 20).toFixed(1)} → ${(bounded.at(-1)!.heap / 2 ** 20).toFixed(1)} MB)`,
  );
  // 20 s at the bound cannot tell a leak from the allocator's noise: quick mode says so in the unit.
  bench('soak_rss_slope_mb_h', rssSlope, QUICK ? 'MB/h(quick:20s_window,noise;full_run_decides)' : 'MB/h');
  bench('soak_fd_growth', fdGrowth, 'fds');
} finally {
  clearInterval(writer);
  await sshd.stop();
}
