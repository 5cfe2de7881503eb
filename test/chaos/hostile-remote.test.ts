// Hostile remote input (issue 17): file names that try to forge the probe's answer, named pipes where
// files should be, and a host with a thousand workers. Each through the real sshd, beside workers that
// must stay right; each a row of the chaos table.

import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import { freshDataDir, until, writeConfig } from '../integration/helpers';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer } from '../support/trainer';
import { FAULTY, HEALTHY, rec, recs, remoteDir, withScene, worker } from './files-support';
import { recordPass, rssMb } from './table';

/** Server processes blocked opening a named pipe (an sftp-server waiting there for a writer). */
function blockedOnPipes(): number {
  return execFileSync('ps', ['-eo', 'wchan:32,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('wait_for_partner')).length;
}

describe('hostile remote input', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('file names that forge probe lines: no false all-clear, no dead process shown running', async () => {
    const rss0 = rssMb();
    const old = remoteDir('vigil-chaos-old-');
    writeFileSync(path.join(old, 'metrics.jsonl'), recs(1, 5));
    writeFileSync(path.join(old, 'train.pid'), '999999\n'); // no such process
    const threeHoursAgo = Date.now() / 1000 - 3 * 3600;
    utimesSync(path.join(old, 'metrics.jsonl'), threeHoursAgo, threeHoursAgo);
    const glob = remoteDir('vigil-chaos-forge-');
    const names = ['m_a.jsonl', 'm_b\nC 1.jsonl', 'm_b\nP 0 run 1.jsonl', 'm_c\nS 1 2 4102444800 x.jsonl'];
    for (const [i, n] of names.entries()) writeFileSync(path.join(glob, n), rec(i + 1));
    const configPath = writeConfig(
      sshd,
      [
        { name: 'Old', dir: old, metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' } },
        { name: 'Forger', dir: glob, metrics: 'm_*' },
      ],
      { poll: '250ms' },
    );
    const { fleet } = await openFleet({ configPath, dataDir: freshDataDir() });
    fleet.start();
    try {
      const t0 = Date.now();
      const forger = await until(
        () => worker(fleet, 'Forger'),
        (w) => w.records === names.length,
        20_000,
        'the forger read',
      );
      const detect = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 1000)); // a few more polls with the hostile names there
      const w = worker(fleet, 'Old');
      expect(w.status).not.toBe('running');
      expect(w.reason).not.toMatch(/just now/);
      const progressAt = Date.parse(w.lastProgressAt!);
      expect(Math.abs(progressAt - threeHoursAgo * 1000)).toBeLessThan(5000);
      expect(fleet.worker('Old')!.process).toBe('exited'); // a dead pid is not "running"
      expect(fleet.worker('Old')!.processDetail).toBe('pid 999999');
      const mirrors = execFileSync('ls', ['-b', forger.mirror!], { encoding: 'utf8' });
      recordPass({
        fault: 'file names that forge probe lines (newline + "C 1", "P 0 run 1", "S …")',
        expected:
          'names are data, never records: a 3 h old worker stays stale, a dead pid stays dead; the hostile files read',
        observed: `Old: ${w.status} ("${w.reason}"), progress ${((Date.now() - progressAt) / 3600e3).toFixed(2)} h ago, process ${fleet.worker('Old')!.processDetail}; Forger: ${forger.records}/${names.length} records, mirrors ${mirrors.trim().split('\n').join(' ')}`,
        detectionMs: detect,
        recordsLost: names.length - forger.records,
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    } finally {
      await fleet.stop();
    }
  });

  it('a named pipe as trainer_state.json: named as such, the worker beside it unharmed, no process left', async () => {
    const rss0 = rssMb();
    const before = blockedOnPipes();
    const dir = remoteDir('vigil-chaos-fifo-');
    const fifo = path.join(dir, 'trainer_state.json');
    execFileSync('mkfifo', [fifo]);
    await withScene(sshd, { metrics: 'trainer_state.json', dir }, {}, async (s) => {
      const detect = await s.waitFor((w) => w.status === 'error', 'the pipe named');
      expect(s.faulty().reason).toContain(`${fifo} is a named pipe, not a file`);
      await s.checkHealthy(); // records caught up exactly, mirror byte-exact
      await new Promise((r) => setTimeout(r, 3000)); // ten polls more: nothing piles up
      expect(blockedOnPipes()).toBe(before);
      const h = worker(s.fleet, HEALTHY);
      recordPass({
        fault: 'named pipe as trainer_state.json (beside a healthy worker)',
        expected:
          'never opened: "X is a named pipe, not a file"; the healthy worker on the host read on time; no server process blocked on the pipe, during or after',
        observed: `"${s.faulty().reason}"; ${HEALTHY} ${h.status} with ${h.records} records; processes blocked on a pipe: ${blockedOnPipes() - before}`,
        detectionMs: detect,
        recordsLost: 0,
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    });
    expect(blockedOnPipes()).toBe(before);
  });

  it('a named pipe as pidFile: every poll answers at once, the other workers are read', async () => {
    const rss0 = rssMb();
    const dir = remoteDir('vigil-chaos-pidfifo-');
    writeFileSync(path.join(dir, 'metrics.jsonl'), recs(1, 3));
    execFileSync('mkfifo', [path.join(dir, 'train.pid')]);
    await withScene(
      sshd,
      { metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' }, dir },
      {},
      async (s) => {
        const detect = await s.waitFor((w) => w.records === 3, 'the worker with the pipe read');
        await until(
          () => s.fleet.worker(FAULTY)!.processDetail,
          (d) => d?.includes('is a named pipe') === true,
          10_000,
          'the pid pipe named',
        );
        await s.checkHealthy();
        const probeMs = s.fleet.hosts[0]!.connection;
        expect(probeMs).toBe('ok'); // probes answer in time (a pipe read would take 20 s each)
        recordPass({
          fault: 'named pipe as pidFile',
          expected:
            'the probe never reads it (each poll answers at once): process "unknown" with the reason; metrics and the other workers read',
          observed: `process ${s.fleet.worker(FAULTY)!.process} ("${s.fleet.worker(FAULTY)!.processDetail}"); ${s.faulty().records} records; host connection ${probeMs}`,
          detectionMs: detect,
          recordsLost: 0,
          recordsDuplicated: 0,
          rssBeforeMb: rss0,
        });
      },
    );
  });

  it('worker names that once shared a mirror folder (exp/1, exp_1, "exp:1 "): one folder each, the old one kept', async () => {
    const rss0 = rssMb();
    const names = ['exp/1', 'exp_1', 'exp:1 '];
    const trainers = await Promise.all(
      names.map(() => startTrainer({ format: 'jsonl', epochs: 100_000, intervalMs: 100 })),
    );
    const dataDir = freshDataDir();
    const spec = (i: number) => ({ name: names[i]!, dir: trainers[i]!.dir, metrics: 'metrics.jsonl' });
    try {
      for (const t of trainers) chmodSync(t.dir, 0o755);
      // Before: a data folder where exp_1 was already watched alone.
      const before = await openFleet({ configPath: writeConfig(sshd, [spec(1)]), dataDir });
      const first = await before.fleet.runOnce(30_000);
      const kept = first.workers[0]!.records;
      expect(kept).toBeGreaterThan(0);
      // Now all three: exp_1 finds its mirror where it was (its records show before any contact).
      const { fleet } = await openFleet({
        configPath: writeConfig(
          sshd,
          names.map((_, i) => spec(i)),
          { poll: '250ms' },
        ),
        dataDir,
      });
      const restored = worker(fleet, 'exp_1').records;
      expect(restored).toBe(kept);
      expect(worker(fleet, 'exp_1').mirror).toBe(path.join(dataDir, 'mirror', 'exp_1', 'metrics.jsonl'));
      fleet.start();
      try {
        await until(
          () => names.map((n) => worker(fleet, n).records),
          (r) => r.every((n) => n >= 5),
          20_000,
          'all read',
        );
        for (const t of trainers) t.pause();
        const held = await until(
          () => names.map((n) => worker(fleet, n)),
          (ws) => ws.every((w, i) => w.records === trainers[i]!.records()),
          10_000,
          'caught up',
        );
        const mirrors = held.map((w) => w.mirror!);
        expect(new Set(mirrors.map((m) => path.dirname(m).toLowerCase())).size).toBe(3);
        for (const [i, m] of mirrors.entries())
          expect(readFileSync(m).equals(readFileSync(trainers[i]!.metricsPath))).toBe(true);
        recordPass({
          fault: 'worker names that map to one folder by the old rule: exp/1, exp_1, "exp:1 "',
          expected:
            'one mirror folder each (case-insensitively distinct); the safe, unique exp_1 keeps its existing folder (no re-read); each mirror = its own remote file',
          observed: `folders ${mirrors.map((m) => path.basename(path.dirname(m))).join(', ')}; exp_1 restored ${restored} records before contact; 3/3 mirrors byte-equal to their remote files (${held.map((w) => w.records).join('/')} records)`,
          recordsLost: 0,
          recordsDuplicated: 0,
          rssBeforeMb: rss0,
        });
      } finally {
        await fleet.stop();
      }
    } finally {
      await Promise.all(trainers.map((t) => t.stop()));
    }
  });

  it('a CSV whose header changes mid-file: the new header adopted, with a note; no frozen epoch', async () => {
    const rss0 = rssMb();
    await withScene(
      sshd,
      { metrics: 'metrics.csv' },
      { initial: 'epoch,loss\n1,0.9\n2,0.8\n' },
      async (s) => {
        await s.waitFor((w) => w.records === 2, '2 rows');
        const t0 = Date.now();
        appendFileSync(s.file, 'epoch,loss,val_loss\n3,0.7,0.75\n4,0.6,0.65\n');
        const detect = await s.waitFor((w) => w.epoch === 4, 'rows after the new header');
        const w = s.faulty();
        expect(w.records).toBe(4);
        expect(w.metrics).toMatchObject({ loss: 0.6, val_loss: 0.65 });
        expect(w.reason).toMatch(
          /the header changed at line 4 \(now "epoch,loss,val_loss"\): later rows read by it/,
        );
        await s.checkHealthy();
        recordPass({
          fault: 'CSV header changed mid-file (a column added)',
          expected:
            'the new header adopted with a note; the rows after it read (not skipped under a running status with a frozen epoch)',
          observed: `${w.records} records, epoch ${w.epoch}, val_loss ${w.metrics.val_loss}; "${w.reason}" (${Date.now() - t0} ms)`,
          detectionMs: detect,
          recordsLost: 0,
          recordsDuplicated: 0,
          rssBeforeMb: rss0,
        });
      },
    );
  });

  it('a same-size rewrite in place: noticed (last bytes compared), read again from the start', async () => {
    const rss0 = rssMb();
    await withScene(sshd, { metrics: 'metrics.jsonl' }, { initial: recs(1, 6) }, async (s) => {
      await s.waitFor((w) => w.records === 6, '6 records');
      await new Promise((r) => setTimeout(r, 1100)); // a later mtime second
      // The same records in reverse order: the same size, other bytes at the end.
      const rewritten = recs(1, 6).trimEnd().split('\n').reverse().join('\n') + '\n';
      expect(rewritten.length).toBe(recs(1, 6).length);
      const fd = openSync(s.file, 'r+');
      writeSync(fd, rewritten, 0);
      closeSync(fd);
      const detect = await s.waitFor((w) => w.epoch === 1 && w.records === 6, 'the rewritten file read');
      const w = s.faulty();
      expect(w.records).toBe(6);
      expect(w.reason).toMatch(/the file was rewritten: read again from the start/);
      expect(readFileSync(w.mirror!, 'utf8')).toBe(rewritten);
      await s.checkHealthy();
      recordPass({
        fault: 'metrics file rewritten in place at the same size',
        expected:
          'noticed by its last bytes (mtime moved, size and inode did not): read again from the start, the old mirror kept',
        observed: `"${w.reason}"; ${w.records} records, newest epoch ${w.epoch} (the rewrite's); mirror = remote`,
        detectionMs: detect,
        recordsLost: 0,
        recordsDuplicated: w.records - 6,
        rssBeforeMb: rss0,
      });
    });
  });

  it('1,000 workers on one host (a probe far over the 128 KiB argument limit): every worker read', async () => {
    const rss0 = rssMb();
    const root = remoteDir('vigil-chaos-many-');
    const workers = [];
    for (let i = 0; i < 1000; i++) {
      // ~70-character remote paths, as in the report: metrics and log for each.
      const dir = path.join(root, `experiment-${String(i).padStart(4, '0')}-lr0.0003-bs256-seed17`);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'metrics.jsonl'), recs(1, 2));
      writeFileSync(path.join(dir, 'train.log'), 'epoch 1 loss 0.5\n');
      workers.push({ name: `w${i}`, dir, metrics: 'metrics.jsonl', log: 'train.log' });
    }
    const configPath = writeConfig(sshd, workers, { poll: '1s' });
    const t0 = Date.now();
    const { fleet } = await openFleet({ configPath, dataDir: freshDataDir() });
    try {
      const snap = await fleet.runOnce(120_000);
      const ms = Date.now() - t0;
      const read = snap.workers.filter((w) => w.records === 2).length;
      const errors = snap.workers.filter((w) => w.status === 'error');
      expect(errors.map((w) => w.reason).slice(0, 3)).toEqual([]);
      expect(read).toBe(1000);
      const host = fleet.hosts[0]!;
      const scriptBytes = Buffer.byteLength(
        (host as unknown as { lastProbe: { script: string } }).lastProbe.script,
      );
      expect(scriptBytes).toBeGreaterThan(131_072);
      recordPass({
        fault: '1,000 workers on one host (metrics + log, ~70-character paths)',
        expected:
          "the probe script goes through the shell's stdin (not one `sh -c` argument): every worker read",
        observed: `probe script ${(scriptBytes / 1024).toFixed(0)} KiB; ${read}/1000 workers read, 0 errors, in ${(ms / 1000).toFixed(1)} s (first connect and catch-up)`,
        detectionMs: ms,
        recordsLost: 2000 - snap.workers.reduce((n, w) => n + w.records, 0),
        recordsDuplicated: 0,
        rssBeforeMb: rss0,
      });
    } finally {
      await fleet.stop();
    }
  });
});
