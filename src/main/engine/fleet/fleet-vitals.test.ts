import { appendFileSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../test/support/fake-clock';
import { FakeProc } from '../../../../test/support/fake-proc';
import { localConnector } from '../../../../test/support/local-connector';
import { parseConfig } from '../config';
import type { ResolvedHost, SshError } from '../ssh';
import { Fleet, type FleetAlert } from './fleet';

const S = 1000;

/** A worker whose pid file names this test's own process (alive), shadowed in a fixture /proc. */
async function scenario(vitals = '{ every: 10s }') {
  const clock = new FakeClock();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-fvitals-'));
  const metrics = path.join(dir, 'metrics.jsonl');
  let epoch = 0;
  const write = () => {
    epoch++;
    appendFileSync(metrics, `${JSON.stringify({ epoch, loss: 1 / epoch })}\n`);
    const t = clock.now() / 1000;
    utimesSync(metrics, t, t);
  };
  writeFileSync(metrics, '');
  write();
  writeFileSync(path.join(dir, 'train.pid'), `${process.pid}\n`);
  const proc = new FakeProc(path.join(dir, 'fixture'), {
    processes: [
      { pid: process.pid, ppid: 1, utime: 1000, stime: 100, start: 5000, rssPages: 1_000_000 },
      { pid: 900_001, ppid: process.pid, rssPages: 250_000 },
    ],
  });
  const config = parseConfig(
    `poll: 5s
hosts: { gpu: { hostname: localhost, vitals: ${vitals} } }
workers:
  - { name: I3D, host: gpu, dir: ${dir}, metrics: metrics.jsonl, process: { pidFile: train.pid }, stallAfter: 1h }
`,
    'config.yaml',
  );
  const conn = localConnector(clock);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-fvitals-data-'));
  const open = async () => {
    const fleet = await Fleet.create({
      config,
      dataDir,
      connector: conn,
      clock,
      resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
      vitalsRoots: { procRoot: proc.procRoot, sysRoot: proc.sysRoot },
    });
    const alerts: FleetAlert[] = [];
    fleet.onAlert((a) => alerts.push(a));
    fleet.start();
    const advance = (ms: number) => clock.advance(ms, () => fleet.whenIdle());
    await advance(0);
    return { fleet, alerts, advance, host: () => fleet.snapshot().hosts![0]! };
  };
  return { clock, proc, conn, write, open };
}

describe('host vitals in the fleet', () => {
  it('reads the host at its own cadence and shows vitals and each worker’s resources', async () => {
    const s = await scenario();
    const { fleet, advance, host } = await s.open();
    expect(host()).toMatchObject({ name: 'gpu', connection: 'ok', bootId: s.proc.state.bootId });
    expect(host().vitals).toMatchObject({ memTotalBytes: 64_000_000 * 1024, cpus: 8, oomKills: 0 });
    expect(host().disks[0]).toMatchObject({ workers: ['I3D'] });
    expect(fleet.snapshot().workers[0]!.resources).toMatchObject({
      rssBytes: 1_250_000 * 4096,
      cpuPct: null,
    });
    const runs = () => s.conn.sessions[0]!.runs;
    const before = runs();
    // 40 s at a 5 s poll: 8 probes, 4 vitals runs.
    s.proc.set({
      uptime: s.proc.state.uptime + 10,
      processes: s.proc.state.processes.map((p) => (p.pid === process.pid ? { ...p, utime: 1500 } : p)),
    });
    await advance(10 * S);
    expect(fleet.snapshot().workers[0]!.resources?.cpuPct).toBeCloseTo(50, 0);
    await advance(30 * S);
    expect(runs() - before).toBe(12);
    await fleet.stop();
  });

  it('warns before the freeze (memory), then names the worker the OOM killer took, once each', async () => {
    const s = await scenario();
    const { fleet, alerts, advance, host } = await s.open();
    s.proc.set({ memAvailableKb: 1_200_000 });
    await advance(10 * S);
    expect(alerts.map((a) => a.kind)).toEqual(['warning']);
    expect(alerts[0]).toMatchObject({ host: 'gpu', workers: ['I3D'] });
    expect(alerts[0]!.message).toMatch(/^gpu: memory nearly exhausted: 1\.1 of 61 GB free, no swap/);
    expect(host().warnings.map((w) => w.kind)).toEqual(['memory']);
    await advance(20 * S);
    expect(alerts).toHaveLength(1); // one notification per episode
    // The kernel kills the run: the counter rises and its process leaves /proc.
    s.proc.set({ oomKills: 1, processes: [] });
    await advance(10 * S);
    expect(alerts.map((a) => a.kind)).toEqual(['warning', 'warning']);
    expect(alerts[1]!.message).toMatch(
      /the OOM killer fired \(1 process killed, the last at \d\d:\d\d\): I3D's process \d+ is gone/,
    );
    expect(alerts[1]!.workers).toEqual(['I3D']);
    await fleet.stop();
  });

  it('a silence carries the post-mortem; the answer after a reboot is one summary', async () => {
    const s = await scenario();
    const { fleet, alerts, advance, host } = await s.open();
    s.proc.set({
      memAvailableKb: 300_000,
      pressure: { memorySome: 80, memoryFull: 64, cpuSome: 10, ioSome: 0, ioFull: 0 },
    });
    await advance(10 * S);
    s.conn.sessions[0]!.drop(Object.assign(new Error('keepalive timeout'), { kind: 'lost' }) as SshError);
    expect(host().silence).toMatch(
      /^silent since \d\d:\d\d · last answer \d\d:\d\d:\d\d: 0\.3 of 61 GB free, no swap, memory pressure 64 %, down 62 % of RAM in 10 s → memory exhaustion is the likely cause \(thrashing, or the OOM killer took sshd\)$/,
    );
    const w = fleet.snapshot().workers[0]!;
    expect(w.status).toBe('unreachable');
    expect(w.reason).toContain('memory exhaustion is the likely cause');
    expect(alerts.find((a) => a.kind === 'unreachable')!.message).toContain('memory exhaustion');
    // It comes back rebooted; the run wrote on meanwhile (the mirror back-fills it).
    s.proc.set({ bootId: '9a9a9a9a-1111-2222-3333-444455556666', uptime: 120, memAvailableKb: 60_000_000 });
    s.write();
    s.write();
    await advance(2 * S);
    const back = alerts.filter((a) => a.kind === 'back');
    expect(back).toHaveLength(1);
    expect(back[0]!.message).toMatch(
      /^gpu: back after \d+ s of silence \(\d\d:\d\d–\d\d:\d\d\): it rebooted \(boot id changed, up 2 min\), so every run's process is gone; records back-filled: I3D 2 \(now epoch 3\)$/,
    );
    expect(host().silence).toBeNull();
    expect(host().returned?.text).toBe(back[0]!.message.slice('gpu: '.length));
    expect(alerts.some((a) => a.kind === 'recovered')).toBe(false);
    await fleet.stop();
  });

  it('the history survives a restart: a reboot while Vigil was closed is told at the next start', async () => {
    const s = await scenario();
    const first = await s.open();
    await first.advance(10 * S);
    await first.fleet.stop();
    s.proc.set({ bootId: '7b7b7b7b-1111-2222-3333-444455556666', uptime: 300 });
    s.clock.jump(3_600_000);
    const again = await s.open();
    expect(again.alerts.map((a) => a.kind)).toEqual(['back']);
    expect(again.alerts[0]!.message).toMatch(/^gpu: since Vigil last read it, 1 h ago \(.*\): it rebooted/);
    await again.fleet.stop();
  });

  it('vitals: false reads nothing more than the probe and says so', async () => {
    const s = await scenario('false');
    const { fleet, advance, host } = await s.open();
    const before = s.conn.sessions[0]!.runs;
    await advance(20 * S);
    expect(s.conn.sessions[0]!.runs - before).toBe(4); // probes only
    expect(host()).toMatchObject({
      vitals: null,
      vitalsNote: 'vitals are off for this host (vitals: false)',
    });
    expect(fleet.snapshot().workers[0]!.resources).toBeUndefined();
    await fleet.stop();
  });
});
