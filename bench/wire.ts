// Bytes on the wire: every SSH byte both ways (counted by a TCP proxy in front of the real sshd) ÷ the
// bytes the trainers appended. Four workers, each appending RECORDS_PER_POLL JSONL records of ~160 B per
// poll; 600 polls = 10 min at the default 1 s poll, simulated (ticks driven back to back, so the few
// keepalives of a real 10 min are not in the count). Then idle polls (nothing appended) give the
// fixed cost of one poll. Baselines, through a second counting proxy: `scp` of the four whole files per
// poll, and `rsync` of them per poll (its local copies one poll behind, so it sends one poll's delta);
// measured on every SAMPLE-th poll and scaled (each is a fresh connection, so polls are independent).
//   npx tsx bench/wire.ts [--quick]          (600 polls; --quick: 40)
// Prints `BENCH wire_bytes_per_appended_byte <r> B/B baseline=<scp r> ratio=<scp/ours>`, the rsync
// baseline, and the fixed cost of a poll.

import { writeFileSync } from 'node:fs';
import { openFleet } from '../src/main/engine/fleet/open-fleet';
import { startSshd } from '../test/support/sshd';
import { startProxy } from '../test/support/tcp-proxy';
import {
  bench,
  jsonlRecord,
  note,
  pidFileWorkers,
  QUICK,
  run,
  sleep,
  tempDir,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const POLLS = QUICK ? 40 : 600;
const IDLE_POLLS = QUICK ? 10 : 100;
const SAMPLE = QUICK ? 8 : 10;
const RECORDS_PER_POLL = 5;
const WORKERS = 4;

const sshd = await startSshd();
const ours = await startProxy({ targetPort: sshd.port });
const theirs = await startProxy({ targetPort: sshd.port });
try {
  const dir = tempDir('wire');
  const { files, workers } = pidFileWorkers(dir, WORKERS, 'vigil', '');
  const sshConfig = writeSshConfig(sshd, [
    { name: 'vigil', port: ours.port },
    { name: 'base', port: theirs.port },
    { name: 'direct', port: sshd.port },
  ]);
  const configPath = writeVigilConfig({
    sshConfig,
    hosts: { vigil: {} },
    workers,
  });
  const { fleet } = await openFleet({ configPath, dataDir: tempDir('wire-data') });
  const host = fleet.hosts[0]!;
  const wire = (p: { bytes(): { up: number; down: number } }) => {
    const b = p.bytes();
    return b.up + b.down;
  };
  await host.tick(); // connect and the first (empty) look
  const setup = wire(ours);

  const scpDir = tempDir('wire-scp');
  const rsyncDir = tempDir('wire-rsync');
  const remote = (alias: string) => files.map((f) => `${alias}:${f}`);
  const rsync = (alias: string) =>
    run('rsync', ['-e', `ssh -F ${sshConfig}`, ...remote(alias), `${rsyncDir}/`]);
  let appended = 0;
  let record = 0;
  let scpBytes = 0;
  let rsyncBytes = 0;
  let samples = 0;
  const start = wire(ours);
  for (let p = 1; p <= POLLS; p++) {
    const sampled = p % SAMPLE === 0;
    if (sampled) await rsync('direct'); // bring rsync's copies to the previous poll, off the meter
    for (const f of files) {
      let chunk = '';
      for (let r = 0; r < RECORDS_PER_POLL; r++) chunk += jsonlRecord(record++);
      writeFileSync(f, chunk, { flag: 'a' });
      appended += Buffer.byteLength(chunk);
    }
    await host.tick();
    if (sampled) {
      samples++;
      let b0 = wire(theirs);
      await run('scp', ['-F', sshConfig, ...remote('base'), `${scpDir}/`]);
      scpBytes += wire(theirs) - b0;
      b0 = wire(theirs);
      await rsync('base');
      rsyncBytes += wire(theirs) - b0;
    }
  }
  const active = wire(ours) - start;
  const idleStart = wire(ours);
  for (let p = 0; p < IDLE_POLLS; p++) await host.tick();
  const idlePerPoll = (wire(ours) - idleStart) / IDLE_POLLS;
  await sleep(100);
  await fleet.stop();

  const ratio = active / appended;
  const scpRatio = (scpBytes * (POLLS / samples)) / appended;
  const rsyncRatio = (rsyncBytes * (POLLS / samples)) / appended;
  const perPoll = (active - appended) / POLLS;
  const marginal = (active - idlePerPoll * POLLS) / appended;
  const budget = 1.1 * appended + 2048 * POLLS;
  note(
    `wire: ${POLLS} polls, ${WORKERS} workers × ${RECORDS_PER_POLL} records/poll, ${appended} B appended ` +
      `(${(appended / POLLS).toFixed(0)} B/poll); Vigil ${active} B (+${setup} B to connect); ` +
      `overhead ${perPoll.toFixed(0)} B/poll above the appended bytes, an idle poll ${idlePerPoll.toFixed(0)} B, ` +
      `marginal ${marginal.toFixed(3)} B/B; target budget 1.1×appended + 2 KB/poll = ${budget.toFixed(0)} B: ` +
      `${active <= budget ? 'met' : 'MISSED'}; scp ${(scpBytes / samples).toFixed(0)} B/poll, ` +
      `rsync ${(rsyncBytes / samples).toFixed(0)} B/poll (${samples} sampled polls)`,
  );
  bench('wire_bytes_per_appended_byte', ratio, 'B/B', scpRatio, scpRatio / ratio);
  bench('wire_bytes_per_appended_byte_vs_rsync', ratio, 'B/B', rsyncRatio, rsyncRatio / ratio);
  bench('wire_overhead_per_poll_bytes', perPoll, 'B', null, null);
} finally {
  await ours.stop();
  await theirs.stop();
  await sshd.stop();
}
