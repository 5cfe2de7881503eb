// Run directories through the real sshd: a run directory whose restarts each wrote an event file is read whole
// and in order, and a new file that appears later is followed.

import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sshd, startSshd } from '../support/sshd';
import { concatBytes, eventRecord, fileVersionRecord } from '../support/tfevents-writer';
import { freshDataDir, runVigil, writeConfig } from './helpers';

describe('a TensorBoard run directory', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('reads every event file in order, follows a new one, and mirrors each byte for byte', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-run-'));
    const runs = path.join(dir, 'runs', 'exp1');
    mkdirSync(runs, { recursive: true });
    const first = path.join(runs, 'events.out.tfevents.1764300000.gpu-1.101.0');
    writeFileSync(
      first,
      concatBytes([
        fileVersionRecord(1764300000),
        ...[1, 2, 3].map((s) => eventRecord(s * 100, 1764300000 + s, { 'train/loss': 1 / s })),
      ]),
    );
    const cfg = writeConfig(sshd, [
      { name: 'TB', dir, metrics: 'runs/exp1/events.out.tfevents.*' },
      { name: 'BadGlob', dir, metrics: 'runs/*/events.out.tfevents.*' },
    ]);
    const data = freshDataDir();
    const status = async () =>
      JSON.parse((await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: data })).stdout)
        .workers;

    let [tb, bad] = await status();
    expect(tb).toMatchObject({ status: 'running', records: 3, step: 300, lossMetric: 'train/loss' });
    expect(tb.loss).toBeCloseTo(1 / 3, 6);
    expect(bad.status).toBe('error');
    expect(bad.reason).toContain('only the file name may hold wildcards');

    // The run restarts: a new event file, and the old one is never touched again.
    const second = path.join(runs, 'events.out.tfevents.1764303600.gpu-1.202.0');
    writeFileSync(
      second,
      concatBytes([fileVersionRecord(1764303600), eventRecord(400, 1764303601, { 'train/loss': 0.2 })]),
    );
    appendFileSync(second, eventRecord(500, 1764303602, { 'train/loss': 0.1 }));
    [tb] = await status();
    expect(tb).toMatchObject({ records: 5, step: 500 });
    expect(tb.loss).toBeCloseTo(0.1, 6);
    for (const f of [first, second]) {
      expect(readFileSync(path.join(tb.mirror, path.basename(f)))).toEqual(readFileSync(f));
    }
  });
});
