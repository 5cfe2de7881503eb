// `vigil serve` starts and stops as a user expects: a taken port ends it at once having opened nothing,
// and one SIGTERM always ends it, even while connecting to a silent host or stopping with a frozen one.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../support/proc';
import { type Sshd, startSshd } from '../support/sshd';
import { startTarpit, type Tarpit } from '../support/tarpit';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, hostFor, until, VIGIL_BIN, type WorkerSpec, writeConfig } from './helpers';

/** The pid of the ssh master behind each control socket of a data folder (asked over the socket). */
function masters(dataDir: string): number[] {
  const dir = path.join(dataDir, 'ssh');
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const name of readdirSync(dir)) {
    const r = spawnSync(
      'ssh',
      ['-F', 'none', '-o', `ControlPath=${path.join(dir, name)}`, '-O', 'check', 'x'],
      {
        encoding: 'utf8',
        timeout: 3000,
      },
    );
    const out = `${r.stdout}${r.stderr}`;
    const m = /pid=(\d+)/.exec(out);
    if (m) pids.push(Number(m[1]));
  }
  return pids;
}

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function serve(args: string[], dataDir: string): Run {
  const child = spawn(process.execPath, [VIGIL_BIN, 'serve', ...args], {
    env: { ...process.env, VIGIL_DATA: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, out: () => out, err: () => err, exited };
}

describe('vigil serve, start and stop', () => {
  let sshd: Sshd;
  let tarpit: Tarpit;
  const trainers: Trainer[] = [];
  const runs: Run[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    tarpit = await startTarpit();
  });
  afterAll(async () => {
    for (const r of runs) r.child.kill('SIGKILL');
    sshd?.thawListener();
    sshd?.thawSessions();
    await Promise.all(trainers.map((t) => t.stop()));
    await tarpit?.stop();
    await sshd?.stop();
  });

  const silentHostConfig = () =>
    writeConfig(sshd, [{ name: 'w', host: 'pit', dir: '/nowhere', metrics: 'm.jsonl' }], {
      hosts: {
        pit: {
          hostname: '127.0.0.1',
          port: tarpit.port,
          user: sshd.user,
          identityFile: sshd.clientKeyPath,
          knownHostsFile: sshd.knownHostsPath,
          connectTimeout: '60s',
        },
      },
    });

  it('--port <busy> exits non-zero at once, having opened nothing: no SSH connection, no data folder lock', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const dataDir = freshDataDir();
      const before = tarpit.connections();
      const t0 = Date.now();
      const run = serve(['--config', silentHostConfig(), '--port', String(port)], dataDir);
      runs.push(run);
      const { code, at } = await run.exited;
      expect(code).toBe(1);
      expect(run.err()).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect(run.out()).toBe('');
      expect(at - t0).toBeLessThan(8000); // tsx start-up included
      expect(tarpit.connections()).toBe(before);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      busy.close();
    }
  });

  it('one SIGTERM ends it while it is still connecting to a host that never answers', async () => {
    const run = serve(['--config', silentHostConfig()], freshDataDir());
    runs.push(run);
    await until(
      () => run.out(),
      (o) => o.includes('Open http://127.0.0.1:'),
      60_000,
      'the URL',
    );
    await until(
      () => tarpit.connections(),
      (n) => n > 0,
      10_000,
      'a connection attempt',
    );
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exited;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(6000);
  });

  it('one SIGTERM ends it when its host froze mid-probe: the stop is bounded', async () => {
    const t = await startTrainer({ format: 'jsonl', epochs: 100_000, intervalMs: 200 });
    trainers.push(t);
    const cfg = writeConfig(
      sshd,
      [{ name: 'w', dir: t.dir, metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' } }],
      { hosts: { [sshd.alias]: hostFor({ keepaliveInterval: '30s', keepaliveCount: 5 }) } },
    );
    const dataDir = freshDataDir();
    const run = serve(['--config', cfg], dataDir);
    runs.push(run);
    await until(
      () => run.out(),
      (o) => o.includes('Open http://127.0.0.1:'),
      60_000,
      'the URL',
    );
    await until(
      () => existsSync(path.join(dataDir, 'mirror', 'w', 'metrics.jsonl')),
      (ok) => ok,
      15_000,
      'the first read',
    );
    sshd.freezeListener();
    sshd.freezeSessions();
    await new Promise((r) => setTimeout(r, 1500)); // a probe is now waiting on the frozen host
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exited;
    expect(at - t0).toBeLessThan(6000);
    expect(code).toBe(0);
    expect(run.err()).toContain('SIGTERM, stopping');
    sshd.thawListener();
    sshd.thawSessions();
  });

  it('leaves no ssh master behind: closed at a stop, and one left by a kill -9 ended at the next start', async () => {
    const t = await startTrainer({ format: 'jsonl', epochs: 100_000, intervalMs: 500 });
    trainers.push(t);
    mkdirSync(path.join(t.dir, 'results'), { recursive: true });
    writeFileSync(path.join(t.dir, 'results', 'best.txt'), 'weights\n');
    const spec = {
      name: 'w',
      dir: t.dir,
      metrics: 'metrics.jsonl',
      sync: [{ from: 'results/', every: '2s' }],
    } as WorkerSpec;
    const cfg = writeConfig(sshd, [spec]);
    const dataDir = freshDataDir();
    const first = serve(['--config', cfg], dataDir);
    runs.push(first);
    const [old] = await until(
      () => masters(dataDir),
      (p) => p.length === 1,
      60_000,
      'a shared connection',
    );
    // Killed without a chance to close anything: its master lives on (ControlPersist).
    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(old!)).toBe(true);

    const second = serve(['--config', cfg], dataDir);
    runs.push(second);
    await until(
      () => second.out(),
      (o) => o.includes('Open http://'),
      60_000,
      'the second start',
    );
    await until(
      () => isAlive(old!),
      (alive) => !alive,
      5_000,
      'the stale master ended',
    );
    // Its own master, once a sync ran, is closed when it stops.
    const [own] = await until(
      () => masters(dataDir),
      (p) => p.length === 1 && p[0] !== old,
      30_000,
      'a new master',
    );
    second.child.kill('SIGTERM');
    const { code } = await second.exited;
    expect(code).toBe(0);
    await until(
      () => isAlive(own!),
      (alive) => !alive,
      3_000,
      'the master ended with serve',
    );
  });
});
