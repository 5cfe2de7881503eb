// `vigil status` (one pass) and `vigil serve` (watching) judge the same paused trainer the same way:
// running, then late, then stalled, with the pace the watching engine learned (a CSV has no times).

import { readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, startServe } from '../../e2e/serve';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, runVigil, until, writeConfig } from './helpers';

interface StatusWorker {
  name: string;
  status: string;
  reason: string;
}

describe('status and serve agree', () => {
  let sshd: Sshd;
  let trainer: Trainer;
  let served: Served | null = null;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await served?.stop();
    await trainer?.stop();
    await sshd?.stop();
  });

  it('on running, late and stalled for the same paused trainer', async () => {
    trainer = await startTrainer({ format: 'csv', epochs: 100_000, intervalMs: 300 });
    const cfg = writeConfig(sshd, [
      {
        name: 'w',
        dir: trainer.dir,
        metrics: path.basename(trainer.metricsPath),
        process: { pidFile: 'train.pid' },
      },
    ]);
    const dataDir = freshDataDir();
    served = await startServe(cfg, { dataDir });
    const api = served.url.replace('/?token=', '/api/status?token=');
    const fromServe = async (): Promise<StatusWorker> => (await (await fetch(api)).json()).workers[0];
    const fromStatus = async (): Promise<StatusWorker> => {
      const r = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: dataDir });
      return JSON.parse(r.stdout).workers[0];
    };
    // The engine learns the pace from the file's mtimes as it grows, and keeps it with the mirror.
    const state = path.join(dataDir, 'mirror', 'w', '.vigil-state.json');
    await until(
      () => {
        try {
          return JSON.parse(readFileSync(state, 'utf8')).pace?.length ?? 0;
        } catch {
          return 0;
        }
      },
      (n) => n >= 5,
      30_000,
      'a learned pace in the state file',
    );
    expect((await fromServe()).status).toBe('running');
    expect((await fromStatus()).status).toBe('running');

    trainer.pause();
    const late = await until(fromServe, (w) => w.status === 'late', 30_000, 'serve: late');
    expect(late.reason).toMatch(/last progress \d+ s ago, overdue/);
    expect((await fromStatus()).status).toBe('late');

    // Paused for three minutes (its last write put back in time rather than waited for).
    const threeMinAgo = Date.now() / 1000 - 180;
    utimesSync(trainer.metricsPath, threeMinAgo, threeMinAgo);
    const stalled = await until(fromServe, (w) => w.status === 'stalled', 30_000, 'serve: stalled');
    expect(stalled.reason).toMatch(/^no progress for 3 min \(threshold 2 min\)/);
    const one = await fromStatus();
    expect(one.status).toBe('stalled');
    expect(one.reason).toMatch(/^no progress for 3 min \(threshold 2 min\)/);
    trainer.resume();
  });
});
