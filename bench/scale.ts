// Scale: 200 workers on 50 hosts (50 ssh_config aliases of one sshd, 4 workers each, every worker
// appending one JSONL record a second), watched at Vigil's defaults for 2 min (--quick: 30 s) after a
// warm-up. The engine runs alone in its own process (bench/engine-child.ts); the writer and sshd are
// outside it (on the same machine, so they compete for its cores as a real remote would not).
// Baseline, after Vigil's phase, same writer, same files, same warm-up and window: the naive way to
// follow them, one long-lived `ssh -F <ssh_config> hostN tail -q -n 0 -F f1 f2 f3 f4` per alias (50
// clients). Their CPU (utime + stime of the 50 local ssh processes, /proc/PID/stat) over the window as
// % of one core, their summed RSS (VmRSS, peak of 1 s samples; Pss too) and the lines they received (notes).
// The transport floor, last, same writer, files, warm-up and window: a bare Node process that only receives
// the same 50 `tail -F` streams over ssh2 (bench/ssh2-follow-child.ts), as the engine receives its
// followers' bytes. Its CPU is what hearing the appends costs any Node program before it does anything with
// them: the part of Vigil's figure that no change to Vigil's own code can remove.
// BENCH_FOLLOW=0 gives every host `follow: false` in Vigil's config (poll as before); unset: Vigil's default.
// Prints `BENCH scale_200_cpu_pct <%> % baseline=<tail -F %> ratio=<baseline/ours>`, `scale_200_rss_mb`
// (peak), `scale_200_lag_p99_ms` (event loop), the last two without a baseline, and
// `scale_200_transport_floor_pct <floor %> baseline=<tail -F %> ratio=<baseline/floor>`.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSshd } from '../test/support/sshd';
import {
  bench,
  followOverSsh,
  hostOptionsFromEnv,
  jsonlRecord,
  note,
  procCpuTicks,
  procPssBytes,
  procRssBytes,
  procRunNs,
  QUICK,
  runEngineChild,
  sleep,
  tempDir,
  until,
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
  hosts: Object.fromEntries(aliases.map((a) => [a.name, hostOptionsFromEnv()])),
  workers,
  poll: process.env.BENCH_POLL, // default: Vigil's; set to compare
});
// One record per worker per second (BENCH_RECORD_EVERY_S to compare other paces), spread evenly.
const EVERY_S = Number(process.env.BENCH_RECORD_EVERY_S ?? 1);
let i = 1;
let next = 0;
let owed = 0;
let written = 0;
const writer = setInterval(() => {
  owed += files.length / 20 / EVERY_S;
  for (; owed >= 1; owed--) {
    writeFileSync(files[next]!, jsonlRecord(i), { flag: 'a' });
    written++;
    next = (next + 1) % files.length;
    if (next === 0) i++;
  }
}, 50);

/** The baseline: one `tail -F` client per alias on its 4 files, measured like the engine (same warm-up, window). */
async function measureTailFollowers() {
  const followers = aliases.map((a, h) =>
    followOverSsh(sshConfig, a.name, [
      '-q',
      '-n',
      '0',
      '-F',
      ...files.slice(h * PER_HOST, (h + 1) * PER_HOST),
    ]),
  );
  const failed = () => followers.find((f) => f.exited !== null)?.exited;
  try {
    await sleep(WARMUP_MS);
    await until(
      () => !!failed() || followers.every((f) => f.lines > 0),
      60_000,
      'every tail -F client to receive',
    );
    if (failed()) throw new Error(`bench: ${failed()}`);
    const pids = followers.map((f) => f.pid);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const lines = () => sum(followers.map((f) => f.lines));
    const ticks0 = sum(pids.map(procCpuTicks));
    const ns0 = sum(pids.map(procRunNs));
    const lines0 = lines();
    const written0 = written;
    const t0 = performance.now();
    let peakRss = 0;
    let peakPss = 0;
    while (performance.now() - t0 < DURATION_MS) {
      if (failed()) throw new Error(`bench: ${failed()}`);
      peakRss = Math.max(peakRss, sum(pids.map(procRssBytes)));
      // RSS counts the ssh binary and libraries 50 times; Pss shares them out (a note, for fairness).
      peakPss = Math.max(peakPss, sum(pids.map(procPssBytes)));
      await sleep(1000);
    }
    const ticks = sum(pids.map(procCpuTicks)) - ticks0;
    const ns = sum(pids.map(procRunNs)) - ns0;
    const wall = performance.now() - t0;
    if (failed()) throw new Error(`bench: ${failed()}`);
    return {
      cpuPct: ((ticks * 10) / wall) * 100, // 100 ticks a second (USER_HZ)
      // A cross-check: 50 readings each rounded down to a tick are coarse for a short window.
      runPct: (ns / 1e6 / wall) * 100,
      rssMb: peakRss / 2 ** 20,
      pssMb: peakPss / 2 ** 20,
      lines: lines() - lines0,
      written: written - written0,
    };
  } finally {
    await Promise.all(followers.map((f) => f.stop()));
  }
}

/** The floor: one bare ssh2 receiver process for all 50 aliases, measured like the others. */
async function measureTransportFloor() {
  const filesJson = path.join(dir, 'followed.json');
  writeFileSync(
    filesJson,
    JSON.stringify(aliases.map((_, h) => files.slice(h * PER_HOST, (h + 1) * PER_HOST))),
  );
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'ssh2-follow-child.ts'),
      String(sshd.port),
      sshd.user,
      sshd.clientKeyPath,
      filesJson,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let lines = 0;
  let stderr = '';
  let exited: string | null = null;
  child.stdout.on('data', (b: Buffer) => {
    const last = /lines (\d+)\n$/.exec(b.toString());
    if (last) lines = Number(last[1]);
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-2000);
  });
  child.once('exit', (code, signal) => {
    exited = `the ssh2 receiver exited (${signal ?? code}): ${stderr.trim()}`;
  });
  const pid = child.pid!;
  try {
    await sleep(WARMUP_MS);
    await until(() => exited !== null || lines > 0, 60_000, 'the ssh2 receiver to receive');
    if (exited) throw new Error(`bench: ${exited}`);
    const ticks0 = procCpuTicks(pid);
    const lines0 = lines;
    const t0 = performance.now();
    await sleep(DURATION_MS);
    const wall = performance.now() - t0;
    if (exited) throw new Error(`bench: ${exited}`);
    return { cpuPct: (((procCpuTicks(pid) - ticks0) * 10) / wall) * 100, lines: lines - lines0 };
  } finally {
    child.kill();
  }
}

try {
  note(`scale: BENCH_FOLLOW=${process.env.BENCH_FOLLOW ?? "(unset: Vigil's default)"}`);
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
  const base = await measureTailFollowers();
  note(
    `scale baseline: ${HOSTS} \`ssh hostN tail -q -n 0 -F\` clients (4 files each), ${DURATION_MS / 1000} s measured: ` +
      `CPU ${base.cpuPct.toFixed(2)} % of one core (scheduler run time ${base.runPct.toFixed(2)} %), RSS ${base.rssMb.toFixed(1)} MB summed (peak; Pss ${base.pssMb.toFixed(1)} MB; Vigil ${rssMb.toFixed(1)} MB), ` +
      `${base.lines} lines received of ${base.written} appended in the window`,
  );
  const floor = await measureTransportFloor();
  note(
    `scale transport floor: one bare Node process receiving the same 50 \`tail -q -n 0 -F\` streams over ssh2, ${DURATION_MS / 1000} s measured: ` +
      `CPU ${floor.cpuPct.toFixed(2)} % of one core, ${floor.lines} lines received; Vigil above it: ${(r.cpuPct - floor.cpuPct).toFixed(2)} %`,
  );
  bench('scale_200_cpu_pct', r.cpuPct, '%', base.cpuPct, base.cpuPct / r.cpuPct);
  bench('scale_200_rss_mb', rssMb, 'MB');
  bench('scale_200_lag_p99_ms', r.lagP99Ms, 'ms');
  bench('scale_200_transport_floor_pct', floor.cpuPct, '%', base.cpuPct, base.cpuPct / floor.cpuPct);
} finally {
  clearInterval(writer);
  await sshd.stop();
}
