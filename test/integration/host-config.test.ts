// Mistakes in where to look, said as what to fix, through the real CLI against a real sshd: an alias with
// no Host entry, a misspelt metrics file or dir.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sshd, startSshd } from '../support/sshd';
import { freshDataDir, hostFor, runVigil, writeConfig } from './helpers';

describe('where to look', () => {
  let sshd: Sshd;
  let root: string;
  beforeAll(async () => {
    sshd = await startSshd();
    root = mkdtempSync(path.join(os.tmpdir(), 'vigil-where-'));
    mkdirSync(path.join(root, 'worker_1', 'results'), { recursive: true });
    writeFileSync(path.join(root, 'worker_1', 'results', 'metrics.jsonl'), '{"step": 1, "loss": 0.5}\n');
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('an alias with no Host entry is a config error naming it, the ssh config read and the nearest alias', async () => {
    const typo = `${sshd.alias.slice(0, -1)}x`;
    const cfg = writeConfig(sshd, [{ name: 'w', host: typo, dir: root, metrics: 'm.jsonl' }], {
      hosts: { [typo]: hostFor() },
    });
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    expect(res.code).toBe(1);
    const [w] = JSON.parse(res.stdout).workers;
    expect(w.status).toBe('error');
    expect(w.reason).toBe(
      `host "${typo}" has no Host entry in ${sshd.sshConfigPath} (ssh resolves it to itself, and no machine has that name). Did you mean "${sshd.alias}"?`,
    );
    const doctor = await runVigil(['doctor', '--config', cfg], { VIGIL_DATA: freshDataDir() });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(
      `✗ ssh config: host "${typo}" has no Host entry in ${sshd.sshConfigPath}`,
    );
  });

  it('a misspelt metrics file or dir: the error suggests the nearest existing path', async () => {
    const cfg = writeConfig(sshd, [
      { name: 'file', dir: path.join(root, 'worker_1'), metrics: 'results/metric.jsonl' },
      { name: 'dir', dir: path.join(root, 'worker_l'), metrics: 'results/metrics.jsonl' },
    ]);
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    const [file, dir] = JSON.parse(res.stdout).workers;
    expect(file).toMatchObject({
      status: 'error',
      reason: `metrics file not found: ${root}/worker_1/results/metric.jsonl — did you mean ${root}/worker_1/results/metrics.jsonl?`,
    });
    expect(dir.reason).toBe(
      `metrics file not found: ${root}/worker_l/results/metrics.jsonl — did you mean ${root}/worker_1/results/metrics.jsonl?`,
    );
    const doctor = await runVigil(['doctor', '--config', cfg, 'dir'], { VIGIL_DATA: freshDataDir() });
    expect(doctor.stdout).toContain(
      `✗ directory: ${root}/worker_l does not exist on the host — did you mean ${root}/worker_1?`,
    );
  });
});
