// Races in the engine the shells drive (issue 17): reloads in a burst (a double-click on Reload), a
// stop while a reload is in flight. Through the real sshd with a real trainer: SSH sessions counted on
// the server, the mirror compared with the remote file byte for byte.

import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EngineService } from '../../src/main/engine/fleet/service';
import { createSsh2Connector } from '../../src/main/engine/ssh/connection';
import { startServer } from '../../src/main/headless/server';
import { freshDataDir, runVigil, until, writeConfig } from '../integration/helpers';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer } from '../support/trainer';
import { countingConnector } from './connection-support';
import { recordPass, rssMb } from './table';

/** Logged-in SSH connections on the server (each holds one `sshd: user@notty` process). */
function serverSessions(sshd: Sshd): number {
  return sshd.sessionPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('@notty');
    } catch {
      return false;
    }
  }).length;
}

describe('engine races', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('reloads in a burst, then a stop during a reload: one fleet at a time, every record mirrored once', async () => {
    const rss0 = rssMb();
    const trainer = await startTrainer({ format: 'jsonl', epochs: 100_000, intervalMs: 50 });
    const configPath = writeConfig(sshd, [{ name: 'Run', dir: trainer.dir, metrics: 'metrics.jsonl' }], {
      poll: '200ms',
    });
    const dataDir = freshDataDir();
    const connector = countingConnector(createSsh2Connector({ agentSock: null }));
    const engine = new EngineService({ configPath, dataDir, connector });
    const mirror = path.join(dataDir, 'mirror', 'Run', 'metrics.jsonl');
    let most = 0;
    // Vigil's own sessions open at once (the server's count lags a client's close by some ms, which is
    // not two fleets): sessions connected and not yet closed.
    const watch = setInterval(() => {
      most = Math.max(most, connector.sessions.filter((x) => x.alive).length);
    }, 5);
    try {
      await engine.start();
      const backend = engine.backend();
      const records = async () => (await backend.getSnapshot()).workers[0]?.records ?? 0;
      await until(records, (n) => n >= 5, 20_000, 'first records');
      // A double-click, and a burst of five.
      await Promise.all([backend.reloadConfig(), backend.reloadConfig()]);
      await Promise.all([1, 2, 3, 4, 5].map(() => backend.reloadConfig()));
      await until(records, (n) => n >= 20, 20_000, 'records after the reloads');
      // Stop while a reload is in flight.
      const inFlight = backend.reloadConfig();
      await engine.stop();
      await inFlight;
      const stoppedAt = readFileSync(mirror).length;
      await new Promise((r) => setTimeout(r, 2000));
      const after = readFileSync(mirror).length;
      trainer.pause();
      const remote = readFileSync(trainer.metricsPath);
      const held = readFileSync(mirror);
      expect(most).toBeLessThanOrEqual(1);
      expect(after).toBe(stoppedAt); // nothing appended after stop
      expect(held.equals(remote.subarray(0, held.length))).toBe(true); // a byte-exact prefix: no record twice
      await until(
        async () => serverSessions(sshd),
        (n) => n === 0,
        5000,
        'no session left',
      );
      recordPass({
        fault: 'reloads in a burst (2, then 5), then stop during a reload',
        expected:
          'reloads one at a time, later ones coalesce: at most 1 SSH session; mirror a byte-exact prefix of the remote file; nothing appended after stop; no session left',
        observed: `${connector.attempts} connects in all, at most ${most} session at once; mirror ${held.length} B = remote prefix; +${after - stoppedAt} B in the 2 s after stop; 0 sessions after`,
        recordsLost: 0,
        recordsDuplicated: 0,
        connectionAttempts: connector.attempts,
        rssBeforeMb: rss0,
      });
    } finally {
      clearInterval(watch);
      await engine.stop();
      await trainer.stop();
    }
  });

  it('a reload to a broken config: /api/status answers 503 with configError; a client flooding getSeries is dropped', async () => {
    const rss0 = rssMb();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-series-'));
    chmodSync(dir, 0o755);
    let lines = '';
    for (let i = 1; i <= 100_000; i++) lines += `{"step": ${i}, "loss": ${1 / i}}\n`;
    writeFileSync(path.join(dir, 'metrics.jsonl'), lines);
    const configPath = writeConfig(sshd, [{ name: 'Run', dir, metrics: 'metrics.jsonl' }], { poll: '200ms' });
    const engine = new EngineService({ configPath, dataDir: freshDataDir(), recordsHeldPerWorker: 200_000 });
    await engine.start();
    const server = await startServer({
      backend: engine.backend(),
      staticDir: mkdtempSync(path.join(os.tmpdir(), 'vigil-static-')),
      statusJson: () => engine.statusJson(),
      configError: () => engine.snapshot().configError ?? null,
    });
    const origin = `http://127.0.0.1:${server.port}`;
    const status = () => fetch(`${origin}/api/status?token=${server.token}`);
    try {
      const backend = engine.backend();
      await until(
        async () => (await backend.getSnapshot()).workers[0]?.records ?? 0,
        (n) => n === 100_000,
        60_000,
        'records',
      );
      // A client that asks for every point of the series 300 times and reads nothing.
      const greedy = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin });
      await new Promise((r) => greedy.once('open', r));
      greedy.pause();
      const closed = new Promise<void>((r) => greedy.once('close', () => r()));
      const rssBefore = rssMb();
      for (let id = 1; id <= 300; id++) {
        const args = ['Run', ['loss'], { maxPoints: 20_000, x: 'step' }];
        greedy.send(JSON.stringify({ type: 'request', id, command: 'getSeries', args }));
      }
      await new Promise((r) => setTimeout(r, 4000));
      const rssPeak = rssMb();
      let replies = 0;
      greedy.on('message', () => {
        replies++;
      });
      greedy.resume();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 20_000))]);
      expect(greedy.readyState).toBe(WebSocket.CLOSED);
      expect(replies).toBeLessThan(300);
      expect(rssPeak - rssBefore).toBeLessThan(300);
      expect((await status()).status).toBe(200); // the others are served
      // Now the config breaks and is reloaded.
      writeFileSync(configPath, 'workers:\n  - { name: Run, host: nowhere, dir: /x, metrics: m.jsonl }\n');
      await backend.reloadConfig();
      const broken = await status();
      const body = (await broken.json()) as { workers: unknown[]; configError?: string };
      expect(broken.status).toBe(503);
      expect(body.workers).toEqual([]);
      expect(body.configError).toMatch(/unknown host "nowhere"/);
      recordPass({
        fault: 'a client sending 300 getSeries without reading; then a reload to a broken config',
        expected:
          'the client dropped past 16 MiB of unread replies (memory bounded), others served; /api/status 503 with configError after the broken reload (was 200 {"workers":[]})',
        observed: `${replies}/300 replies before the drop; RSS +${(rssPeak - rssBefore).toFixed(0)} MB while flooded; /api/status ${broken.status} "${body.configError!.slice(0, 80)}"`,
        rssBeforeMb: rss0,
      });
    } finally {
      await server.close();
      await engine.stop();
    }
  });

  it('a config of 134,815 workers: refused at once with the limit, exit code 2', async () => {
    const rss0 = rssMb();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-huge-'));
    const file = path.join(dir, 'config.yaml');
    let text = `sshConfig: ${sshd.sshConfigPath}\nhosts:\n  ${sshd.alias}: {}\nworkers:\n`;
    for (let i = 0; i < 134_815; i++)
      text += `- {name: w${i}, host: ${sshd.alias}, dir: /r/${i}, metrics: m}\n`;
    writeFileSync(file, text);
    const t0 = Date.now();
    const r = await runVigil(['status', '--config', file]);
    const ms = Date.now() - t0;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Vigil (reads configs of at most 4 MiB|watches at most 2,000)/);
    expect(ms).toBeLessThan(30_000);
    recordPass({
      fault: 'a config of 134,815 workers',
      expected:
        'refused at once with the documented limit (2,000 workers, 1,000 per host, 4 MiB), exit code 2 (it ran 120 s at 2.6 GB)',
      observed: `exit ${r.code} in ${(ms / 1000).toFixed(1)} s: "${r.stderr.trim().slice(0, 160)}"`,
      detectionMs: ms,
      rssBeforeMb: rss0,
    });
  });
});
