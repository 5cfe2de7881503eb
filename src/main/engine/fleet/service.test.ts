import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../test/support/fake-clock';
import { localConnector } from '../../../../test/support/local-connector';
import { startReceiver } from '../../../../test/support/receiver';
import type { AlertEvent, Events, ProgressEvent } from '../../../shared/contract';
import type { ResolvedHost } from '../ssh';
import { SyncManager } from '../sync';
import { EngineService } from './service';

function setup(
  configText: (dir: string) => string,
  extra: Partial<ConstructorParameters<typeof EngineService>[0]> = {},
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-svc-'));
  for (const w of ['a', 'b']) writeFileSync(path.join(dir, `${w}.jsonl`), '{"epoch": 1, "loss": 0.5}\n');
  const configPath = path.join(dir, 'config.yaml');
  writeFileSync(configPath, configText(dir));
  const clock = new FakeClock();
  const conn = localConnector(clock);
  const svc = new EngineService({
    configPath,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'vigil-svc-data-')),
    clock,
    connector: conn,
    resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
    ...extra,
  });
  const alerts: AlertEvent[] = [];
  const snapshots: Events['snapshot'][] = [];
  svc.backend().subscribe((event, payload) => {
    if (event === 'alert') alerts.push(payload as AlertEvent);
    if (event === 'snapshot') snapshots.push(payload as Events['snapshot']);
  });
  return { dir, configPath, clock, conn, svc, alerts, snapshots };
}

const twoWorkers = (dir: string) => `hosts: { gpu: { hostname: localhost } }
workers:
  - { name: A, host: gpu, dir: ${dir}, metrics: a.jsonl }
  - { name: B, host: gpu, dir: ${dir}, metrics: b.jsonl }
`;

describe('EngineService', () => {
  it('a host that drops raises one alert naming both its workers', async () => {
    const s = setup(twoWorkers);
    await s.svc.start();
    await s.clock.advance(100, async () => {});
    await new Promise((r) => setTimeout(r, 300)); // the first real probe (a local sh)
    s.conn.sessions[0]!.drop(Object.assign(new Error('connection lost'), { kind: 'lost' }) as never);
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(s.alerts).toEqual([
      {
        worker: 'A',
        workers: ['A', 'B'],
        kind: 'unreachable',
        message: expect.stringContaining('connection lost'),
        at: expect.any(String),
        key: expect.stringMatching(/^A\/unreachable-\w+:unreachable$/),
      },
    ]);
    await s.svc.stop();
  });

  it('a config that cannot load is shown in the snapshot, and a reload picks up the fix', async () => {
    const s = setup(
      () => 'workers:\n  - { name: A, host: nowhere, dir: /x, metrics: m.jsonl, stalAfter: 1m }\n',
    );
    await s.svc.start();
    const snap = await s.svc.backend().getSnapshot();
    expect(snap.workers).toEqual([]);
    expect(snap.configError).toContain('config.yaml');
    expect(snap.configError).toContain('did you mean "stallAfter"?');
    writeFileSync(s.configPath, twoWorkers(s.dir));
    await s.svc.backend().reloadConfig();
    const fixed = await s.svc.backend().getSnapshot();
    expect(fixed.configError).toBeNull();
    expect(fixed.workers.map((w) => w.name)).toEqual(['A', 'B']);
    await s.svc.stop();
  });

  it('one writer per data folder: a second engine on the same folder is refused with the reason', async () => {
    const s = setup(twoWorkers);
    await s.svc.start();
    const dataDir = (s.svc as unknown as { opts: { dataDir: string } }).opts.dataDir;
    const other = new EngineService({ configPath: s.configPath, dataDir, connector: s.conn });
    await expect(other.start()).rejects.toThrow(/another Vigil is already watching .* set VIGIL_DATA/);
    await s.svc.stop();
  });

  it('commands name an unknown worker; getSeries answers from the records', async () => {
    const s = setup(twoWorkers);
    await s.svc.start();
    await new Promise((r) => setTimeout(r, 300));
    await s.clock.advance(10, async () => {});
    const backend = s.svc.backend();
    await expect(Promise.resolve().then(() => backend.openMirror('Nobody'))).rejects.toThrow(
      'no worker named "Nobody"',
    );
    const series = await backend.getSeries('A', ['loss'], { maxPoints: 100, x: 'step' });
    expect(series.series[0]).toMatchObject({ metric: 'loss', totalPoints: 1 });
    await s.svc.stop();
  });

  it('relays each grouped alert (outbox first) and shows the targets in the snapshot; a reload keeps the outbox', async () => {
    const receiver = await startReceiver();
    const logs: string[] = [];
    const withTarget = (dir: string) =>
      `${twoWorkers(dir)}alerts:\n  notify:\n    - webhook: { url: "${receiver.url}/hook" }\n`;
    const s = setup(withTarget, { relay: { log: (l) => logs.push(l) } });
    await s.svc.start();
    expect((await s.svc.backend().getSnapshot()).relay).toEqual([
      expect.objectContaining({
        label: expect.stringMatching(/^webhook 127\.0\.0\.1:\d+$/),
        state: 'ok',
        pending: 0,
      }),
    ]);
    await s.clock.advance(100, async () => {});
    await new Promise((r) => setTimeout(r, 300));
    s.conn.sessions[0]!.drop(Object.assign(new Error('connection lost'), { kind: 'lost' }) as never);
    await new Promise((r) => setTimeout(r, 0));
    const dataDir = (s.svc as unknown as { opts: { dataDir: string } }).opts.dataDir;
    expect(readFileSync(path.join(dataDir, 'outbox.jsonl'), 'utf8')).toContain(s.alerts[0]!.key);
    for (let i = 0; i < 100 && receiver.requests.length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(receiver.requests.map((r) => r.key)).toEqual([s.alerts[0]!.key]);
    const body = JSON.parse(receiver.requests[0]!.body);
    expect(body.alert).toMatchObject({ kind: 'unreachable', workers: ['A', 'B'] });
    expect(body.workers.map((w: { name: string }) => w.name)).toEqual(['A', 'B']);
    await s.svc.backend().reloadConfig();
    expect((await s.svc.backend().getSnapshot()).relay).toHaveLength(1);
    await s.svc.stop();
    await receiver.close();
    expect(logs).toEqual([]);
  });

  it('"Sync now" answers at once; the transfer reports through progress events, its end included', async () => {
    let finish: (() => void) | null = null;
    const s = setup(
      (dir) =>
        twoWorkers(dir).replace('metrics: b.jsonl }', 'metrics: b.jsonl, sync: [{ from: results/ }] }'),
      {
        createSync: (config, dataDir) =>
          new SyncManager({
            config,
            dataDir,
            resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
            runRule: () =>
              new Promise((resolve) => {
                finish = () =>
                  resolve({
                    ok: true,
                    severity: 'ok',
                    failure: null,
                    message: 'ok',
                    bytes: 42,
                    durationMs: 1,
                  });
              }),
          }),
      },
    );
    const progress: ProgressEvent[] = [];
    s.svc.backend().subscribe((event, payload) => {
      if (event === 'progress') progress.push(payload as ProgressEvent);
    });
    await s.svc.start();
    await s.svc.backend().syncNow('B'); // resolves while the transfer has not ended
    await new Promise((r) => setTimeout(r, 0));
    expect(finish).not.toBeNull();
    expect(progress.map((p) => p.phase)).toEqual(['queued', 'running']);
    finish!();
    await new Promise((r) => setTimeout(r, 0));
    expect(progress.at(-1)).toMatchObject({ worker: 'B', phase: 'ok', bytes: 42, message: 'ok' });
    await expect(Promise.resolve().then(() => s.svc.backend().syncNow('A'))).rejects.toThrow(
      'A has no sync rules in the config',
    );
    await s.svc.stop();
  });

  it('reloads in a burst run one at a time and coalesce: never two fleets, every record mirrored once', async () => {
    const s = setup(twoWorkers);
    await s.svc.start();
    const backend = s.svc.backend();
    const alive = () => s.conn.sessions.filter((x) => x.alive).length;
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, alive());
    }, 1);
    try {
      // A double-click, then three more: the first runs, the rest join the one queued behind it.
      await Promise.all([1, 2, 3, 4, 5].map(() => backend.reloadConfig()));
      await s.clock.advance(100, async () => {});
      await new Promise((r) => setTimeout(r, 300));
      const again = [backend.reloadConfig(), backend.reloadConfig()];
      await Promise.all(again);
      await s.clock.advance(100, async () => {});
      await until(() => alive() === 1 && s.conn.sessions.length >= 2);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeLessThanOrEqual(1);
    // start, the burst (once), the pair (once): three fleets one after the other.
    expect(s.conn.connects).toBeLessThanOrEqual(3);
    const snap = await backend.getSnapshot();
    expect(snap.workers.map((w) => [w.name, w.records])).toEqual([
      ['A', 1],
      ['B', 1],
    ]);
    await s.svc.stop();
  });

  it('stop stops a reload in flight: nothing runs after it, the data folder is released', async () => {
    const s = setup(twoWorkers);
    await s.svc.start();
    const backend = s.svc.backend();
    const reloading = backend.reloadConfig();
    const stopped = s.svc.stop();
    const late = backend.reloadConfig(); // after stop: does nothing
    await Promise.all([reloading, stopped, late]);
    const runsAfter = s.conn.sessions.reduce((n, x) => n + x.runs, 0);
    await s.clock.advance(5000, async () => {});
    await new Promise((r) => setTimeout(r, 300));
    expect(s.conn.sessions.filter((x) => x.alive)).toEqual([]);
    expect(s.conn.sessions.reduce((n, x) => n + x.runs, 0)).toBe(runsAfter);
    const dataDir = (s.svc as unknown as { opts: { dataDir: string } }).opts.dataDir;
    const next = new EngineService({ configPath: s.configPath, dataDir, connector: s.conn });
    await next.start(); // the lock was released
    await next.stop();
  });
});

async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EngineService snapshot events', () => {
  it('tells a host-only change (a new vitals reading) though no worker changed, and nothing when all is the same', async () => {
    const s = setup(twoWorkers);
    await s.svc.start();
    const snap = await s.svc.backend().getSnapshot();
    const host = snap.hosts![0]!;
    // The decision alone, on snapshots as the fleet gives them: unchanged parts keep their objects.
    const emit = (x: typeof snap) =>
      (s.svc as unknown as { emitIfChanged(x: typeof snap): void }).emitIfChanged(x);
    emit(snap);
    const told = s.snapshots.length;
    emit({ ...snap }); // the same workers and hosts: nothing to tell
    expect(s.snapshots.length).toBe(told);
    emit({ ...snap, hosts: [{ ...host, vitalsNote: 'vitals unavailable: timed out' }] });
    expect(s.snapshots.length).toBe(told + 1);
    expect(s.snapshots.at(-1)!.hosts![0]!.vitalsNote).toBe('vitals unavailable: timed out');
    await s.svc.stop();
  });
});
