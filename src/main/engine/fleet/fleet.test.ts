import { appendFileSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../test/support/fake-clock';
import { localConnector } from '../../../../test/support/local-connector';
import type { WorkerSnapshot } from '../../../shared/model';
import { parseConfig } from '../config';
import type { ResolvedHost } from '../ssh';
import { Fleet, type FleetAlert } from './fleet';

const MIN = 60_000;

function scenario() {
  const clock = new FakeClock();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-fleet-'));
  const metrics = path.join(dir, 'metrics.jsonl');
  /** Appends records and stamps the file with the fake clock's time, as a remote trainer would. */
  const write = (...epochs: number[]) => {
    appendFileSync(
      metrics,
      epochs.map((e) => `${JSON.stringify({ epoch: e, step: e * 100, loss: 1 / e })}\n`).join(''),
    );
    const t = clock.now() / 1000;
    utimesSync(metrics, t, t);
  };
  writeFileSync(metrics, '');
  write(1, 2, 3);
  const config = parseConfig(
    `poll: 30s
alerts: { repeatEvery: 1h }
hosts: { gpu: { hostname: localhost, vitals: false } }
workers:
  - { name: I3D, host: gpu, dir: ${dir}, metrics: metrics.jsonl, stallAfter: 15m, totalEpochs: 5 }
`,
    'config.yaml',
  );
  const conn = localConnector(clock);
  return { clock, dir, write, config, conn };
}

async function watch(
  s: ReturnType<typeof scenario>,
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-fleet-data-')),
) {
  const fleet = await Fleet.create({
    config: s.config,
    dataDir,
    connector: s.conn,
    clock: s.clock,
    resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
  });
  const alerts: FleetAlert[] = [];
  fleet.onAlert((a) => alerts.push(a));
  fleet.start();
  const advance = (ms: number) => s.clock.advance(ms, () => fleet.whenIdle());
  await advance(0);
  return { fleet, alerts, advance, status: () => fleet.snapshot().workers[0]! };
}

describe('Fleet watching', () => {
  it('running → stalled after stallAfter (one alert) → recovered when records arrive (one alert)', async () => {
    const s = scenario();
    const { fleet, alerts, status, advance } = await watch(s);
    expect(status()).toMatchObject({ status: 'running', epoch: 3, records: 3 });
    await advance(14 * MIN);
    expect(status().status).toBe('late');
    await advance(2 * MIN);
    expect(status()).toMatchObject({ status: 'stalled' });
    expect(status().reason).toContain('no progress for 16 min');
    await advance(10 * MIN);
    expect(alerts.map((a) => a.kind)).toEqual(['stalled']);
    expect(alerts[0]).toMatchObject({ worker: 'I3D', status: 'stalled' });

    s.write(4);
    await advance(30_000); // next poll
    expect(status()).toMatchObject({ status: 'running', epoch: 4, records: 4 });
    expect(alerts.map((a) => a.kind)).toEqual(['stalled', 'recovered']);
    await fleet.stop();
  });

  it('a worker that reads as before keeps its snapshot object; any change, or time alone, gives a new one', async () => {
    const s = scenario();
    const { fleet, status, advance } = await watch(s);
    const seen: WorkerSnapshot[] = [];
    fleet.onSnapshot((snap) => seen.push(snap.workers[0]!));
    const first = status();
    await advance(5000); // five evaluations, nothing new
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const w of seen) expect(w).toBe(first);
    s.write(4);
    await advance(30_000);
    expect(status()).not.toBe(first);
    expect(status()).toMatchObject({ status: 'running', epoch: 4, records: 4, loss: 1 / 4 });
    const fresh = status();
    await advance(14 * MIN); // no record: time alone makes it late
    expect(status()).not.toBe(fresh);
    expect(status().status).toBe('late');
    await fleet.stop();
  });

  it('reminds once an hour while stalled, and polls at the configured pace (one probe per poll)', async () => {
    const s = scenario();
    const { fleet, alerts, advance } = await watch(s);
    await advance(16 * MIN + 2 * 3600_000);
    expect(alerts.map((a) => a.kind)).toEqual(['stalled', 'reminder', 'reminder']);
    const runs = s.conn.sessions[0]!.runs;
    expect(runs).toBeGreaterThanOrEqual(Math.floor((136 * MIN) / 30_000) - 1);
    expect(runs).toBeLessThanOrEqual(Math.ceil((136 * MIN) / 30_000) + 1);
    expect(s.conn.connects).toBe(1);
    await fleet.stop();
  });

  it('a dropped connection is unreachable at once with the last values kept, then reconnects and recovers', async () => {
    const s = scenario();
    const { fleet, alerts, status, advance } = await watch(s);
    s.conn.sessions[0]!.drop(Object.assign(new Error('keepalive timeout'), { kind: 'lost' }) as never);
    expect(status()).toMatchObject({ status: 'unreachable', epoch: 3, loss: 1 / 3 });
    expect(alerts.map((a) => a.kind)).toEqual(['unreachable']);
    await advance(1000); // the first backoff is at most 1 s, not the 30 s poll
    expect(status().status).toBe('running');
    await advance(1000);
    expect(s.conn.connects).toBe(2);
    expect(status().status).toBe('running');
    // One word of the return, for the host, with what happened meanwhile.
    expect(alerts.map((a) => a.kind)).toEqual(['unreachable', 'back']);
    expect(alerts[1]).toMatchObject({ host: 'gpu', workers: ['I3D'] });
    expect(alerts[1]!.message).toMatch(/^gpu: back after 1 s of silence \(.*\): nothing else changed$/);
    await fleet.stop();
  });

  it('after a sleep (a clock jump) every host is polled at once and stale alerts do not pile up', async () => {
    const s = scenario();
    const { fleet, alerts, status, advance } = await watch(s);
    const before = s.conn.sessions[0]!.runs;
    s.write(4, 5);
    // The laptop sleeps: the clock jumps two hours with no timer fired in between.
    s.clock.jump(2 * 3600_000);
    await advance(1000);
    expect(s.conn.sessions[0]!.runs).toBeGreaterThan(before);
    expect(status()).toMatchObject({ epoch: 5 });
    expect(alerts.length).toBeLessThanOrEqual(1);
    await fleet.stop();
  });

  it('the catch-up poll after a sleep is not followed by another a moment later, near a beat', async () => {
    const s = scenario();
    const { fleet, advance } = await watch(s);
    // Wake 28.5 s into a 30 s interval: the beat 1.5 s later is skipped, the one after is kept.
    s.clock.jump(2 * 3600_000 + 28_500);
    const before = s.conn.sessions[0]!.runs;
    await advance(3000);
    expect(s.conn.sessions[0]!.runs).toBe(before + 1);
    await advance(30_000);
    expect(s.conn.sessions[0]!.runs).toBe(before + 2);
    await fleet.stop();
  });

  it('with two hosts: a new record shows after its host answers, and every worker ages on the timer', async () => {
    const s = scenario();
    const other = path.join(s.dir, 'other.jsonl');
    writeFileSync(other, '{"epoch":1,"loss":2}\n');
    utimesSync(other, s.clock.now() / 1000, s.clock.now() / 1000);
    const config = parseConfig(
      `poll: 30s
hosts: { gpu: { hostname: localhost }, cpu: { hostname: localhost } }
workers:
  - { name: I3D, host: gpu, dir: ${s.dir}, metrics: metrics.jsonl, stallAfter: 15m }
  - { name: Other, host: cpu, dir: ${s.dir}, metrics: other.jsonl, stallAfter: 15m }
`,
      'config.yaml',
    );
    const { fleet, advance } = await watch({ ...s, config });
    const emitted: WorkerSnapshot[][] = [];
    fleet.onSnapshot((snap) => emitted.push(snap.workers));
    s.write(4);
    await advance(30_000); // the next poll of both hosts
    expect(emitted.at(-1)!.map((w) => [w.name, w.records, w.status])).toEqual([
      ['I3D', 4, 'running'],
      ['Other', 1, 'running'],
    ]);
    // Neither host's files move: both go stalled through the timer's evaluations.
    await advance(16 * MIN);
    expect(emitted.at(-1)!.map((w) => w.status)).toEqual(['stalled', 'stalled']);
    expect(fleet.snapshot().workers.map((w) => w.status)).toEqual(['stalled', 'stalled']);
    await fleet.stop();
  });

  it('hosts poll together on a shared beat, however long their own answers take', async () => {
    const s = scenario();
    const config = parseConfig(
      `poll: 30s
hosts: { fast: { hostname: localhost, vitals: false }, slow: { hostname: localhost, vitals: false } }
workers:
  - { name: Fast, host: fast, dir: ${s.dir}, metrics: metrics.jsonl }
  - { name: Slow, host: slow, dir: ${s.dir}, metrics: metrics.jsonl }
`,
      'config.yaml',
    );
    // The slow host's shell takes 7 s (of the fake clock) to answer each probe.
    const probesAt: Record<string, number[]> = { fast: [], slow: [] };
    const connector = {
      async connect(host: ResolvedHost) {
        const session = await s.conn.connect(host);
        const run = session.run.bind(session);
        session.run = async (script, opts) => {
          probesAt[host.name]!.push(s.clock.now());
          if (host.name === 'slow') await new Promise((r) => s.clock.setTimeout(() => r(null), 7000));
          return run(script, opts);
        };
        return session;
      },
    };
    const start = s.clock.now();
    const fleet = await Fleet.create({
      config,
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'vigil-fleet-data-')),
      connector,
      clock: s.clock,
      resolveHost: async (_c, name) => ({ name }) as ResolvedHost,
    });
    fleet.start();
    // Settle on the real I/O the timers start (a local sh), but not on the slow host: it waits on the
    // fake clock, which moves only when this settles.
    const realMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    await s.clock.advance(3 * 30_000 + 8000, () => Promise.race([fleet.whenIdle(), realMs(100)]));
    await fleet.stop(); // after the slow host's last answer (at 97 s): stop waits for it
    // Both start at once; after that, both on every multiple of 30 s of the clock (not 30 s after the
    // slow host's late answer, which would put it 7 s behind the other and drifting further each poll).
    const beats = [start, start + 30_000, start + 60_000, start + 90_000];
    expect(start % 30_000).toBe(0);
    expect(probesAt.fast).toEqual(beats);
    expect(probesAt.slow).toEqual(beats);
  });

  it('finished when the run reached totalEpochs and no process is watched: one notice', async () => {
    const s = scenario();
    s.write(4, 5);
    const { fleet, alerts, status, advance } = await watch(s);
    expect(status()).toMatchObject({ status: 'finished', epoch: 5, totalEpochs: 5 });
    await advance(5 * MIN);
    expect(alerts.map((a) => a.kind)).toEqual(['finished']);
    await fleet.stop();
  });

  it('an episode outlives a restart: no second "stalled", and the recovery carries the same episode', async () => {
    const s = scenario();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-fleet-data-'));
    const first = await watch(s, dataDir);
    await first.advance(16 * MIN);
    expect(first.alerts.map((a) => a.key)).toEqual([expect.stringMatching(/^I3D\/stalled-\w+:stalled$/)]);
    const stalledKey = first.alerts[0]!.key;
    await first.fleet.stop();

    // The process starts again on the same data folder; the worker is still stalled.
    const second = await watch(s, dataDir);
    await second.advance(5 * MIN);
    expect(second.status().status).toBe('stalled');
    expect(second.alerts).toEqual([]);
    s.write(4);
    await second.advance(30_000);
    expect(second.alerts.map((a) => a.key)).toEqual([stalledKey.replace(/:stalled$/, ':recovered')]);
    await second.fleet.stop();
  });
});
