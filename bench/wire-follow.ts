// Bytes on the wire in follow mode, in real time: every SSH byte both ways (a counting TCP proxy in front
// of the real sshd) ÷ the bytes the trainers appended, over 10 min (--quick: 1 min) of four workers each
// appending 5 JSONL records of ~160 B a second — keepalives, the 10 s liveness ticks, vitals and the
// follower's frames all counted. Then an idle stretch (2 min; --quick: 30 s), nothing appended: the
// fixed cost of a followed host. Baseline in the same run, over the same appends, through a second
// proxy: one `ssh host tail -q -n 0 -F f1 f2 f3 f4` (the bytes, and nothing else, as they are written).
//   npx tsx bench/wire-follow.ts [--quick]
// Prints `BENCH wire_follow_bytes_per_appended_byte <r> B/B baseline=<tail -F r> ratio=<baseline/ours>`
// and `BENCH wire_follow_idle_bytes_per_s <B/s> B/s baseline=<tail -F B/s>`.

import { writeFileSync } from 'node:fs';
import { openFleet } from '../src/main/engine/fleet/open-fleet';
import { startSshd } from '../test/support/sshd';
import { startProxy } from '../test/support/tcp-proxy';
import {
  bench,
  followOverSsh,
  jsonlRecord,
  note,
  pidFileWorkers,
  QUICK,
  sleep,
  tempDir,
  until,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const ACTIVE_MS = QUICK ? 60_000 : 10 * 60_000;
const IDLE_MS = QUICK ? 30_000 : 2 * 60_000;
const RECORDS_PER_S = 5;
const WORKERS = 4;

const sshd = await startSshd();
const ours = await startProxy({ targetPort: sshd.port });
const theirs = await startProxy({ targetPort: sshd.port });
const wire = (p: { bytes(): { up: number; down: number } }) => {
  const b = p.bytes();
  return b.up + b.down;
};
try {
  const dir = tempDir('wire-follow');
  const { files, workers } = pidFileWorkers(dir, WORKERS, 'vigil', jsonlRecord(0));
  const sshConfig = writeSshConfig(sshd, [
    { name: 'vigil', port: ours.port },
    { name: 'base', port: theirs.port },
  ]);
  const configPath = writeVigilConfig({
    sshConfig,
    hosts: { vigil: process.env.BENCH_VITALS === '0' ? { vitals: false } : {} },
    workers,
  });
  const { fleet } = await openFleet({ configPath, dataDir: tempDir('wire-follow-data') });
  const host = fleet.hosts[0]!;
  fleet.start();
  const tail = followOverSsh(sshConfig, 'base', ['-q', '-n', '0', '-F', ...files]);
  await until(() => host.followStatus().mode === 'follow', 30_000, 'Vigil following');
  await sleep(3000); // the tail -F client started and watching; the first vitals read
  const records = () => fleet.snapshot().workers.reduce((n, w) => n + w.records, 0);

  let appended = 0;
  let n = 0;
  const ours0 = wire(ours);
  const up0 = ours.bytes().up;
  const probes0 = host.probesRun;
  const theirs0 = wire(theirs);
  const t0 = performance.now();
  while (performance.now() - t0 < ACTIVE_MS) {
    const started = performance.now();
    for (const f of files) {
      let chunk = '';
      for (let r = 0; r < RECORDS_PER_S; r++) chunk += jsonlRecord(++n);
      writeFileSync(f, chunk, { flag: 'a' });
      appended += Buffer.byteLength(chunk);
    }
    await sleep(Math.max(0, 1000 - (performance.now() - started)));
  }
  const expected = WORKERS * (1 + n / WORKERS);
  await until(() => records() >= expected, 30_000, 'Vigil caught up');
  const active = wire(ours) - ours0;
  const activeUp = ours.bytes().up - up0;
  const activeProbes = host.probesRun - probes0;
  const base = wire(theirs) - theirs0;

  const idle0 = wire(ours);
  const baseIdle0 = wire(theirs);
  const i0 = performance.now();
  const idleProbes0 = host.probesRun;
  await sleep(IDLE_MS);
  const idleProbes = host.probesRun - idleProbes0;
  const idleS = (performance.now() - i0) / 1000;
  const idle = (wire(ours) - idle0) / idleS;
  const baseIdle = (wire(theirs) - baseIdle0) / idleS;
  const mode = host.followStatus();
  await fleet.stop();
  await tail.stop();

  const ratio = active / appended;
  const baseRatio = base / appended;
  note(
    `wire-follow: ${(ACTIVE_MS / 1000).toFixed(0)} s, ${WORKERS} workers × ${RECORDS_PER_S} records/s, ${appended} B appended; ` +
      `Vigil ${active} B on the wire (${activeUp} B of it to the host; ${mode.mode}: ${mode.detail}; ${activeProbes} probes run), tail -F ${base} B (${tail.lines} lines of ${n}); ` +
      `idle ${idleS.toFixed(0)} s: Vigil ${idle.toFixed(0)} B/s (${idleProbes} probes run), tail -F ${baseIdle.toFixed(0)} B/s`,
  );
  bench('wire_follow_bytes_per_appended_byte', ratio, 'B/B', baseRatio, baseRatio / ratio);
  bench('wire_follow_idle_bytes_per_s', idle, 'B/s', baseIdle, baseIdle / Math.max(idle, 1e-9));
} finally {
  await ours.stop();
  await theirs.stop();
  await sshd.stop();
}
