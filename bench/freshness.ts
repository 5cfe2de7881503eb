// Freshness: a line appended to a remote file → the record in the engine, p95, at Vigil's default settings
// (default poll, default keepalives), against the naive loop: a new `ssh host tail -c +N file` per poll at
// the same cadence (system ssh, the same ssh_config). Appends land at random moments (uniform over the
// poll period), to both files at once, so both loops see the same appends.
//   npx tsx bench/freshness.ts [--quick]        (200 samples; --quick: 8)
// Prints `BENCH freshness_p95_ms <ms> ms baseline=<ms> ratio=<baseline/ours>`.

import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openFleet } from '../src/main/engine/fleet/open-fleet';
import { startSshd } from '../test/support/sshd';
import {
  bench,
  jsonlRecord,
  note,
  percentile,
  QUICK,
  run,
  sleep,
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
  hosts: { remote: {} },
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

try {
  fleet.start();
  await until(() => monitor.records.count >= 1, 30_000, 'the first record');
  const lagOurs: number[] = [];
  const lagNaive: number[] = [];
  for (let i = 1; i <= SAMPLES; i++) {
    await sleep(Math.random() * pollMs);
    const line = jsonlRecord(i);
    appendFileSync(ours, line);
    appendFileSync(theirs, line);
    const t0 = performance.now();
    const [a, b] = await Promise.all([waitOurs(i + 1), waitNaive(i + 1)]);
    lagOurs.push(a - t0);
    lagNaive.push(b - t0);
  }
  const p95 = percentile(lagOurs, 95);
  const base = percentile(lagNaive, 95);
  note(
    `freshness: poll ${pollMs} ms, ${SAMPLES} samples; Vigil p50 ${percentile(lagOurs, 50).toFixed(0)} ms, ` +
      `naive p50 ${percentile(lagNaive, 50).toFixed(0)} ms`,
  );
  bench('freshness_p95_ms', p95, 'ms', base, base / p95);
} finally {
  stopNaive = true;
  await naive.catch(() => {});
  await fleet.stop();
  await sshd.stop();
}
