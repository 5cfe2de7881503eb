// Races in the engine the shells drive (issue 17): reloads in a burst (a double-click on Reload), a
// stop while a reload is in flight. Through the real sshd with a real trainer: SSH sessions counted on
// the server, the mirror compared with the remote file byte for byte.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineService } from '../../src/main/engine/fleet/service';
import { createSsh2Connector } from '../../src/main/engine/ssh/connection';
import { freshDataDir, until, writeConfig } from '../integration/helpers';
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
    const watch = setInterval(() => {
      most = Math.max(most, serverSessions(sshd));
    }, 50);
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
});
