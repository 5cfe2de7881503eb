// Freshness: a line appended to a remote file → the record in the engine, p95, at Vigil's default settings
// (default poll, default keepalives), against two naive followers (system ssh, the same ssh_config):
//  - one long-lived `ssh remote tail -n 0 -F <file>` watching Vigil's own file: append → the line's
//    bytes on that client's stdout (the main baseline);
//  - a new `ssh host tail -c +N file` per poll at Vigil's poll cadence, on a second file.
// Appends land at random moments (uniform over the poll period), to both files at once, so all three
// see the same appends. BENCH_FOLLOW=0 gives the host `follow: false` in Vigil's config (poll as
// before); unset: Vigil's default.
//   npx tsx bench/freshness.ts [--quick]        (200 samples; --quick: 8)
// Prints `BENCH freshness_p95_ms <ms> ms baseline=<tail -F ms> ratio=<baseline/ours>` and
// `BENCH freshness_p95_ms_vs_tail_per_poll <ms> ms baseline=<ms> ratio=<baseline/ours>`.

import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openFleet } from '../src/main/engine/fleet/open-fleet';
import { startSshd } from '../test/support/sshd';
import {
  bench,
  followOverSsh,
  hostOptionsFromEnv,
  jsonlRecord,
  note,
  percentile,
  QUICK,
  run,
  sleep,
  tailFollowing,
  tempDir,
  until,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const SAMPLES = QUICK ? 8 : 200;
const sshd = await startSshd();
const dir = tempDir('fresh');
const ours = path.join(dir, 'metrics.jsonl');
const theirs = path.join(dir, 'naive.jsonl');
writeFileSync(ours, jsonlRecord(0));
writeFileSync(theirs, jsonlRecord(0));
const sshConfig = writeSshConfig(sshd, [{ name: 'remote', port: sshd.port }]);
const configPath = writeVigilConfig({
  sshConfig,
  hosts: { remote: hostOptionsFromEnv() },
  workers: [{ name: 'w', host: 'remote', dir, metrics: 'metrics.jsonl' }],
});
const { fleet, config } = await openFleet({ configPath, dataDir: tempDir('fresh-data') });
const pollMs = config.pollMs;
const monitor = fleet.worker('w')!;

// Vigil: resolved when the engine holds `n` records (checked after every tick, and every 2 ms).
const waitOurs = (n: number): Promise<number> =>
  new Promise((resolve) => {
    const check = () => {
      if (monitor.records.count < n) return;
      clearInterval(timer);
      off();
      resolve(performance.now());
    };
    const off = fleet.onSnapshot(check);
    const timer = setInterval(check, 2);
    check();
  });

// The naive loop: one fresh ssh per poll period, reading from the last offset.
let offset = Buffer.byteLength(jsonlRecord(0));
let seen = 1;
let stopNaive = false;
const naiveWaiters: { n: number; resolve: (t: number) => void }[] = [];
const naive = (async () => {
  while (!stopNaive) {
    const started = performance.now();
    const out = await run('ssh', ['-F', sshConfig, 'remote', `tail -c +${offset + 1} ${theirs}`]);
    const at = performance.now();
    offset += out.length;
    seen += out.toString().split('\n').length - 1;
    for (const w of naiveWaiters.splice(0)) {
      if (seen >= w.n) w.resolve(at);
      else naiveWaiters.push(w);
    }
    await sleep(Math.max(0, pollMs - (performance.now() - started)));
  }
})();
const waitNaive = (n: number) => new Promise<number>((resolve) => naiveWaiters.push({ n, resolve }));

// The naive follower: one `tail -n 0 -F` on Vigil's file; each line is known by its step (jsonlRecord).
const arrived = new Map<number, number>();
const followWaiters = new Map<number, (t: number) => void>();
const follower = followOverSsh(sshConfig, 'remote', ['-n', '0', '-F', ours], (line, at) => {
  const step = Number(/"step": (\d+)/.exec(line)?.[1]);
  arrived.set(step, at);
  followWaiters.get(step)?.(at);
  followWaiters.delete(step);
});
const waitFollow = (step: number) =>
  new Promise<number>((resolve) => {
    const at = arrived.get(step);
    if (at !== undefined) resolve(at);
    else followWaiters.set(step, resolve);
  });

try {
  note(`freshness: BENCH_FOLLOW=${process.env.BENCH_FOLLOW ?? "(unset: Vigil's default)"}`);
  fleet.start();
  await until(() => monitor.records.count >= 1, 30_000, 'the first record');
  // With -n 0 a line appended before tail has opened the file and set its inotify watch is never
  // shown: wait until it has both (the "remote" is this machine, so its /proc is ours to read).
  await until(() => follower.exited !== null || tailFollowing(ours), 30_000, 'tail -F to open the file');
  if (follower.exited !== null) throw new Error(`bench: ${follower.exited}`);
  const lagOurs: number[] = [];
  const lagNaive: number[] = [];
  const lagFollow: number[] = [];
  for (let i = 1; i <= SAMPLES; i++) {
    await sleep(Math.random() * pollMs);
    const line = jsonlRecord(i);
    appendFileSync(ours, line);
    appendFileSync(theirs, line);
    const t0 = performance.now();
    const [a, b, c] = await Promise.all([waitOurs(i + 1), waitNaive(i + 1), waitFollow(i)]);
    lagOurs.push(a - t0);
    lagNaive.push(b - t0);
    lagFollow.push(c - t0);
  }
  const p95 = percentile(lagOurs, 95);
  const base = percentile(lagNaive, 95);
  const follow = percentile(lagFollow, 95);
  note(
    `freshness: poll ${pollMs} ms, ${SAMPLES} samples; Vigil p50 ${percentile(lagOurs, 50).toFixed(0)} ms, ` +
      `tail -F p50 ${percentile(lagFollow, 50).toFixed(1)} ms (${follower.lines} lines received), ` +
      `tail per poll p50 ${percentile(lagNaive, 50).toFixed(0)} ms`,
  );
  bench('freshness_p95_ms', p95, 'ms', follow, follow / p95);
  bench('freshness_p95_ms_vs_tail_per_poll', p95, 'ms', base, base / p95);
} finally {
  await follower.stop();
  stopNaive = true;
  await naive.catch(() => {});
  await fleet.stop();
  await sshd.stop();
}
