// The quick connection faults, run by `npm test` as well as `npm run chaos`: the host key changed
// under a running Vigil, a tarpit, `MaxSessions 2` on the server, and a laptop sleep (a clock jump).

import { appendFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'ssh2';
import { describe, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/main/engine/config/load';
import { Fleet, type FleetAlert } from '../../src/main/engine/fleet/fleet';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import { createSsh2Connector } from '../../src/main/engine/ssh/connection';
import type { ResolvedHost, SshError } from '../../src/main/engine/ssh/types';
import { freshDataDir, until, writeConfig } from '../integration/helpers';
import { FakeClock } from '../support/fake-clock';
import { localConnector } from '../support/local-connector';
import { startTarpit } from '../support/tarpit';
import {
  checkOneInFlight,
  countedFleet,
  countingConnector,
  fault,
  gapsText,
  sleep,
  sshdFor,
  startUnreachable,
  trainerFor,
  untilWorker,
  watched,
} from './connection-support';

describe('connection faults (fast)', () => {
  it('host key regenerated while Vigil runs', () =>
    fault(
      'host key regenerated while Vigil runs',
      'error "host key changed" + alert; no reconnect for 8 s (poll-now too); no login; connects once known_hosts is fixed',
      async (r) => {
        const sshd = await sshdFor(r);
        const { fleet, connector, cfg, dataDir } = await watched(r, sshd);
        const alerts: FleetAlert[] = [];
        fleet.onAlert((a) => alerts.push(a));
        const changedAt = Date.now();
        await sshd.regenerateHostKey();
        const seen = await untilWorker(fleet, (w) => w.status === 'error', 15_000, 'host key error');
        r.detectionMs = Date.now() - changedAt;
        r.check(/host key changed/i.test(seen.reason), `reason: ${seen.reason}`);
        r.check(seen.connection === 'host-key-mismatch', `connection: ${seen.connection}`);
        r.check(seen.records >= 3, 'last values not kept');
        const attempts = connector.attempts;
        const logAt = sshd.log().length;
        fleet.pollNow(); // a wake-up or a click on "refresh" must not retry either
        await sleep(8000);
        const retries = connector.attempts - attempts;
        r.check(retries === 0, `${retries} attempts after the mismatch`);
        const later = sshd.log().slice(logAt);
        r.check(!/Connection from/.test(later), 'sshd saw a connection after the mismatch');
        const keyAlerts = alerts.filter((a) => /host key changed/i.test(a.message));
        r.check(keyAlerts.length === 1, `${keyAlerts.length} "host key changed" alerts`);

        // The user acts: trusts the new key (ssh-keygen -R, then ssh-keyscan) and reloads Vigil.
        await fleet.stop();
        const fixedAt = Date.now();
        const pub = readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
        writeFileSync(sshd.knownHostsPath, `[127.0.0.1]:${sshd.port} ${pub}\n`);
        const { fleet: reloaded } = await openFleet({ configPath: cfg, dataDir, connector });
        r.defer(() => reloaded.stop());
        reloaded.start();
        await untilWorker(
          reloaded,
          (w) => w.status === 'running' && w.records > seen.records,
          15_000,
          'running after the fix',
        );
        r.recoveryMs = Date.now() - fixedAt;
        r.connectionAttempts = connector.attempts;
        r.observed.push(
          `"${seen.reason.slice(0, 50)}…"`,
          `${retries} attempts in 8 s after it`,
          `alerts: ${alerts.map((a) => a.kind).join(', ')}`,
        );
      },
    ));

  it('a tarpit: TCP accepted, not one byte back', () =>
    fault(
      'tarpit (accepts TCP, never answers)',
      'unreachable ≤ connect bound (2 s); attempts within the backoff; 1 connect in flight; each attempt one TCP connection',
      async (r) => {
        const tarpit = await startTarpit();
        r.defer(() => tarpit.stop());
        const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-pit-'));
        const emptyKnownHosts = path.join(dir, 'known_hosts');
        writeFileSync(emptyKnownHosts, '');
        const cfg = path.join(dir, 'config.yaml');
        writeFileSync(
          cfg,
          stringify({
            sshConfig: '/dev/null',
            poll: '300ms',
            hosts: {
              pit: {
                hostname: '127.0.0.1',
                port: tarpit.port,
                user: os.userInfo().username,
                knownHostsFile: emptyKnownHosts,
                connectTimeout: '2s',
                keepaliveInterval: '1s',
                keepaliveCount: 2,
              },
            },
            workers: [{ name: 'w', host: 'pit', dir, metrics: 'metrics.jsonl' }],
          }),
        );
        const { fleet, connector } = await countedFleet(r, cfg, {
          connector: countingConnector(createSsh2Connector({ agentSock: null })),
        });
        const windowMs = 10_000;
        const { seen, attempts, allowed } = await startUnreachable(r, fleet, connector, windowMs);
        r.connectionAttempts = attempts;
        r.check(attempts >= 3, `only ${attempts} attempts: not retrying?`);
        checkOneInFlight(r, connector);
        r.check(
          tarpit.connections() === attempts,
          `${tarpit.connections()} TCP connections for ${attempts} attempts`,
        );
        r.check(/within 2 s/.test(seen.reason), `reason: ${seen.reason}`);
        r.observed.push(
          `${attempts} attempts in ${windowMs / 1000} s (≤ ${allowed} allowed), ${tarpit.connections()} TCP connections`,
          gapsText(connector),
        );
      },
    ));

  it('MaxSessions 2 on the server', () =>
    fault(
      'MaxSessions 2 on the server, 3 workers',
      'one connection, control shell + SFTP only: every worker read; a 3rd session on that connection is refused',
      async (r) => {
        const sshd = await sshdFor(r, { maxSessions: 2 });
        const trainer = await trainerFor(r);
        const names = ['I3D', 'SlowFast', 'MagVIT'];
        const cfg = writeConfig(
          sshd,
          names.map((name) => ({
            name,
            dir: trainer.dir,
            metrics: 'metrics.jsonl',
            log: 'train.log',
            process: { pidFile: 'train.pid' },
          })),
        );
        const { fleet, connector } = await countedFleet(r, cfg);
        const startedAt = Date.now();
        fleet.start();
        await until(
          () => fleet.snapshot().workers,
          (ws) => ws.every((w) => w.status === 'running' && w.records >= 5),
          20_000,
          'every worker running',
        );
        r.detectionMs = Date.now() - startedAt;
        const counts = () => fleet.snapshot().workers.map((w) => w.records);
        const before = counts();
        await sleep(3000);
        const after = counts();
        r.check(
          after.every((n, i) => n > before[i]!),
          `records did not keep coming: ${before} → ${after}`,
        );
        r.check(connector.attempts === 1, `${connector.attempts} connections (one per host expected)`);
        r.check(
          !/no more sessions|open failed|Too many sessions/i.test(sshd.log()),
          'sshd refused a session to Vigil',
        );

        // A third session on Vigil's own connection: the server must refuse it, which proves the limit
        // was real and that Vigil's two (control shell, SFTP) were all it used.
        const client = (connector.sessions[0] as unknown as { client: Client }).client;
        const third = await new Promise<string>((resolve) => {
          client.exec('true', (err, ch) => {
            if (err) resolve(`refused: ${err.message}`);
            else {
              ch.close();
              resolve('accepted');
            }
          });
        });
        r.check(third.startsWith('refused'), `a third session was ${third}`);
        r.check(
          fleet.snapshot().workers.every((w) => w.status === 'running'),
          'a worker left running after the third request',
        );
        r.connectionAttempts = connector.attempts;
        r.recordsLost = 0;
        r.observed.push(
          `3 workers read over 1 connection (records ${after.join('/')})`,
          `3rd session ${third}`,
        );
      },
    ));

  it('laptop sleep: a clock jump of 2 h', () =>
    fault(
      'sleep and resume (clock jump 2 h, fake clock)',
      'one catch-up poll; no alert when the run went on; no "stalled" when the connection died in the sleep',
      async (r) => {
        const HOUR = 3600_000;
        const run = async (connectionDies: boolean) => {
          const clock = new FakeClock(Date.now());
          const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-sleep-'));
          const metrics = path.join(dir, 'metrics.jsonl');
          let epoch = 0;
          const write = (n: number) => {
            const lines: string[] = [];
            for (let i = 0; i < n; i++)
              lines.push(`${JSON.stringify({ epoch: ++epoch, loss: 1 / epoch })}\n`);
            appendFileSync(metrics, lines.join(''));
            utimesSync(metrics, clock.now() / 1000, clock.now() / 1000);
          };
          write(3);
          const config = parseConfig(
            `poll: 30s\nhosts: { gpu: { hostname: localhost, vitals: false } }\nworkers:\n  - { name: w, host: gpu, dir: ${dir}, metrics: metrics.jsonl, stallAfter: 15m }\n`,
            'config.yaml',
          );
          const conn = localConnector(clock);
          const fleet = await Fleet.create({
            config,
            dataDir: freshDataDir(),
            connector: conn,
            clock,
            resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
          });
          const alerts: FleetAlert[] = [];
          fleet.onAlert((a) => alerts.push(a));
          fleet.start();
          const advance = (ms: number) => clock.advance(ms, () => fleet.whenIdle());
          // An hour of training watched: a record every 10 s of fake time.
          for (let i = 0; i < 6; i++) {
            write(1);
            await advance(10_000);
          }
          const probesBefore = conn.sessions.reduce((n, s) => n + s.runs, 0);
          // The laptop sleeps 2 h; the run goes on meanwhile.
          clock.jump(2 * HOUR);
          write(720);
          if (connectionDies) {
            conn.sessions[0]!.drop(
              Object.assign(new Error('keepalive timeout'), { kind: 'lost' }) as unknown as SshError,
            );
          }
          const wokeAt = clock.now();
          await advance(2000);
          const probes = conn.sessions.reduce((n, s) => n + s.runs, 0) - probesBefore;
          const w = fleet.snapshot().workers[0]!;
          await fleet.stop();
          return { probes, alerts, w, wokeAt, connects: conn.connects };
        };

        const alive = await run(false);
        r.check(
          alive.probes === 1,
          `${alive.probes} probes in the 2 s after waking (one catch-up poll expected)`,
        );
        r.check(alive.alerts.length === 0, `alerts: ${alive.alerts.map((a) => a.kind).join(', ')}`);
        r.check(
          alive.w.status === 'running' && alive.w.records === 729,
          `after: ${alive.w.status}, ${alive.w.records} records`,
        );

        const dead = await run(true);
        const stale = dead.alerts.filter((a) => a.kind === 'stalled' || a.kind === 'failed');
        r.check(
          stale.length === 0,
          `stale alerts after a reconnect: ${stale.map((a) => a.message).join('; ')}`,
        );
        r.check(
          dead.w.status === 'running' && dead.w.records === 729,
          `after: ${dead.w.status}, ${dead.w.records} records`,
        );
        r.check(dead.probes === 1, `${dead.probes} probes after waking with a dead connection`);
        r.recordsLost = 729 - alive.w.records;
        r.recordsDuplicated = 0;
        r.connectionAttempts = dead.connects;
        r.observed.push(
          `connection kept: ${alive.probes} catch-up probe, ${alive.alerts.length} alerts`,
          `connection died: ${dead.probes} probe after reconnecting, alerts ${dead.alerts.map((a) => a.kind).join(', ') || 'none'}`,
        );
      },
    ));
});
