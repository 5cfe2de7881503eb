// Unreachable detection: the host freezes (every sshd session process and the listener SIGSTOPped, as an
// overloaded box that stops answering) → the worker shows `unreachable`. Vigil at its defaults (keepalive
// 10 s × 3); baseline: the OpenSSH client at its defaults (no ServerAliveInterval) running
// `while sleep 1; do echo; done` — time until it notices (exits). At its defaults it never does: the
// baseline is then the time we gave up, and the note says so.
//   npx tsx bench/unreachable.ts [--quick]
// --quick: keepalive 1 s × 3 for Vigil (the unit says so), the baseline still at OpenSSH's defaults,
// given up after 10 s (full: 180 s).
// Prints `BENCH unreachable_detect_s <s> s baseline=<s> ratio=<baseline/ours>`.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openFleet } from '../src/main/engine/fleet/open-fleet';
import { startSshd } from '../test/support/sshd';
import {
  bench,
  jsonlRecord,
  note,
  QUICK,
  sleep,
  tempDir,
  until,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const GIVE_UP_S = QUICK ? 10 : 180;
const sshd = await startSshd();
const dir = tempDir('unreach');
writeFileSync(path.join(dir, 'metrics.jsonl'), jsonlRecord(0));
const sshConfig = writeSshConfig(sshd, [{ name: 'remote', port: sshd.port }]);
const configPath = writeVigilConfig({
  sshConfig,
  hosts: { remote: QUICK ? { keepaliveInterval: '1s', keepaliveCount: 3 } : {} },
  workers: [{ name: 'w', host: 'remote', dir, metrics: 'metrics.jsonl' }],
});
const { fleet, config } = await openFleet({ configPath, dataDir: tempDir('unreach-data') });
const naive = spawn('ssh', ['-F', sshConfig, 'remote', 'while sleep 1; do echo; done'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
let naiveLines = 0;
naive.stdout.on('data', (d: Buffer) => (naiveLines += d.toString().split('\n').length - 1));
let naiveExitAt: number | null = null;
naive.once('exit', () => (naiveExitAt = performance.now()));
try {
  fleet.start();
  const status = () => fleet.snapshot().workers[0]!.status;
  await until(() => status() === 'running' && naiveLines >= 2, 30_000, 'both connected');
  await sleep(1500);
  sshd.freezeSessions();
  sshd.freezeListener();
  const t0 = performance.now();
  await until(() => status() === 'unreachable', 300_000, 'Vigil to say unreachable', 50);
  const ours = (performance.now() - t0) / 1000;
  const deadline = t0 + GIVE_UP_S * 1000;
  while (naiveExitAt === null && performance.now() < deadline) await sleep(100);
  const noticed = naiveExitAt !== null;
  const base = ((naiveExitAt ?? performance.now()) - t0) / 1000;
  const host = config.hosts.remote!;
  note(
    `unreachable: Vigil (keepalive ${host.keepaliveIntervalMs / 1000} s × ${host.keepaliveCountMax}) ${ours.toFixed(1)} s; ` +
      `ssh at its defaults ${noticed ? `noticed after ${base.toFixed(1)} s` : `had not noticed after ${base.toFixed(0)} s (gave up)`}`,
  );
  bench('unreachable_detect_s', ours, QUICK ? 's(quick:keepalive_1sx3)' : 's', base, base / ours);
} finally {
  naive.kill('SIGKILL');
  sshd.thawListener();
  sshd.thawSessions();
  await fleet.stop();
  await sshd.stop();
}
