// Host vitals through the real sshd: this machine's own /proc read over SSH agrees with the same files
// read here; a stand-in nvidia-smi first on the host's PATH (sshd's SetEnv) answers, hangs, fails,
// prints garbage; and a warning scenario end to end with a fixture /proc: memory nearly gone → a
// warning before the run is killed, the OOM counter rises → an alert naming the worker, the host goes
// silent with its post-mortem and comes back rebooted → one summary.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/main/engine/fleet';
import type { AlertEvent } from '../../src/shared/contract';
import { type FakeSmi, fakeNvidiaSmi } from '../support/fake-nvidia-smi';
import { FakeProc } from '../support/fake-proc';
import { type Sshd, startSshd } from '../support/sshd';
import { freshDataDir, hostFor, runVigil, until, writeConfig } from './helpers';

const meminfo = (key: string) =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
const vmstat = (key: string) => {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync('/proc/vmstat', 'utf8'));
  return m ? Number(m[1]) : null;
};
/** RSS of a process and its descendants, read here. */
function treeRss(pid: number): number {
  const page = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }));
  let sum = 0;
  const walk = (p: number) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    sum += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[21]) * page;
    for (const t of execFileSync('ls', [`/proc/${p}/task`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)) {
      const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) walk(Number(k));
    }
  };
  walk(pid);
  return sum;
}

describe('host vitals through a real sshd', () => {
  let sshd: Sshd;
  let smi: FakeSmi;
  const children: ChildProcess[] = [];
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-vitals-it-'));
    smi = fakeNvidiaSmi(path.join(dir, 'smi'));
    // The stand-in goes first on the PATH of every session this sshd starts (OpenSSH's SetEnv).
    sshd = await startSshd({ extraConfig: [`SetEnv PATH=${smi.dir}:/usr/local/bin:/usr/bin:/bin`] });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await sshd?.stop();
  });

  /** A "training run": a shell holding memory, with three children (DataLoader workers). */
  function trainer(tag: string): ChildProcess {
    const script = `x=$(head -c 4000000 /dev/zero | tr '\\0' a); sleep 300 & sleep 300 & sleep 300 & wait # ${tag}`;
    const c = spawn('sh', ['-c', script], { stdio: 'ignore' });
    children.push(c);
    return c;
  }

  function config(workers: { name: string; pid?: number; match?: string }[], vitals?: unknown): string {
    const wdir = path.join(dir, 'run');
    mkdirSync(wdir, { recursive: true });
    writeFileSync(path.join(wdir, 'metrics.jsonl'), '{"epoch": 1, "loss": 2.5}\n');
    return writeConfig(
      sshd,
      workers.map((w) => {
        if (w.pid !== undefined) writeFileSync(path.join(wdir, `${w.name}.pid`), `${w.pid}\n`);
        return {
          name: w.name,
          dir: wdir,
          metrics: 'metrics.jsonl',
          process: w.pid !== undefined ? { pidFile: `${w.name}.pid` } : { match: w.match! },
        };
      }),
      vitals === undefined ? {} : { hosts: { [sshd.alias]: hostFor({ vitals }) } },
    );
  }

  it('this machine’s /proc read over SSH agrees with the same files read here', async () => {
    smi.setMode('ok');
    const tag = `vigil-vitals-it-${process.pid}`;
    const a = trainer(`${tag}-a`);
    trainer(`${tag}-b`);
    await until(
      () => readFileSync(`/proc/${a.pid}/task/${a.pid}/children`, 'utf8').trim().split(' ').length,
      (n) => n >= 3,
      10_000,
      'the trainer’s children',
    );
    smi.setApps([`${a.pid}, 1536, GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e`]);
    const cfg = config([
      { name: 'A', pid: a.pid! },
      { name: 'B', match: `${tag}-b` },
    ]);
    // Read here just before and just after: what the host said must lie between (other programs on this
    // machine move memory and load meanwhile).
    const before = { avail: meminfo('MemAvailable'), load: os.loadavg()[0]! };
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    const after = { avail: meminfo('MemAvailable'), load: os.loadavg()[0]! };
    const within = (v: number, a: number, b: number, slack: number) =>
      v >= Math.min(a, b) - slack && v <= Math.max(a, b) + slack;
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout);
    expect(out.hosts).toHaveLength(1);
    const h = out.hosts[0];
    expect(Object.keys(h).sort()).toEqual(
      [
        'name',
        'connection',
        'lastContactAt',
        'bootId',
        'vitalsAt',
        'vitals',
        'vitalsNote',
        'disks',
        'gpus',
        'gpuNote',
        'warnings',
        'silence',
        'returned',
      ].sort(),
    );
    expect(h).toMatchObject({ name: sshd.alias, connection: 'ok', vitalsNote: null, silence: null });
    expect(h.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const v = h.vitals;
    expect(v.memTotalBytes).toBe(meminfo('MemTotal'));
    expect(within(v.memAvailableBytes, before.avail, after.avail, 0.02 * v.memTotalBytes)).toBe(true);
    expect(v.swapTotalBytes).toBe(meminfo('SwapTotal'));
    expect(v.cpus).toBe(os.cpus().length);
    expect(v.oomKills).toBe(vmstat('oom_kill'));
    expect(Math.abs(v.uptimeSeconds - os.uptime())).toBeLessThan(30);
    expect(within(v.load1, before.load, after.load, 1)).toBe(true);
    if (existsSync('/proc/pressure/memory')) expect(v.pressure.memorySome10).toEqual(expect.any(Number));
    else expect(v.pressure.memorySome10).toBeNull();
    const fs = statfsSync(path.join(dir, 'run'));
    expect(h.disks).toHaveLength(1);
    expect(h.disks[0]).toMatchObject({ path: path.join(dir, 'run'), workers: ['A', 'B'] });
    expect(h.disks[0].totalBytes).toBe(fs.blocks * fs.bsize);
    expect(Math.abs(h.disks[0].freeBytes - fs.bavail * fs.bsize)).toBeLessThan(0.01 * h.disks[0].totalBytes);
    // Each worker's tree (the pattern's too), and the GPU memory of its pid from the compute apps.
    const [wa, wb] = out.workers;
    expect(Math.abs(wa.resources.rssBytes - treeRss(a.pid!)) / treeRss(a.pid!)).toBeLessThan(0.1);
    expect(wa.resources.rssBytes).toBeGreaterThan(4_000_000);
    expect(wa.resources.gpuMemBytes).toBe(1536 * 2 ** 20);
    expect(wb.resources.rssBytes).toBeGreaterThan(4_000_000);
    expect(wb.resources.gpuMemBytes).toBe(0);
    expect(
      h.gpus.map((g: { index: number; utilPct: number | null; powerW: number | null }) => [
        g.index,
        g.utilPct,
        g.powerW,
      ]),
    ).toEqual([
      [0, 97, 187.45],
      [1, 0, null],
    ]);
    // The text form: a line for the host.
    const text = await runVigil(['status', '--config', cfg], { VIGIL_DATA: freshDataDir() });
    expect(text.stdout).toMatch(
      new RegExp(`^HOST ${sshd.alias}: ok · RAM [\\d.]+ GB free of [\\d.]+ GB · .* · GPU0 97 % `, 'm'),
    );
  });

  it('a hung nvidia-smi is a finding (and is killed), not a delay; a failing or garbled one is said', async () => {
    const cfg = config([{ name: 'A', pid: process.pid }]);
    smi.setMode('hang');
    const t0 = Date.now();
    const res = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() });
    expect(Date.now() - t0).toBeLessThan(30_000);
    const h = JSON.parse(res.stdout).hosts[0];
    expect(h.gpuNote).toMatch(/^nvidia-smi did not answer within \d+ s — the GPU driver may be wedged$/);
    expect(h.gpus).toEqual([]);
    expect(h.warnings.map((w: { kind: string }) => w.kind)).toContain('gpu-hung');
    expect(h.vitals.memTotalBytes).toBe(meminfo('MemTotal')); // the rest of the vitals are there
    const stuck = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(`${smi.dir}/nvidia-smi`));
    expect(stuck).toEqual([]);

    smi.setMode('fail');
    const failed = JSON.parse(
      (await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() })).stdout,
    ).hosts[0];
    expect(failed.gpuNote).toMatch(
      /^nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate/,
    );
    expect(failed.gpus).toEqual([]);

    smi.setMode('garbage');
    const garbled = JSON.parse(
      (await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() })).stdout,
    ).hosts[0];
    expect(garbled.gpuNote).toMatch(/^nvidia-smi printed something unexpected: /);
    smi.setMode('ok');
  });

  it('vitals: false reads nothing of the host and says so; JSON has nulls, never zeros', async () => {
    const cfg = config([{ name: 'A', pid: process.pid }], false);
    const out = JSON.parse(
      (await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: freshDataDir() })).stdout,
    );
    expect(out.hosts[0]).toMatchObject({
      vitals: null,
      disks: [],
      gpus: [],
      vitalsNote: 'vitals are off for this host (vitals: false)',
    });
    expect(out.workers[0].resources).toEqual({ rssBytes: null, cpuPct: null, gpuMemBytes: null });
  });

  it('warning before the freeze, the OOM kill named, the silence explained, the reboot summed up', async () => {
    const run = trainer(`vigil-oom-${process.pid}`);
    const proc = new FakeProc(path.join(dir, 'fixture'), {
      memTotalKb: 64_000_000,
      memAvailableKb: 30_000_000,
      processes: [
        { pid: run.pid!, ppid: 1, rssPages: 8_000_000 },
        { pid: run.pid! + 100_000, ppid: run.pid!, rssPages: 500_000 },
      ],
    });
    const cfg = config([{ name: 'I3D', pid: run.pid! }], { every: '2s' });
    const { fleet } = await openFleet({
      configPath: cfg,
      dataDir: freshDataDir(),
      vitalsRoots: { procRoot: proc.procRoot, sysRoot: proc.sysRoot },
    });
    const alerts: AlertEvent[] = [];
    fleet.onAlert((a) => alerts.push({ ...a, at: new Date(a.at).toISOString() }));
    fleet.start();
    try {
      await until(
        () => fleet.snapshot().hosts?.[0]?.vitals,
        (v) => v !== null && v !== undefined,
        15_000,
        'vitals',
      );
      expect(fleet.snapshot().workers[0]!.status).toBe('running');

      // Memory grows until nearly none is left: a warning, while the run is still alive.
      proc.set({
        memAvailableKb: 1_500_000,
        pressure: { memorySome: 55, memoryFull: 22, cpuSome: 10, ioSome: 1, ioFull: 0 },
      });
      const warned = await until(
        () => alerts.filter((a) => a.kind === 'warning'),
        (l) => l.length >= 1,
        15_000,
        'a warning',
      );
      expect(warned[0]!.message).toMatch(
        new RegExp(
          `^${sshd.alias}: memory nearly exhausted: 1\\.4 of 61 GB free, no swap, memory pressure 22 %`,
        ),
      );
      expect(fleet.snapshot().workers[0]!.process).toBe('running');

      // The OOM killer takes it: the counter rises, the process is gone.
      run.kill('SIGKILL');
      proc.set({ oomKills: 1, processes: [] });
      const oom = await until(
        () => alerts.filter((a) => a.kind === 'warning' && /the OOM killer fired/.test(a.message)),
        (l) => l.length === 1,
        15_000,
        'the OOM alert',
      );
      expect(oom[0]!.message).toMatch(
        /the OOM killer fired \(1 process killed, the last at \d\d:\d\d\): I3D's process \d+ is gone/,
      );
      expect(oom[0]!.workers).toEqual(['I3D']);

      // The host goes silent: its post-mortem is the reason.
      proc.set({
        memAvailableKb: 200_000,
        pressure: { memorySome: 90, memoryFull: 70, cpuSome: 10, ioSome: 1, ioFull: 0 },
      });
      await until(
        () => fleet.snapshot().hosts![0]!.vitals?.memAvailableBytes,
        (b) => b === 200_000 * 1024,
        15_000,
        'the last vitals',
      );
      sshd.freezeListener();
      sshd.killSessions();
      // Its process was seen killed before the silence: the run stays failed, the silence explained.
      const silent = await until(
        () => fleet.snapshot().workers[0]!,
        (w) => w.reason.includes('host unreachable') && w.reason.includes('likely cause'),
        20_000,
        'the silence in the reason',
      );
      expect(silent.status).toBe('failed');
      expect(silent.reason).toMatch(
        /0\.2 of 61 GB free, no swap, memory pressure 70 %(, down [^→]*)? → memory exhaustion is the likely cause/,
      );
      expect(fleet.snapshot().hosts![0]!.silence).toMatch(
        /^silent since \d\d:\d\d · last answer \d\d:\d\d:\d\d: /,
      );

      // It comes back rebooted.
      proc.set({
        bootId: 'c0ffee00-1111-2222-3333-444455556666',
        uptime: 95,
        memAvailableKb: 60_000_000,
        oomKills: 0,
        pressure: null,
      });
      sshd.thawListener();
      const back = await until(
        () => alerts.filter((a) => a.kind === 'back'),
        (l) => l.length === 1,
        40_000,
        'the summary',
      );
      expect(back[0]!.message).toMatch(
        new RegExp(
          `^${sshd.alias}: back after .* of silence \\(\\d\\d:\\d\\d–\\d\\d:\\d\\d\\): it rebooted \\(boot id changed, up 1 min\\), so every run's process is gone`,
        ),
      );
      expect(fleet.snapshot().hosts![0]!.returned?.text).toMatch(/^back after .*it rebooted/);
    } finally {
      await fleet.stop();
    }
  });
});
