// What `vigil status` says and how it exits, through the real CLI against a real sshd: a NaN loss is
// `diverged`, epochs are counted from 1, and the exit code says whether all is well.

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sshd, startSshd } from '../support/sshd';
import { startTarpit } from '../support/tarpit';
import { freshDataDir, hostFor, runVigil, VIGIL_BIN, writeConfig } from './helpers';

describe('vigil status tells the truth', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('a run whose loss is NaN is diverged (exit 1), with since when; a 0-based Keras run finished at 5/5', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-truth-'));
    const now = Date.now() / 1000;
    const rows = Array.from({ length: 50 }, (_, e) => {
      const loss = e < 7 ? String(1 / (e + 1)) : 'NaN';
      return `{"epoch": ${e}, "step": ${e * 93 + 1}, "loss": ${loss}, "time": ${now - (50 - e) * 60}}\n`;
    });
    writeFileSync(path.join(dir, 'metrics.jsonl'), rows.join(''));
    writeFileSync(
      path.join(dir, 'training_log.csv'),
      `epoch,accuracy,loss\n${[0, 1, 2, 3, 4].map((e) => `${e},0.${e + 5},${1 / (e + 1)}\n`).join('')}`,
    );
    const cfg = writeConfig(sshd, [
      { name: 'nan', dir, metrics: 'metrics.jsonl', totalEpochs: 200 },
      { name: 'keras', dir, metrics: 'training_log.csv', totalEpochs: 5 },
    ]);
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(1);
    const [nan, keras] = JSON.parse(res.stdout).workers;
    expect(nan).toMatchObject({ status: 'diverged', loss: 'NaN', epoch: 50, totalEpochs: 200 });
    expect(nan.reason).toMatch(/^loss is NaN since step 652 \(epoch 8, 43 min ago\)/);
    expect(keras).toMatchObject({
      status: 'finished',
      epoch: 5,
      totalEpochs: 5,
      reason: 'finished at epoch 5/5',
    });

    const table = await runVigil(['status', '--config', cfg], { VIGIL_DATA: freshDataDir() });
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/nan\s+diverged\s+50 \/ 200\s+NaN/);
    expect(table.stdout).toMatch(/keras\s+finished\s+5 \/ 5/);
    expect(table.stdout).toContain('nan: diverged — loss is NaN since step 652 (epoch 8, ');
  });

  it('a Hugging Face trainer_state.json: the final summary gives the last epoch and step; totals from the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-hf-'));
    const log = [
      { epoch: 2.98, learning_rate: 1e-6, loss: 0.31, step: 5000 },
      { epoch: 3.0, step: 5031, train_loss: 0.52, train_runtime: 9000.1, total_flos: 1e18 },
    ];
    writeFileSync(
      path.join(dir, 'trainer_state.json'),
      JSON.stringify({ num_train_epochs: 3, max_steps: 5031, global_step: 5031, log_history: log }),
    );
    const cfg = writeConfig(sshd, [{ name: 'hf', dir, metrics: 'trainer_state.json' }]);
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    const [hf] = JSON.parse(res.stdout).workers;
    expect(hf).toMatchObject({
      status: 'finished',
      reason: 'finished at epoch 3/3',
      epoch: 3,
      step: 5031,
      totalEpochs: 3,
      loss: 0.31,
      lossMetric: 'loss',
    });
    expect(res.code).toBe(0);
  });

  it('exits 1 when every worker is in error or unreachable, 0 when all is well', async () => {
    const tarpit = await startTarpit();
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-codes-'));
      writeFileSync(path.join(dir, 'm.csv'), 'epoch,loss\n1,0.5\n');
      const cfg = writeConfig(
        sshd,
        [
          { name: 'missing', dir, metrics: 'nope.jsonl' },
          { name: 'silent', host: 'pit', dir, metrics: 'm.csv' },
        ],
        {
          hosts: {
            [sshd.alias]: hostFor(),
            pit: { hostname: '127.0.0.1', port: tarpit.port, user: sshd.user, connectTimeout: '2s' },
          },
        },
      );
      const bad = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
      expect(JSON.parse(bad.stdout).workers.map((w: { status: string }) => w.status)).toEqual([
        'error',
        'unreachable',
      ]);
      expect(bad.code).toBe(1);
      const good = await runVigil(
        ['status', '--config', writeConfig(sshd, [{ name: 'ok', dir, metrics: 'm.csv' }])],
        {
          VIGIL_DATA: freshDataDir(),
        },
      );
      expect(good.stdout).toMatch(/ok\s+running/);
      expect(good.code).toBe(0);
    } finally {
      await tarpit.stop();
    }
  });

  it('--version prints the version; a usage error exits 2', async () => {
    const v = await runVigil(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    expect((await runVigil(['stats'])).code).toBe(2);
    expect((await runVigil(['status', '--jsn'])).code).toBe(2);
    expect(VIGIL_BIN).toMatch(/bin\/vigil$/);
  });
});
