// Connection faults against a real OpenSSH sshd and a real fake trainer (`npm run chaos`): a frozen
// session, a frozen listener, a killed sshd, a slow link, a cut link, Vigil itself SIGKILLed or
// SIGSTOPped. Each test records its row in the chaos table and fails when its expectation breaks.
// The quicker faults (host key, tarpit, MaxSessions, clock jump) are in connection.fast.test.ts.

import { existsSync, statSync } from 'node:fs';
import { describe, it } from 'vitest';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import { freshDataDir, hostFor, until, writeConfig } from '../integration/helpers';
import { startProxy } from '../support/tcp-proxy';
import {
  bigMetricsFile,
  checkEpochs,
  checkMirror,
  checkOneInFlight,
  countedFleet,
  EngineChild,
  fault,
  gapsText,
  HOLD_EVERY_RECORD,
  maxAttemptsByBackoff,
  settle,
  sleep,
  sshdFor,
  startUnreachable,
  trainerFor,
  transitionsOf,
  untilWorker,
  viaProxy,
  watched,
  workerOf,
} from './connection-support';

describe('connection faults', () => {
  it('session frozen (SIGSTOP on its sshd processes and the listener)', () =>
    fault(
      'session frozen (SIGSTOP sessions + listener)',
      'unreachable ≤ 1 s × 2 keepalive + 3 s; last values kept; back-fill after SIGCONT; 0 lost/dup; mirror = remote',
      async (r) => {
        const sshd = await sshdFor(r);
        const { trainer, fleet, connector } = await watched(r, sshd);
        const tr = transitionsOf(r, fleet);

        sshd.freezeListener();
        const frozen = sshd.freezeSessions();
        r.defer(() => {
          sshd.thawListener();
          sshd.thawSessions();
        });
        r.check(frozen.length > 0, 'no session process to freeze');
        const frozenAt = Date.now();
        const seen = await untilWorker(fleet, (w) => w.status === 'unreachable', 15_000, 'unreachable');
        r.detectionMs = Date.now() - frozenAt;
        r.check(r.detectionMs < 5000, `unreachable after ${r.detectionMs} ms (bound 1 s × 2 + 3 s)`);
        r.check(seen.records >= 3 && seen.loss !== null && seen.epoch !== null, 'last values not kept');
        await sleep(4000); // the trainer keeps writing; reconnects time out against the frozen listener
        const still = workerOf(fleet, 'w');
        r.check(still.status === 'unreachable', `during the freeze: ${still.status}`);
        r.check(still.records === seen.records && still.loss === seen.loss, 'values changed while frozen');

        const thawedAt = Date.now();
        sshd.thawListener();
        sshd.thawSessions();
        await untilWorker(
          fleet,
          (w) => w.status === 'running' && w.records > seen.records + 20,
          30_000,
          'recovered and back-filled',
        );
        r.recoveryMs = Date.now() - thawedAt;
        await settle(r, trainer, fleet);
        r.connectionAttempts = connector.attempts;
        checkOneInFlight(r, connector);
        r.observed.push(
          `statuses ${tr.sequence('status', frozenAt).join(' → ')}`,
          `kept epoch ${seen.epoch} while frozen`,
          `${frozen.length} processes frozen`,
        );
      },
    ));

  it('listener frozen before the handshake', () =>
    fault(
      'listener frozen before the handshake',
      'unreachable ≤ connect bound (2 s); attempts within the backoff (1 s ×2, jitter); 1 connect in flight; connects after SIGCONT',
      async (r) => {
        const sshd = await sshdFor(r);
        sshd.freezeListener();
        r.defer(() => sshd.thawListener());
        const trainer = await trainerFor(r);
        const cfg = writeConfig(sshd, [{ name: 'w', dir: trainer.dir, metrics: 'metrics.jsonl' }], {
          hosts: { [sshd.alias]: hostFor({ connectTimeout: '2s' }) },
        });
        const { fleet, connector } = await countedFleet(r, cfg);
        const windowMs = 12_000;
        const { attempts, allowed } = await startUnreachable(r, fleet, connector, windowMs);
        r.check(attempts >= 3, `only ${attempts} attempts in ${windowMs} ms: not retrying?`);
        checkOneInFlight(r, connector);
        const reason = workerOf(fleet, 'w').reason;
        r.check(/timeout|did not answer|within/i.test(reason), `reason: ${reason}`);

        const thawedAt = Date.now();
        sshd.thawListener();
        await untilWorker(
          fleet,
          (w) => w.status === 'running' && w.records > 0,
          60_000,
          'connected after SIGCONT',
        );
        r.recoveryMs = Date.now() - thawedAt;
        r.connectionAttempts = connector.attempts;
        r.observed.push(
          `${attempts} attempts in ${windowMs / 1000} s (≤ ${allowed} allowed)`,
          gapsText(connector),
          `reason "${reason.slice(0, 60)}…"`,
        );
      },
    ));

  it('sshd killed and restarted', () =>
    fault(
      'sshd killed, restarted 8 s later',
      'unreachable at once; reconnect with backoff (no storm, 1 in flight); back-fill; 0 lost/dup',
      async (r) => {
        const sshd = await sshdFor(r);
        const { trainer, fleet, connector } = await watched(r, sshd);
        const before = connector.attempts;
        const killedAt = Date.now();
        await sshd.kill();
        await untilWorker(fleet, (w) => w.status === 'unreachable', 10_000, 'unreachable');
        r.detectionMs = Date.now() - killedAt;
        r.check(r.detectionMs < 2000, `unreachable after ${r.detectionMs} ms`);
        const downMs = 8000;
        await sleep(downMs - (Date.now() - killedAt));
        const during = connector.attempts - before;
        const allowed = maxAttemptsByBackoff(downMs);
        r.check(during <= allowed, `${during} attempts in ${downMs} ms down (backoff allows ${allowed})`);
        r.check(during >= 2, `only ${during} attempts while down`);
        const restartedAt = Date.now();
        await sshd.restart();
        await untilWorker(
          fleet,
          (w) => w.status === 'running' && w.connection === 'ok',
          30_000,
          'reconnected',
        );
        r.recoveryMs = Date.now() - restartedAt;
        await settle(r, trainer, fleet);
        r.connectionAttempts = connector.attempts;
        checkOneInFlight(r, connector);
        r.observed.push(
          `${during} attempts while down ${downMs / 1000} s (≤ ${allowed} allowed)`,
          gapsText(connector),
        );
      },
    ));

  it('slow link: a proxy adding 2.6 s each way', () =>
    fault(
      'slow link (proxy +2.6 s each way)',
      'connection "degraded" (probe > 5 s), status stays running, no flapping; back to ok when the delay goes; 0 lost/dup',
      async (r) => {
        const sshd = await sshdFor(r);
        const proxy = await startProxy({ targetPort: sshd.port });
        r.defer(() => proxy.stop());
        // keepalive 3 s × 3 tolerates a 5.2 s round trip; the link is slow, not dead.
        const hosts = viaProxy(sshd, proxy, { keepaliveInterval: '3s', keepaliveCount: 3 });
        const { trainer, fleet, connector } = await watched(r, sshd, { hosts, intervalMs: 300 });
        const tr = transitionsOf(r, fleet);
        const slowAt = Date.now();
        proxy.setDelay(2600);
        await untilWorker(fleet, (w) => w.connection === 'degraded', 40_000, 'degraded');
        r.detectionMs = Date.now() - slowAt;
        const degraded = workerOf(fleet, 'w');
        await sleep(35_000);
        const fastAt = Date.now();
        proxy.setDelay(0);
        await untilWorker(fleet, (w) => w.connection === 'ok' && w.status === 'running', 60_000, 'ok again');
        r.recoveryMs = Date.now() - fastAt;
        const connections = tr.sequence('connection', slowAt);
        const statuses = tr.sequence('status', slowAt);
        r.check(
          connections.join(',') === 'ok,degraded,ok',
          `connection went ${connections.join(' → ')} (expected ok → degraded → ok)`,
        );
        r.check(statuses.join(',') === 'running', `status went ${statuses.join(' → ')}`);
        if (statuses.length > 1) console.log(tr.seen.filter((s) => s.at >= slowAt));
        r.check(/slow link/.test(degraded.reason), `reason while slow: ${degraded.reason}`);
        await settle(r, trainer, fleet);
        r.connectionAttempts = connector.attempts;
        r.check(connector.attempts === 1, `${connector.attempts} connects (the slow link is not a lost one)`);
        r.observed.push(
          `connection ${connections.join(' → ')}`,
          `status ${statuses.join(' → ')}`,
          `reason "${degraded.reason.replace(/^.*\(slow link: /, 'slow link: ').slice(0, 40)}…"`,
        );
      },
    ));

  it('a proxy that cuts the connection mid-read', () =>
    fault(
      'link cut mid-read (proxy drops every connection, 3 times, 25 MB catch-up)',
      'reconnect, resume at the mirror length: mirror = remote byte for byte, 0 lost/dup',
      async (r) => {
        const sshd = await sshdFor(r);
        // 40 ms per chunk each way: an 8 MB read takes seconds, so the cuts land in the middle of one.
        const proxy = await startProxy({ targetPort: sshd.port, delayMs: 40 });
        r.defer(() => proxy.stop());
        const { dir, file, total } = await bigMetricsFile('vigil-cut-', 400_000);
        const cfg = writeConfig(sshd, [{ name: 'w', dir, metrics: 'metrics.jsonl' }], {
          hosts: viaProxy(sshd, proxy),
        });
        const { fleet, connector } = await countedFleet(r, cfg);
        const tr = transitionsOf(r, fleet);
        fleet.start();
        const mirror = () => workerOf(fleet, 'w').mirror!;
        const mirrorSize = () => (existsSync(mirror()) ? statSync(mirror()).size : 0);
        const cutsAt: { at: number; mirror: number; wire: number }[] = [];
        const detect: number[] = [];
        const recover: number[] = [];
        // Bytes on the wire that the mirror does not hold (yet): what a read in flight has received.
        // Cut k lands in the k-th 8 MB read (Vigil reads at most 8 MB per file per tick).
        const CHUNK = 8 * 2 ** 20;
        let unmatchedBase = 0;
        for (let cut = 1; cut <= 3; cut++) {
          await until(
            () => ({ m: mirrorSize(), c: workerOf(fleet, 'w').connection, down: proxy.bytes().down }),
            (s) =>
              s.c === 'ok' &&
              s.m >= (cut - 1) * CHUNK &&
              s.m < total &&
              s.down - s.m - unmatchedBase > 2 * 2 ** 20,
            60_000,
            `read ${cut} in flight`,
          );
          const at = Date.now();
          cutsAt.push({ at, mirror: mirrorSize(), wire: proxy.bytes().down });
          proxy.cutAll();
          await until(
            () => workerOf(fleet, 'w').connection,
            (c) => c === 'unreachable',
            10_000,
            'the cut noticed',
          );
          detect.push(Date.now() - at);
          await until(
            () => workerOf(fleet, 'w').connection,
            (c) => c === 'ok',
            20_000,
            'reconnected',
          );
          recover.push(Date.now() - at);
          unmatchedBase = proxy.bytes().down - mirrorSize();
        }
        await until(mirrorSize, (n) => n >= total, 90_000, 'caught up');
        await until(
          () => workerOf(fleet, 'w').records,
          (n) => n >= 400_000,
          20_000,
          'all records parsed',
        );
        r.detectionMs = Math.max(...detect);
        r.recoveryMs = Math.max(...recover);
        checkEpochs(r, file, fleet.worker('w')!.records.heldEpochs());
        checkMirror(r, mirror(), file);
        const statuses = tr.sequence('status');
        r.check(
          !statuses.includes('error') && !statuses.includes('failed'),
          `a cut showed as ${statuses.join(' → ')}`,
        );
        r.connectionAttempts = connector.attempts;
        checkOneInFlight(r, connector);
        r.observed.push(
          `cuts with mirror at ${cutsAt.map((c) => `${((c.mirror / total) * 100).toFixed(0)}%`).join(', ')} (wire ahead by ${cutsAt.map((c) => `${((c.wire - c.mirror) / 2 ** 20).toFixed(1)} MB`).join(', ')})`,
          `mirror = remote (${(total / 2 ** 20).toFixed(1)} MB)`,
          `statuses ${statuses.join(' → ')}`,
        );
      },
    ));

  it('Vigil SIGKILLed mid-read and restarted', () =>
    fault(
      'Vigil SIGKILLed mid-read (3 times in a 25 MB catch-up), restarted',
      'each restart resumes from the mirror: mirror = remote byte for byte, 0 lost/dup',
      async (r) => {
        const sshd = await sshdFor(r);
        // 40 ms per chunk each way: an 8 MB read takes seconds, so the kills land in the middle of one.
        const proxy = await startProxy({ targetPort: sshd.port, delayMs: 40 });
        r.defer(() => proxy.stop());
        const N = 400_000;
        const { dir, file, total } = await bigMetricsFile('vigil-kill-', N);
        const cfg = writeConfig(sshd, [{ name: 'w', dir, metrics: 'metrics.jsonl' }], {
          hosts: viaProxy(sshd, proxy),
        });
        const dataDir = freshDataDir();
        const children: EngineChild[] = [];
        const start = () => {
          const c = new EngineChild(cfg, dataDir);
          children.push(c);
          r.defer(() => c.stop());
          return c;
        };
        let child = start();
        const mirror = () => child.last?.workers[0]?.mirror ?? null;
        const mirrorSize = () => {
          const m = mirror();
          return m && existsSync(m) ? statSync(m).size : 0;
        };
        const CHUNK = 8 * 2 ** 20;
        let unmatchedBase = 0;
        const killedWith: number[] = [];
        const recover: number[] = [];
        for (let kill = 1; kill <= 3; kill++) {
          await until(
            () => ({ m: mirrorSize(), c: child.last?.workers[0]?.connection, down: proxy.bytes().down }),
            (x) =>
              x.c === 'ok' &&
              x.m >= (kill - 1) * CHUNK &&
              x.m < total &&
              x.down - x.m - unmatchedBase > 2 * 2 ** 20,
            90_000,
            `read ${kill} in flight (child: ${child.stderr.slice(-300)})`,
          );
          child.signal('SIGKILL');
          await child.exited;
          killedWith.push(mirrorSize());
          const restartedAt = Date.now();
          child = start();
          await until(
            () => child.last?.workers[0]?.connection,
            (c) => c === 'ok',
            30_000,
            `the restarted engine connected (${child.stderr.slice(-300)})`,
          );
          recover.push(Date.now() - restartedAt);
          unmatchedBase = proxy.bytes().down - mirrorSize();
        }
        await until(
          () => child.last?.workers[0]?.records ?? 0,
          (n) => n >= N,
          120_000,
          'caught up',
        );
        const m = mirror()!;
        const rssAtEnd = child.last!.rssMb;
        await child.stop();
        r.recoveryMs = Math.max(...recover);
        r.connectionAttempts = children.reduce((n, c) => n + (c.last?.attempts ?? 0), 0);
        checkMirror(r, m, file);
        r.rssBeforeMb = children[0]!.states[0]!.rssMb;
        r.rssAfterMb = rssAtEnd;
        // What a fresh engine restores from that data folder, record by record.
        const { fleet } = await openFleet({
          configPath: cfg,
          dataDir,
          recordsHeldPerWorker: HOLD_EVERY_RECORD,
        });
        checkEpochs(r, file, fleet.worker('w')!.records.heldEpochs());
        r.check(
          children.every((c) => c.alerts.every((a) => a.alert.kind !== 'error')),
          'an error alert during the restarts',
        );
        r.observed.push(
          `killed with the mirror at ${killedWith.map((k) => `${((k / total) * 100).toFixed(0)}%`).join(', ')}`,
          `mirror = remote (${(total / 2 ** 20).toFixed(1)} MB), ${N} records restored`,
          `${children.length} engine processes`,
        );
      },
    ));

  it('Vigil stopped (SIGSTOP) for 35 s, as a laptop sleep', () =>
    fault(
      'Vigil process stopped 35 s (SIGSTOP), then SIGCONT',
      'one catch-up poll (poll 5 s), no alert, back-fill, 0 lost/dup',
      async (r) => {
        const sshd = await sshdFor(r);
        const trainer = await trainerFor(r, 200);
        const cfg = writeConfig(
          sshd,
          [{ name: 'w', dir: trainer.dir, metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' } }],
          { poll: '5s' },
        );
        const dataDir = freshDataDir();
        const child = new EngineChild(cfg, dataDir);
        r.defer(() => child.stop());
        await until(
          () => child.last?.workers[0],
          (w) => w?.status === 'running' && w.records >= 3,
          30_000,
          `running (${child.stderr.slice(-300)})`,
        );
        await sleep(1000);
        child.signal('SIGSTOP');
        await sleep(200);
        const before = child.last!;
        await sleep(35_000);
        const resumedAt = Date.now();
        child.signal('SIGCONT');
        await sleep(3000);
        const window = child.states.filter((s) => s.t >= resumedAt && s.t <= resumedAt + 3000);
        const after = window.at(-1)!;
        const probes = after.probes - before.probes;
        r.check(probes === 1, `${probes} probes in the 3 s after SIGCONT (poll 5 s; one catch-up expected)`);
        const alerts = child.alerts.filter((a) => a.t >= resumedAt);
        r.check(alerts.length === 0, `alerts: ${alerts.map((a) => a.alert.kind).join(', ')}`);
        const caught = window.find((s) => s.workers[0]!.records > before.workers[0]!.records + 100);
        r.recoveryMs = caught ? caught.t - resumedAt : null;
        r.check(caught !== undefined, 'no back-fill within 3 s');
        const statuses = [...new Set(window.map((s) => s.workers[0]!.status))];
        r.check(statuses.join() === 'running', `statuses after waking: ${statuses.join(' → ')}`);
        trainer.pause();
        const remote = trainer.records();
        await until(
          () => child.last!.workers[0]!.records,
          (n) => n >= remote,
          15_000,
          'caught up',
        );
        await child.stop();
        const { fleet } = await openFleet({
          configPath: cfg,
          dataDir,
          recordsHeldPerWorker: HOLD_EVERY_RECORD,
        });
        checkEpochs(r, trainer.metricsPath, fleet.worker('w')!.records.heldEpochs());
        trainer.resume();
        r.connectionAttempts = after.attempts;
        // The engine is the child: its memory, not the test runner's.
        r.rssBeforeMb = before.rssMb;
        r.rssAfterMb = after.rssMb;
        r.check(after.attempts === 1, `${after.attempts} connects (the connection should survive)`);
        r.observed.push(
          `${probes} probe in the 3 s after SIGCONT, ${alerts.length} alerts`,
          `statuses ${statuses.join(' → ')}`,
        );
      },
    ));
});
