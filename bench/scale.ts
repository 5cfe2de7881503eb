// Scale: 200 workers on 50 hosts (50 ssh_config aliases of one sshd, 4 workers each, every worker
// appending one JSONL record a second), watched at Vigil's defaults for 2 min (--quick: 30 s) after a
// warm-up. The engine runs alone in its own process (bench/engine-child.ts); the writer and sshd are
// outside it (on the same machine, so they compete for its cores as a real remote would not).
// Prints `BENCH scale_200_cpu_pct`, `scale_200_rss_mb` (peak), `scale_200_lag_p99_ms` (event loop), no baseline.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSshd } from '../test/support/sshd';
import {
  bench,
  jsonlRecord,
  note,
  QUICK,
  runEngineChild,
  tempDir,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const HOSTS = 50;
const PER_HOST = 4;
const DURATION_MS = QUICK ? 30_000 : 120_000;
const WARMUP_MS = QUICK ? 5_000 : 15_000;

// 50 connections arrive at once: let sshd take them all (its default MaxStartups drops some at random).
const sshd = await startSshd({ extraConfig: ['MaxStartups 200', 'MaxSessions 20'] });
const dir = tempDir('scale');
const aliases = Array.from({ length: HOSTS }, (_, h) => ({ name: `host${h}`, port: sshd.port }));
const sshConfig = writeSshConfig(sshd, aliases);
const files: string[] = [];
const workers = aliases.flatMap((a, h) =>
  Array.from({ length: PER_HOST }, (_, k) => {
    const wdir = path.join(dir, `h${h}w${k}`);
    mkdirSync(wdir);
    files.push(path.join(wdir, 'metrics.jsonl'));
    writeFileSync(files.at(-1)!, jsonlRecord(0));
    writeFileSync(path.join(wdir, 'train.pid'), `${process.pid}\n`);
    return {
      name: `h${h}w${k}`,
      host: a.name,
      dir: wdir,
      metrics: 'metrics.jsonl',
      process: { pidFile: 'train.pid' },
    };
  }),
);
const configPath = writeVigilConfig({
  sshConfig,
  hosts: Object.fromEntries(aliases.map((a) => [a.name, {}])),
  workers,
  poll: process.env.BENCH_POLL, // default: Vigil's; set to compare
});
// One record per worker per second (BENCH_RECORD_EVERY_S to compare other paces), spread evenly.
const EVERY_S = Number(process.env.BENCH_RECORD_EVERY_S ?? 1);
let i = 1;
let next = 0;
let owed = 0;
const writer = setInterval(() => {
  owed += files.length / 20 / EVERY_S;
  for (; owed >= 1; owed--) {
    writeFileSync(files[next]!, jsonlRecord(i), { flag: 'a' });
    next = (next + 1) % files.length;
    if (next === 0) i++;
  }
}, 50);
try {
  const r = await runEngineChild(configPath, {
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    sampleMs: 1000,
  });
  const rssMb = Math.max(...r.samples.map((s) => s.rss)) / 2 ** 20;
  note(
    `scale: ${r.workers} workers on ${HOSTS} hosts, ${r.running} running at the end, ${DURATION_MS / 1000} s measured; ` +
      `event-loop delay max ${r.lagMaxMs.toFixed(0)} ms; records read ${r.recordsAtEnd - r.recordsAtStart}; ` +
      `CPU user ${r.userPct.toFixed(1)} % + system ${r.systemPct.toFixed(1)} %; by thread ${JSON.stringify(r.threadsPct)}; main thread woke ${r.wakeupsPerS.toFixed(0)} times a second`,
  );
  bench('scale_200_cpu_pct', r.cpuPct, '%');
  bench('scale_200_rss_mb', rssMb, 'MB');
  bench('scale_200_lag_p99_ms', r.lagP99Ms, 'ms');
} finally {
  clearInterval(writer);
  await sshd.stop();
}
