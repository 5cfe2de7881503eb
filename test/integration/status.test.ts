// `vigil status`, through the real CLI against a real sshd and real trainer processes.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sshd, startSshd } from '../support/sshd';
import { startTarpit, type Tarpit } from '../support/tarpit';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, hostFor, runVigil, writeConfig } from './helpers';

/** The newest record, worked out from the file the trainer wrote (independently of Vigil's parsers). */
function lastRecord(file: string): { epoch: number; step: number; loss: number } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const last = lines.at(-1)!;
  if (file.endsWith('.jsonl')) {
    const o = JSON.parse(last);
    return { epoch: o.epoch, step: o.step, loss: o.loss };
  }
  if (file.endsWith('.csv')) {
    const head = lines[0]!.split(',');
    const row = last.split(',').map(Number);
    return {
      epoch: row[head.indexOf('epoch')]!,
      step: row[head.indexOf('step')]!,
      loss: row[head.indexOf('loss')]!,
    };
  }
  const m = last.match(/Epoch (\d+)\/\d+ - step (\d+) - loss: ([\d.]+)/)!;
  return { epoch: Number(m[1]), step: Number(m[2]), loss: Number(m[3]) };
}

describe('vigil status against a real sshd', () => {
  let sshd: Sshd;
  const trainers: Trainer[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await Promise.all(trainers.map((t) => t.stop()));
    await sshd?.stop();
  });

  it('reports four workers on one host: epoch, loss, loss metric, last progress, last contact; --json as README documents', async () => {
    const specs = [
      { name: 'I3D', format: 'jsonl' as const, startLoss: 2.5 },
      { name: 'SlowFast', format: 'csv' as const, startLoss: 1.7 },
      { name: 'Transformer', format: 'text' as const, startLoss: 4.2 },
      { name: 'MagVIT', format: 'jsonl' as const, startLoss: 0.9 },
    ];
    const runs = await Promise.all(
      specs.map((s) =>
        startTrainer({ format: s.format, epochs: 50, intervalMs: 150, startLoss: s.startLoss }),
      ),
    );
    trainers.push(...runs);
    await Promise.all(runs.map((t) => t.waitForRecords(4, 10_000)));
    for (const t of runs) t.pause(); // hold still so the file and the report can be compared
    const cfg = writeConfig(
      sshd,
      specs.map((s, i) => ({
        name: s.name,
        dir: runs[i]!.dir,
        metrics: path.basename(runs[i]!.metricsPath),
        log: path.basename(runs[i]!.logPath),
        process: i === 3 ? { match: `--tag ${runs[i]!.tag}` } : { pidFile: path.basename(runs[i]!.pidPath) },
        totalEpochs: 50,
      })),
    );
    const before = Date.now();
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(Object.keys(out).sort()).toEqual(['generatedAt', 'hosts', 'workers']);
    expect(out.workers.map((w: { name: string }) => w.name)).toEqual(specs.map((s) => s.name));
    out.workers.forEach((w: Record<string, unknown>, i: number) => {
      const t = runs[i]!;
      const want = lastRecord(t.metricsPath);
      expect(Object.keys(w).sort()).toEqual(
        [
          'name',
          'host',
          'status',
          'reason',
          'epoch',
          'totalEpochs',
          'step',
          'loss',
          'lossMetric',
          'metrics',
          'records',
          'lastProgressAt',
          'lastContactAt',
          'mirror',
          'sync',
          'resources',
          'etaAt',
          'stepsPerSecond',
          'secondsPerEpoch',
          'slowdown',
        ].sort(),
      );
      expect(w).toMatchObject({
        host: sshd.alias,
        status: 'running',
        epoch: want.epoch,
        totalEpochs: 50,
        step: want.step,
        lossMetric: 'loss',
      });
      expect(w.loss).toBeCloseTo(want.loss, 4);
      expect(w.records).toBe(t.records());
      const mtime = statSync(t.metricsPath).mtimeMs;
      expect(Math.abs(Date.parse(w.lastProgressAt as string) - mtime)).toBeLessThan(2000);
      expect(Date.parse(w.lastContactAt as string)).toBeGreaterThanOrEqual(before - 1000);
      expect(readFileSync(w.mirror as string)).toEqual(readFileSync(t.metricsPath));
      expect(w.sync).toEqual([]);
    });

    const table = await runVigil(['status', '--config', cfg], { VIGIL_DATA: freshDataDir() });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^WORKER\s+STATUS\s+EPOCH\s+LOSS\s+LAST PROGRESS\s+LAST CONTACT/);
    for (let i = 0; i < 4; i++) {
      expect(table.stdout).toMatch(
        new RegExp(`${specs[i]!.name}\\s+running\\s+${lastRecord(runs[i]!.metricsPath).epoch} / 50`),
      );
    }
    for (const t of runs) t.resume();
  });

  it('a paused trainer is stalled, a finished one finished, a crashed one failed with the reason', async () => {
    const [paused, done, crashed] = await Promise.all([
      startTrainer({ format: 'jsonl', epochs: 100, intervalMs: 100 }),
      startTrainer({ format: 'csv', epochs: 3, intervalMs: 50 }),
      startTrainer({ format: 'text', epochs: 100, intervalMs: 100 }),
    ]);
    trainers.push(paused!, done!, crashed!);
    await Promise.all([paused!.waitForRecords(2), crashed!.waitForRecords(2)]);
    paused!.pause();
    expect(await crashed!.crash()).toBe(1);
    expect(await done!.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 2500));
    const worker = (name: string, t: Trainer) => ({
      name,
      dir: t.dir,
      metrics: path.basename(t.metricsPath),
      log: path.basename(t.logPath),
      process: { pidFile: path.basename(t.pidPath) },
      stallAfter: '2s',
      totalEpochs: name === 'done' ? 3 : 100,
    });
    const cfg = writeConfig(sshd, [
      worker('paused', paused!),
      worker('done', done!),
      worker('crashed', crashed!),
    ]);
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    expect(res.code).toBe(1); // a worker stalled, one failed: a problem
    const byName = Object.fromEntries(
      JSON.parse(res.stdout).workers.map((w: { name: string }) => [w.name, w]),
    );
    expect(byName.paused).toMatchObject({ status: 'stalled' });
    expect(byName.paused.reason).toMatch(/no progress for \d+ s \(threshold 2 s\)/);
    expect(byName.done).toMatchObject({ status: 'finished', epoch: 3, totalEpochs: 3 });
    expect(byName.crashed.status).toBe('failed');
    expect(byName.crashed.reason).toContain('CUDA out of memory');
    paused!.resume();
  });

  it('a host that accepts TCP and never speaks is unreachable within the connect bound; the other host is right in the same pass', async () => {
    const tarpit: Tarpit = await startTarpit();
    try {
      const good = await startTrainer({ format: 'jsonl', epochs: 100, intervalMs: 200 });
      trainers.push(good);
      await good.waitForRecords(2);
      const cfg = writeConfig(
        sshd,
        [
          { name: 'good', dir: good.dir, metrics: 'metrics.jsonl' },
          { name: 'silent', host: 'tarpit', dir: '/nowhere', metrics: 'metrics.jsonl' },
        ],
        {
          hosts: {
            [sshd.alias]: hostFor(),
            tarpit: {
              hostname: '127.0.0.1',
              port: tarpit.port,
              user: sshd.user,
              identityFile: sshd.clientKeyPath,
              knownHostsFile: sshd.knownHostsPath,
              connectTimeout: '2s',
            },
          },
        },
      );
      const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
      expect(res.code).toBe(1); // one host unreachable
      const [g, s] = JSON.parse(res.stdout).workers;
      expect(g).toMatchObject({ name: 'good', status: 'running' });
      expect(s).toMatchObject({ name: 'silent', status: 'unreachable' });
      expect(s.reason).toMatch(/2 s|timed out|no answer/i);
      expect(tarpit.connections()).toBeGreaterThanOrEqual(1);
      // The whole pass (including ~1 s of tsx start-up) stays within the connect bound plus slack.
      expect(res.ms).toBeLessThan(2000 + 6000);
    } finally {
      await tarpit.stop();
    }
  });

  it('a missing metrics file makes that worker an error naming the path; the others are unaffected', async () => {
    const ok = await startTrainer({ format: 'csv', epochs: 100, intervalMs: 200 });
    trainers.push(ok);
    await ok.waitForRecords(2);
    const cfg = writeConfig(sshd, [
      { name: 'ok', dir: ok.dir, metrics: 'metrics.csv' },
      { name: 'lost', dir: ok.dir, metrics: 'results/nope.jsonl' },
    ]);
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    expect(res.code).toBe(1);
    const [a, b] = JSON.parse(res.stdout).workers;
    expect(a.status).toBe('running');
    expect(b).toMatchObject({
      status: 'error',
      reason: `metrics file not found: ${ok.dir}/results/nope.jsonl`,
      epoch: null,
      loss: null,
    });
  });

  it('a bad config exits 2 and names the file, the line and the key', async () => {
    const cfg = writeConfig(sshd, [{ name: 'x', dir: '/tmp', metrics: 'm.jsonl' }]);
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace('metrics: m.jsonl', 'metrics: m.jsonl\n    stalAfter: 15m'),
    );
    const line =
      readFileSync(cfg, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('stalAfter')) + 1;
    const res = await runVigil(['status', '--config', cfg]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${cfg}:${line}:`);
    expect(res.stderr).toContain('stalAfter');
    expect(res.stderr).toContain('did you mean "stallAfter"?');
  });
});
