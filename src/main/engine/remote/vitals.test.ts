import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeNvidiaSmi } from '../../../../test/support/fake-nvidia-smi';
import { FakeProc } from '../../../../test/support/fake-proc';
import { FollowerVitalsDriver } from '../../../../test/support/follower-vitals-driver';
import { vitalsAsk, vitalsShape } from './follower-vitals';
import { parseGpuApps, parseGpuDevices, parseVitalsOutput, throttleNames } from './vitals-parse';
import { buildVitalsScript, type VitalsRequest, vitalsEnv } from './vitals-script';

const N = 'fedcba9876543210';
const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-vitals-'));
afterAll(() => spawnSync('rm', ['-rf', root]));
let seq = 0;
const tmp = (name: string) => {
  const d = path.join(root, `${++seq}-${name}`);
  mkdirSync(d, { recursive: true });
  return d;
};

function request(proc: FakeProc | null, change: Partial<VitalsRequest> = {}): VitalsRequest {
  return {
    procRoot: proc?.procRoot ?? '/proc',
    sysRoot: proc?.sysRoot ?? '/sys',
    roots: [],
    dirs: [],
    pageSize: false,
    scan: false,
    gpuCollect: false,
    gpuStart: null,
    gpuTimeoutS: 5,
    ...change,
  };
}

/** Runs the script in a real sh, stderr merged as the control shell does, the nonce in the environment. */
function scriptVitals(req: VitalsRequest, env: Record<string, string> = {}) {
  const r = spawnSync('sh', ['-c', `exec 2>&1\n${buildVitalsScript(req)}`], {
    env: { ...process.env, VIGIL_NONCE: N, ...vitalsEnv(req), ...env },
    timeout: 10_000,
  });
  if (r.error) throw r.error;
  return parseVitalsOutput(req, r.stdout, N);
}

/**
 * The follower reads the vitals itself when it runs (follower-vitals.ts): every case below is run both
 * ways and must read the same. One follower per environment and GPU id, kept across ticks.
 */
type Backend = 'script' | 'follower';
const drivers = new Map<string, FollowerVitalsDriver>();
afterAll(() => {
  for (const d of drivers.values()) d.close();
});
let asked = 0;
async function vitals(backend: Backend, req: VitalsRequest, env: Record<string, string> = {}) {
  if (backend === 'script') return scriptVitals(req, env);
  const key = JSON.stringify([env, req.gpuId ?? '']);
  const driver = drivers.get(key) ?? new FollowerVitalsDriver(N, env);
  drivers.set(key, driver);
  const answer = await driver.ask(`=${vitalsShape(req)}\n${vitalsAsk(req, ++asked)}`);
  return parseVitalsOutput(req, answer, N);
}

/** The pid of the GPU query running for this backend, if any. */
function gpuJobPid(backend: Backend, runtime: string, env: Record<string, string>): string | undefined {
  if (backend === 'script') {
    const job = path.join(runtime, 'vigil-gpu', 'default.job');
    return existsSync(job) ? readFileSync(job, 'utf8').split(' ')[0] || undefined : undefined;
  }
  const d = drivers.get(JSON.stringify([env, '']));
  if (!d) return undefined;
  const kids = readFileSync(`/proc/${d.pid}/task/${d.pid}/children`, 'utf8').trim();
  return kids.split(' ')[0] || undefined;
}

const rec = (tag: string, index: number, payload: string) =>
  `${tag} ${index} ${Buffer.byteLength(payload)}:${payload}\n`;
const framed = (...records: string[]) => Buffer.from(rec('B', 0, N) + records.join('') + rec('E', 0, N));

describe.each(['script', 'follower'] as const)('vitals from a fixture /proc, read by the %s', (backend) => {
  it('reads memory, swap, load, cpus, uptime, boot id, the OOM counter and pressure', async () => {
    const proc = new FakeProc(tmp('full'), {
      memTotalKb: 63_963_136,
      memAvailableKb: 314_572,
      swapTotalKb: 2_097_148,
      swapFreeKb: 1_048_576,
      oomKills: 3,
      pswpin: 1200,
      pswpout: 3400,
      pressure: { memorySome: 71.5, memoryFull: 64.02, cpuSome: 12.5, ioSome: 3.25, ioFull: 1.5 },
    });
    const r = await vitals(backend, request(proc));
    expect(r.error).toBeNull();
    expect(r.unavailable).toBeNull();
    expect(r).toMatchObject({
      memTotalBytes: 63_963_136 * 1024,
      memAvailableBytes: 314_572 * 1024,
      swapTotalBytes: 2_097_148 * 1024,
      swapFreeBytes: 1_048_576 * 1024,
      load1: 3.5,
      cpus: 8,
      uptimeSeconds: 86_400.42,
      bootId: '5f1c3c1e-9d8b-4c0a-8f77-2d6a1e0b9c11',
      oomKills: 3,
      swapIns: 1200,
      swapOuts: 3400,
    });
    expect(r.pressure).toEqual({
      memorySome10: 71.5,
      memoryFull10: 64.02,
      cpuSome10: 12.5,
      ioSome10: 3.25,
      ioFull10: 1.5,
    });
  });

  it('a kernel without /proc/pressure or oom_kill leaves those null, never zero', async () => {
    const proc = new FakeProc(tmp('old-kernel'), { pressure: null, oomKills: null });
    const r = await vitals(backend, request(proc));
    expect(r.error).toBeNull();
    expect(r.pressure).toEqual({
      memorySome10: null,
      memoryFull10: null,
      cpuSome10: null,
      ioSome10: null,
      ioFull10: null,
    });
    expect(r.oomKills).toBeNull();
    expect(r.memTotalBytes).toBe(64_000_000 * 1024);
  });

  it('a host without /proc says vitals are unavailable, with nothing else made up', async () => {
    const r = await vitals(backend, request(null, { procRoot: path.join(tmp('bsd'), 'no-proc') }));
    expect(r.error).toBeNull();
    expect(r.unavailable).toMatch(/no \/proc/);
    expect(r.memTotalBytes).toBeNull();
    expect(r.disks).toEqual([]);
  });

  it('garbage in the files reads as unknown, never as a wrong number', async () => {
    const proc = new FakeProc(tmp('garbage'));
    const put = (rel: string, text: string) => writeFileSync(path.join(proc.procRoot, rel), text);
    put('meminfo', 'MemTotal: lots\nMemAvailable:   -5 kB\nSwapTotal: 1e9 kB\n\u0000\u0001binary\n');
    put('vmstat', 'oom_kill many\n');
    put('loadavg', 'high\n');
    put('uptime', '\n');
    put('sys/kernel/random/boot_id', '$(reboot)\n');
    put('pressure/memory', 'some avg10=NaN avg60=0 avg300=0 total=0\n');
    const r = await vitals(backend, request(proc));
    expect(r.error).toBeNull();
    expect(r).toMatchObject({
      memTotalBytes: null,
      memAvailableBytes: null,
      swapTotalBytes: null,
      oomKills: null,
      load1: null,
      uptimeSeconds: null,
      bootId: null,
    });
    expect(r.pressure.memorySome10).toBeNull();
  });

  it('follows a pid file to the process tree, DataLoader workers included, and reads each stat', async () => {
    const dir = tmp('tree');
    const proc = new FakeProc(dir, {
      processes: [
        { pid: 4000, ppid: 1, comm: 'python', utime: 5000, stime: 300, start: 7000, rssPages: 2_000_000 },
        { pid: 4001, ppid: 4000, comm: 'pt_data_worker', rssPages: 300_000 },
        { pid: 4002, ppid: 4000, comm: 'pt_data_worker', rssPages: 300_000 },
        // A name with a space, parentheses and a fake field list: the last ") " ends it.
        { pid: 4003, ppid: 4001, comm: 'x) R 1 2 (y', rssPages: 10 },
        { pid: 5000, ppid: 1, comm: 'other' },
      ],
    });
    const pidFile = path.join(dir, 'train.pid');
    writeFileSync(pidFile, '4000\n');
    const r = await vitals(
      backend,
      request(proc, { roots: [{ kind: 'pid-file', path: pidFile }, { kind: 'none' }] }),
    );
    expect(r.error).toBeNull();
    expect(r.roots[0]).toEqual({ kind: 'found', how: 'pid', pids: [4000] });
    expect(r.roots[1]).toEqual({ kind: 'not-asked' });
    expect(r.trees[0]!.sort()).toEqual([4000, 4001, 4002, 4003]);
    expect(r.procs.get(4000)).toEqual({
      pid: 4000,
      ppid: 1,
      state: 'S',
      utime: 5000,
      stime: 300,
      start: 7000,
      rssPages: 2_000_000,
    });
    expect(r.procs.get(4003)).toMatchObject({ ppid: 4001, rssPages: 10 });
    expect(r.procs.has(5000)).toBe(false);
    expect(r.noChildren).toBe(false);
  });

  it('says when the kernel has no children files, and when a pid file is missing, bad or a pipe', async () => {
    const dir = tmp('no-children');
    const proc = new FakeProc(dir, {
      children: false,
      processes: [
        { pid: 10, ppid: 1 },
        { pid: 11, ppid: 10 },
      ],
    });
    writeFileSync(path.join(dir, 'ok.pid'), '10\n');
    writeFileSync(path.join(dir, 'bad.pid'), 'not a pid\n');
    spawnSync('mkfifo', [path.join(dir, 'fifo.pid')]);
    const roots = ['ok.pid', 'bad.pid', 'none.pid', 'fifo.pid'].map((f) => ({
      kind: 'pid-file' as const,
      path: path.join(dir, f),
    }));
    const r = await vitals(backend, request(proc, { roots }));
    expect(r.error).toBeNull();
    expect(r.trees[0]).toEqual([10]);
    expect(r.noChildren).toBe(true);
    expect(r.roots.slice(1)).toEqual([
      { kind: 'problem', what: 'bad' },
      { kind: 'problem', what: 'nofile' },
      { kind: 'problem', what: 'unreadable' },
    ]);
  });

  it('finds a pattern with one ps: the topmost matches are the roots, never the script itself', async () => {
    const marker = `vigil-vitals-pattern-${process.pid}`;
    const parent = spawn('sh', ['-c', `sleep 30 & sleep 30 & wait # ${marker}`], { stdio: 'ignore' });
    try {
      let r = await vitals(
        backend,
        request(null, { roots: [{ kind: 'pattern', pattern: marker, pids: [] }], scan: true }),
      );
      for (let i = 0; i < 50 && r.trees[0]!.length < 3; i++) {
        spawnSync('sleep', ['0.1']);
        r = await vitals(
          backend,
          request(null, { roots: [{ kind: 'pattern', pattern: marker, pids: [] }], scan: true }),
        );
      }
      expect(r.error).toBeNull();
      expect(r.roots[0]).toEqual({ kind: 'found', how: 'match', pids: [parent.pid] });
      expect(r.trees[0]).toHaveLength(3); // sh and its two sleeps
      // Known pids next time: no ps, the same script (only the environment differs).
      const known = request(null, { roots: [{ kind: 'pattern', pattern: marker, pids: [parent.pid!] }] });
      expect(vitalsEnv(known)).toEqual({ VIGIL_K0: String(parent.pid), VIGIL_DISKS: '1' });
      const scanning = request(null, { roots: [{ kind: 'pattern', pattern: marker, pids: [] }], scan: true });
      expect(buildVitalsScript(known)).toBe(buildVitalsScript(scanning));
      const again = await vitals(backend, known);
      expect(again.roots[0]).toEqual({ kind: 'found', how: 'known', pids: [parent.pid] });
      expect(again.trees[0]).toHaveLength(3);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('reads the free space and inodes of each folder’s file system, and names missing folders', async () => {
    const dir = tmp('disks');
    const odd = path.join(dir, 'a b\n$(touch PWNED)');
    mkdirSync(odd);
    const r = await vitals(backend, request(null, { dirs: [dir, odd, path.join(dir, 'gone')] }));
    expect(r.error).toBeNull();
    expect(r.disks.map((d) => d.dir)).toEqual([dir, odd]);
    const df = spawnSync('df', ['-P', '-B1', dir], { encoding: 'utf8' }).stdout.split('\n')[1]!.split(/\s+/);
    expect(r.disks[0]!.totalBytes).toBe(Number(df[1]));
    expect(Math.abs(r.disks[0]!.freeBytes - Number(df[3])) / Number(df[1])).toBeLessThan(0.01);
    expect(r.disks[0]!.freeInodes).toBeGreaterThan(0);
    expect(r.missingDirs).toEqual([path.join(dir, 'gone')]);
    expect(existsSync('PWNED')).toBe(false);
  });
});

describe('the vitals answer is bound to its request', () => {
  const req = request(null, { roots: [{ kind: 'none' }] });
  it('refuses records nobody asked for, repeated ones, and forged pid lists', () => {
    expect(parseVitalsOutput(req, framed(rec('F', 0, 'f')), N).error).toMatch(/record "F"/);
    expect(parseVitalsOutput(req, framed(rec('W', 3, 'pid 1')), N).error).toMatch(/not asked/);
    expect(parseVitalsOutput(req, framed(rec('W', 0, 'pid 1'), rec('W', 0, 'pid 2')), N).error).toMatch(
      /repeats/,
    );
    expect(parseVitalsOutput(req, framed(rec('C', 0, '1 2; rm')), N).error).toMatch(/pid list/);
    expect(parseVitalsOutput(req, framed(rec('G', 0, '0, x')), N).error).toMatch(/no finished query/);
    expect(parseVitalsOutput(req, framed(rec('H', 0, 'done 1 5 9'), rec('G', 0, '0, x')), N).error).toMatch(
      /no finished query/,
    );
    expect(parseVitalsOutput(req, Buffer.from('Last login: today\n'), N).error).toMatch(/no start mark/);
  });

  it('a line in the awk record shaped otherwise is skipped, the rest kept', () => {
    const awk = ['M MemTotal:       1000 kB', 'T 12 1 S x y z 4', 'T 13 1 R 5 6 7 8', 'Z junk'].join('\n');
    const r = parseVitalsOutput(req, framed(rec('A', 0, awk)), N);
    expect(r.error).toBeNull();
    expect(r.memTotalBytes).toBe(1_024_000);
    expect([...r.procs.keys()]).toEqual([13]);
  });
});

describe('nvidia-smi --format=csv,noheader,nounits', () => {
  it('reads several devices, [N/A] and [Not Supported] as null, and the throttle reasons', () => {
    const g = parseGpuDevices([
      '0, GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e, NVIDIA A10G, 97, 20134, 23028, 61, 187.45, 300.00, 0x0000000000000000',
      '1, GPU-9c0d7a2b-41f3-2e6c-8d5a-0f1e2d3c4b5a, Tesla T4, [N/A], 3, 15360, 88, [N/A], [Not Supported], 0x0000000000000060',
    ]);
    expect(g.problem).toBeNull();
    expect(g.devices).toEqual([
      {
        index: 0,
        uuid: 'GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e',
        name: 'NVIDIA A10G',
        utilPct: 97,
        memUsedBytes: 20134 * 2 ** 20,
        memTotalBytes: 23028 * 2 ** 20,
        tempC: 61,
        powerW: 187.45,
        powerLimitW: 300,
        throttle: [],
      },
      {
        index: 1,
        uuid: 'GPU-9c0d7a2b-41f3-2e6c-8d5a-0f1e2d3c4b5a',
        name: 'Tesla T4',
        utilPct: null,
        memUsedBytes: 3 * 2 ** 20,
        memTotalBytes: 15360 * 2 ** 20,
        tempC: 88,
        powerW: null,
        powerLimitW: null,
        throttle: ['thermal (software)', 'thermal (hardware)'],
      },
    ]);
    expect(
      parseGpuApps([
        '4242, 19870, GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e',
        '4243, [N/A], GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e',
      ]).apps,
    ).toEqual([
      { pid: 4242, memBytes: 19870 * 2 ** 20, gpuUuid: 'GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e' },
      { pid: 4243, memBytes: null, gpuUuid: 'GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e' },
    ]);
    expect(parseGpuApps([])).toEqual({ state: 'done', query: 1, apps: [], problem: null });
    expect(throttleNames('[N/A]')).toBeNull();
  });

  it('a failure, garbage or no device is a problem in words, with no numbers', () => {
    const failed = parseGpuDevices([
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    ]);
    expect(failed.devices).toBeNull();
    expect(failed.problem).toMatch(/^nvidia-smi failed: NVIDIA-SMI has failed because/);
    const garbage = parseGpuDevices(['\u001b[1m<html>\u001b[0mSegmentation fault']);
    expect(garbage.devices).toBeNull();
    expect(garbage.problem).toMatch(/unexpected: \\x1b\[1m<html>/);
    expect(parseGpuDevices([]).problem).toMatch(/no GPU/);
    expect(parseGpuApps(['12, lots']).apps).toBeNull();
  });
});

describe.each(['script', 'follower'] as const)(
  'the GPU query runs in the background, asked by the %s',
  (backend) => {
    const smiEnv = (smiDir: string, runtime: string) => ({
      PATH: `${smiDir}:${process.env.PATH}`,
      XDG_RUNTIME_DIR: runtime,
    });

    /** Until the query started last has ended (the fake answers at once unless told to hang). */
    const waitForJob = (runtime: string, env: Record<string, string>) => {
      for (let i = 0; i < 100; i++) {
        const pid = gpuJobPid(backend, runtime, env);
        if (!pid || !existsSync(`/proc/${pid}`) || /\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')))
          return;
        spawnSync('sleep', ['0.05']);
      }
    };

    it('starts one query at a time, each forking nvidia-smi alone, and collects it the tick after', async () => {
      const smi = fakeNvidiaSmi(tmp('smi-ok'));
      smi.setApps(['4242, 19870, GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e']);
      const runtime = tmp('run-ok');
      const env = smiEnv(smi.dir, runtime);
      const first = await vitals(backend, request(null, { gpuCollect: true, gpuStart: 0 }), env);
      expect(first.gpuStarted).toBe(0);
      expect(first.gpu.state).toBe('not-asked'); // nothing to collect yet
      waitForJob(runtime, env);
      const second = await vitals(backend, request(null, { gpuCollect: true, gpuStart: 1 }), env);
      expect(second.error).toBeNull();
      expect(second.gpu).toMatchObject({ state: 'done', query: 0, problem: null });
      if (second.gpu.state !== 'done' || second.gpu.query !== 0) throw new Error('no devices');
      expect(second.gpu.devices?.map((d) => [d.index, d.utilPct])).toEqual([
        [0, 97],
        [1, 0],
      ]);
      expect(second.gpuStarted).toBe(1);
      waitForJob(runtime, env);
      const third = await vitals(backend, request(null, { gpuCollect: true }), env);
      expect(third.gpu).toEqual({
        state: 'done',
        query: 1,
        problem: null,
        apps: [{ pid: 4242, memBytes: 19870 * 2 ** 20, gpuUuid: 'GPU-5b1c6f1e-e1b8-8a73-5b1e-34f0b1a32a3e' }],
      });
      // Collected once: the next tick has nothing new.
      expect((await vitals(backend, request(null, { gpuCollect: true }), env)).gpu.state).toBe('not-asked');
      expect(smi.calls()).toHaveLength(2);
    });

    it('a hung nvidia-smi is reported and killed, and no second one starts beside it', async () => {
      const smi = fakeNvidiaSmi(tmp('smi-hang'));
      smi.setMode('hang');
      const runtime = tmp('run-hang');
      const env = smiEnv(smi.dir, runtime);
      const t0 = Date.now();
      await vitals(backend, request(null, { gpuStart: 0 }), env);
      expect(Date.now() - t0).toBeLessThan(3000); // the script did not wait for it
      const jobPid = gpuJobPid(backend, runtime, env);
      expect(jobPid).toBeDefined();
      const running = await vitals(
        backend,
        request(null, { gpuCollect: true, gpuStart: 1, gpuTimeoutS: 5 }),
        env,
      );
      expect(running.gpu).toMatchObject({ state: 'running', query: 0 });
      expect(running.gpuStarted).toBeNull();
      spawnSync('sleep', ['2.1']);
      const hung = await vitals(backend, request(null, { gpuCollect: true, gpuTimeoutS: 1 }), env);
      expect(hung.gpu).toMatchObject({ state: 'hung', query: 0 });
      if (hung.gpu.state === 'hung') expect(hung.gpu.elapsedS).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < 40 && existsSync(`/proc/${jobPid}`); i++) spawnSync('sleep', ['0.05']);
      expect(existsSync(`/proc/${jobPid}`)).toBe(false);
      expect(smi.calls()).toHaveLength(1);
    });

    it('two Vigils on one account keep their GPU answers apart', async () => {
      const smi = fakeNvidiaSmi(tmp('smi-two'));
      const runtime = tmp('run-two');
      const env = smiEnv(smi.dir, runtime);
      await vitals(backend, request(null, { gpuStart: 0, gpuId: 'aaaaaaaa' }), env);
      const other = await vitals(
        backend,
        request(null, { gpuCollect: true, gpuStart: 1, gpuId: 'bbbbbbbb' }),
        env,
      );
      expect(other.gpu.state).toBe('not-asked'); // not its job
      expect(other.gpuStarted).toBe(1); // its own runs beside
      for (let i = 0; i < 40; i++) spawnSync('sleep', ['0.05']);
      const mine = await vitals(backend, request(null, { gpuCollect: true, gpuId: 'aaaaaaaa' }), env);
      expect(mine.gpu).toMatchObject({ state: 'done', query: 0 });
    });

    it('a failing, a garbled and a missing nvidia-smi are each said, never read as numbers', async () => {
      for (const mode of ['fail', 'garbage'] as const) {
        const smi = fakeNvidiaSmi(tmp(`smi-${mode}`));
        smi.setMode(mode);
        const runtime = tmp(`run-${mode}`);
        await vitals(backend, request(null, { gpuStart: 0 }), smiEnv(smi.dir, runtime));
        waitForJob(runtime, smiEnv(smi.dir, runtime));
        const r = await vitals(backend, request(null, { gpuCollect: true }), smiEnv(smi.dir, runtime));
        expect(r.gpu).toMatchObject({ state: 'done', query: 0, devices: null });
        if (r.gpu.state === 'done')
          expect(r.gpu.problem).toMatch(
            mode === 'fail' ? /^nvidia-smi failed: NVIDIA-SMI has failed/ : /unexpected/,
          );
      }
      const none = await vitals(backend, request(null, { gpuCollect: true, gpuStart: 0 }), {
        PATH: '/usr/bin:/bin',
        XDG_RUNTIME_DIR: tmp('run-none'),
      });
      expect(none.gpu).toEqual({ state: 'absent' });
    });
  },
);
