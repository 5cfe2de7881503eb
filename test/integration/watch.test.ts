// The watching engine against a real sshd: a frozen session, truncated and replaced files, host keys.

import { appendFileSync, mkdtempSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../src/main/engine/fleet/fleet';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import type { WorkerSnapshot } from '../../src/shared/model';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, runVigil, until, writeConfig } from './helpers';

function worker(fleet: Fleet, name: string): WorkerSnapshot {
  return fleet.snapshot().workers.find((w) => w.name === name)!;
}

describe('watching a host', () => {
  let sshd: Sshd;
  const trainers: Trainer[] = [];
  const fleets: Fleet[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const f of fleets) await f.stop();
    await Promise.all(trainers.map((t) => t.stop()));
    await sshd?.stop();
  });

  it('a frozen session turns unreachable within the keepalive bound, recovers after SIGCONT, back-fills, and the mirror is byte-identical', async () => {
    const t = await startTrainer({ format: 'jsonl', epochs: 1000, intervalMs: 100 });
    trainers.push(t);
    const cfg = writeConfig(sshd, [
      { name: 'I3D', dir: t.dir, metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' } },
    ]);
    const { fleet } = await openFleet({ configPath: cfg, dataDir: freshDataDir() });
    fleets.push(fleet);
    fleet.start();
    await until(
      () => worker(fleet, 'I3D'),
      (w) => w.status === 'running' && w.records >= 3,
      15_000,
      'running',
    );

    // The whole box stops answering: its session and its listener, so no reconnect gets through either.
    sshd.freezeListener();
    const frozen = sshd.freezeSessions();
    expect(frozen.length).toBeGreaterThan(0);
    const frozenAt = Date.now();
    const seen = await until(
      () => worker(fleet, 'I3D'),
      (w) => w.status === 'unreachable',
      15_000,
      'unreachable',
    );
    const detectMs = Date.now() - frozenAt;
    // keepalive 1 s × 2 missed → about 3 s; allow for the probe in flight and the evaluator tick.
    expect(detectMs).toBeLessThan(6000);
    expect(seen.records).toBeGreaterThanOrEqual(3); // last known values are kept
    expect(seen.loss).not.toBeNull();
    const recordsWhenFrozen = seen.records;

    await new Promise((r) => setTimeout(r, 4000)); // the trainer keeps writing meanwhile
    expect(worker(fleet, 'I3D').status).toBe('unreachable'); // still: reconnects time out, no flapping
    sshd.thawListener();
    sshd.thawSessions();
    const back = await until(
      () => worker(fleet, 'I3D'),
      (w) => w.status === 'running' && w.records > recordsWhenFrozen + 10,
      20_000,
      'recovered and back-filled',
    );
    expect(back.records).toBeGreaterThan(recordsWhenFrozen + 10);

    t.pause();
    const remote = readFileSync(t.metricsPath);
    await until(
      () => worker(fleet, 'I3D').records,
      (n) => n === t.records(),
      10_000,
      'caught up',
    );
    expect(readFileSync(back.mirror!)).toEqual(remote);
    await fleet.stop();
    t.resume();
  });

  it('a truncated file and a replaced file are re-read without duplicated or lost records', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-trunc-'));
    const file = path.join(dir, 'metrics.jsonl');
    const rec = (e: number, loss: number) => `${JSON.stringify({ epoch: e, step: e * 10, loss })}\n`;
    writeFileSync(file, [1, 2, 3, 4, 5].map((e) => rec(e, 1 / e)).join(''));
    const cfg = writeConfig(sshd, [{ name: 'w', dir, metrics: 'metrics.jsonl' }]);
    const dataDir = freshDataDir();
    // Each pass is a fresh process-like Fleet on the same data folder: it resumes from the mirror.
    const pass = async () => {
      const { fleet } = await openFleet({ configPath: cfg, dataDir });
      const snap = await fleet.runOnce();
      return snap.workers[0]!;
    };
    expect(await pass()).toMatchObject({ records: 5, epoch: 5 });
    appendFileSync(file, rec(6, 0.1));
    expect(await pass()).toMatchObject({ records: 6, epoch: 6 });

    // Truncated (a restarted run reopened its log with 'w'), then written again.
    truncateSync(file, 0);
    appendFileSync(file, [1, 2].map((e) => rec(e, 9)).join(''));
    let w = await pass();
    expect(w).toMatchObject({ records: 2, epoch: 2, loss: 9 });

    // Replaced by rename (a writer that saves atomically), holding the same records and more.
    const tmp = path.join(dir, 'metrics.jsonl.tmp');
    writeFileSync(tmp, [1, 2, 3].map((e) => rec(e, 9)).join(''));
    renameSync(tmp, file);
    w = await pass();
    expect(w).toMatchObject({ records: 3, epoch: 3 });
    appendFileSync(file, rec(4, 8));
    w = await pass();
    expect(w).toMatchObject({ records: 4, epoch: 4, loss: 8 });
    expect(readFileSync(w.mirror!)).toEqual(readFileSync(file));
    // Nothing lost on the laptop: the first generation is kept beside the mirror.
    expect(readFileSync(`${w.mirror!}.gen0`, 'utf8')).toBe(
      [1, 2, 3, 4, 5].map((e) => rec(e, 1 / e)).join('') + rec(6, 0.1),
    );
  });

  it('an unknown host is refused with known_hosts named and the fix; a changed key is an error and no session is opened', async () => {
    const t = await startTrainer({ format: 'jsonl', epochs: 100, intervalMs: 200 });
    trainers.push(t);
    const cfg = writeConfig(sshd, [{ name: 'w', dir: t.dir, metrics: 'metrics.jsonl' }]);
    const emptyKnown = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-kh-')), 'known_hosts');
    writeFileSync(emptyKnown, '');
    const unknownCfg = writeConfig(sshd, [{ name: 'w', dir: t.dir, metrics: 'metrics.jsonl' }], {
      hosts: { [sshd.alias]: { knownHostsFile: emptyKnown, connectTimeout: '3s' } },
    });
    const unknown = JSON.parse(
      (await runVigil(['status', '--config', unknownCfg, '--json'], { VIGIL_DATA: freshDataDir() })).stdout,
    ).workers[0];
    expect(unknown.status).toBe('error');
    expect(unknown.reason).toContain(emptyKnown);
    expect(unknown.reason).toMatch(/ssh-keyscan|ssh -p/);

    await sshd.regenerateHostKey();
    const logBefore = sshd.log().length;
    const changed = JSON.parse(
      (await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() })).stdout,
    ).workers[0];
    expect(changed.status).toBe('error');
    expect(changed.reason).toMatch(/host key changed/i);
    expect(sshd.log().slice(logBefore)).not.toMatch(/Accepted publickey/);
  });
});
