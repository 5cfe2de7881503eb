// A host that goes silent, with real trainers and a real sshd frozen: a run that ended keeps its final
// state; a recovery is told once the back-fill is read, with the newest values.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet, FleetAlert } from '../../src/main/engine/fleet/fleet';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, until, writeConfig } from './helpers';

describe('ended runs and a silent host', () => {
  let sshd: Sshd;
  const trainers: Trainer[] = [];
  let fleet: Fleet | null = null;
  let watcher: Fleet | null = null;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    sshd?.thawListener();
    sshd?.thawSessions();
    await fleet?.stop();
    await watcher?.stop();
    await Promise.all(trainers.map((t) => t.stop()));
    await sshd?.stop();
  });

  it('finished and failed stay finished and failed when the host freezes; a running one turns unreachable', async () => {
    const [done, crashed, going] = await Promise.all([
      startTrainer({ format: 'csv', epochs: 3, intervalMs: 50 }),
      startTrainer({ format: 'jsonl', epochs: 100, intervalMs: 100 }),
      startTrainer({ format: 'jsonl', epochs: 1000, intervalMs: 200 }),
    ]);
    trainers.push(done!, crashed!, going!);
    await crashed!.waitForRecords(2);
    expect(await crashed!.crash()).toBe(1);
    expect(await done!.exited).toBe(0);
    const spec = (name: string, t: Trainer, totalEpochs: number) => ({
      name,
      dir: t.dir,
      metrics: path.basename(t.metricsPath),
      log: 'train.log',
      process: { pidFile: 'train.pid' },
      totalEpochs,
    });
    const cfg = writeConfig(sshd, [
      spec('done', done!, 3),
      spec('crashed', crashed!, 100),
      spec('going', going!, 1000),
    ]);
    ({ fleet } = await openFleet({ configPath: cfg, dataDir: freshDataDir() }));
    fleet.start();
    const byName = () => Object.fromEntries(fleet!.snapshot().workers.map((w) => [w.name, w]));
    await until(
      byName,
      (w) => w.done?.status === 'finished' && w.crashed?.status === 'failed' && w.going?.status === 'running',
      15_000,
      'finished, failed, running',
    );

    sshd.freezeListener();
    sshd.freezeSessions();
    const after = await until(byName, (w) => w.going?.status === 'unreachable', 15_000, 'going unreachable');
    expect(after.done).toMatchObject({ status: 'finished', epoch: 3, totalEpochs: 3 });
    expect(after.done!.reason).toMatch(/^finished at epoch 3\/3; host unreachable: /);
    expect(after.crashed!.status).toBe('failed');
    expect(after.crashed!.reason).toContain('CUDA out of memory');
    expect(after.crashed!.reason).toContain('host unreachable');
    sshd.thawListener();
    sshd.thawSessions();
  });

  it('the recovery after a freeze is told after the back-fill: how long, how many records, the newest epoch', async () => {
    const t = await startTrainer({ format: 'jsonl', epochs: 100_000, intervalMs: 100 });
    trainers.push(t);
    const cfg = writeConfig(sshd, [
      {
        name: 'MagVIT',
        dir: t.dir,
        metrics: 'metrics.jsonl',
        process: { pidFile: 'train.pid' },
        totalEpochs: 100_000,
      },
    ]);
    ({ fleet: watcher } = await openFleet({ configPath: cfg, dataDir: freshDataDir() }));
    const alerts: FleetAlert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    watcher.start();
    const w = () => watcher!.snapshot().workers[0]!;
    await until(w, (x) => x.status === 'running' && x.records >= 3, 15_000, 'running');
    sshd.freezeListener();
    sshd.freezeSessions();
    const silent = await until(w, (x) => x.status === 'unreachable', 15_000, 'unreachable');
    await new Promise((r) => setTimeout(r, 3000)); // the trainer writes ~30 records meanwhile
    const writtenBeforeThaw = t.records();
    sshd.thawListener();
    sshd.thawSessions();
    // The return is told once, for the host: how long, how much was back-filled, where the run is now.
    const recovered = await until(
      () => alerts.find((a) => a.kind === 'back'),
      (a) => a !== undefined,
      20_000,
      'the host back summary',
    );
    const m =
      /^\S+: back after (\d+) s of silence \(\d\d:\d\d–\d\d:\d\d\): records back-filled: MagVIT (\d+) \(now epoch (\d+)\/100000\)$/.exec(
        recovered!.message,
      );
    expect(m, recovered!.message).not.toBeNull();
    expect(alerts.filter((a) => a.kind === 'recovered')).toEqual([]);
    expect(Number(m![1])).toBeGreaterThanOrEqual(3);
    expect(Number(m![2])).toBeGreaterThanOrEqual(writtenBeforeThaw - silent.records);
    // Its epoch is where the run was when the back-fill was read, not where it stood before the freeze.
    expect(Number(m![3])).toBeGreaterThanOrEqual(writtenBeforeThaw);
  });
});
