// The follower script run here, as the host runs it (python3, its stdout a pipe), read by the engine's
// own stream reader: what it reports of files that grow, vanish, come back or are not files at all, and
// that it never outlives its shell.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FOLLOW_ENV,
  FOLLOWER_PY,
  type FollowEvent,
  FollowStreamReader,
  followFilesEnv,
  followListEnv,
  parseVitalsOutput,
  requestScript,
  type VitalsRequest,
  vitalsAsk,
  vitalsShape,
} from '../../src/main/engine/remote';
import { remoteDir } from '../chaos/files-support';
import { until } from './helpers';

const NONCE = 'fedcba9876543210';
const running: ChildProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

function follow(
  paths: string[],
  opts: {
    shellPid?: number;
    heartbeatS?: number;
    pidFiles?: string[];
    patterns?: string[];
    env?: Record<string, string>;
  } = {},
) {
  const specs = paths.map((p) => ({
    path: p,
    mode: 'a' as const,
    inode: null,
    offset: 0,
    tail: new Uint8Array(0),
  }));
  const child = spawn('python3', ['-c', FOLLOWER_PY], {
    env: {
      ...process.env,
      VIGIL_NONCE: NONCE,
      VIGIL_SHELL_PID: String(opts.shellPid ?? process.pid),
      [FOLLOW_ENV.files]: followFilesEnv(specs),
      [FOLLOW_ENV.heartbeat]: String(opts.heartbeatS ?? 10),
      [FOLLOW_ENV.pidFiles]: followListEnv(opts.pidFiles ?? []),
      [FOLLOW_ENV.patterns]: followListEnv(opts.patterns ?? []),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  const reader = new FollowStreamReader(NONCE, {
    files: paths.length,
    pidFiles: opts.pidFiles?.length ?? 0,
    patterns: opts.patterns?.length ?? 0,
  });
  const events: FollowEvent[] = [];
  /** When each chunk came (ms). */
  const heard: number[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    heard.push(Date.now());
    events.push(...reader.push(c));
  });
  const bytesOf = (id: number) =>
    Buffer.concat(events.flatMap((e) => (e.kind === 'data' && e.id === id ? [e.bytes] : []))).toString();
  return { child, events, reader, bytesOf, heard };
}

async function mkfifo(at: string): Promise<void> {
  spawn('mkfifo', [at]);
  await until(
    () => existsSync(at),
    (x) => x,
    5000,
    'fifo',
  );
}

describe('the follower script', () => {
  it('streams appends as they happen, reports a named pipe without opening it, and a file that comes and goes', async () => {
    const dir = remoteDir('vigil-follower-');
    const file = path.join(dir, 'm.jsonl');
    const fifo = path.join(dir, 'pipe');
    writeFileSync(file, 'one\n');
    await mkfifo(fifo);
    const f = follow([file, fifo, path.join(dir, 'later', 'x.log')]);
    await until(
      () => f.events.map((e) => e.kind),
      (k) => k.includes('not-regular'),
      10_000,
      'the pipe reported',
    );
    expect(f.events[0]).toMatchObject({ kind: 'start', mode: 'inotify' });
    expect(f.events).toContainEqual({ kind: 'not-regular', id: 1, type: 'p' });
    expect(f.events).toContainEqual({ kind: 'missing', id: 2 });
    appendFileSync(file, 'two\n');
    await until(
      () => f.bytesOf(0),
      (b) => b === 'one\ntwo\n',
      5000,
      'the append',
    );
    // A folder created later is found (its file's folder was not there to watch).
    mkdirSync(path.join(dir, 'later'));
    writeFileSync(path.join(dir, 'later', 'x.log'), 'late\n');
    await until(
      () => f.bytesOf(2),
      (b) => b === 'late\n',
      15_000,
      'the late file',
    );
    rmSync(file);
    await until(
      () => f.events.at(-1),
      (e) => e?.kind === 'missing' && e.id === 0,
      5000,
      'missing',
    );
    writeFileSync(file, 'new\n');
    await until(
      () => f.bytesOf(0),
      (b) => b === 'one\ntwo\nnew\n',
      5000,
      'the new file',
    );
    expect(f.reader.error).toBeNull();
  }, 40_000);

  it('follows a symlink’s target, and tells a rewrite of the same length from a touch', async () => {
    const dir = remoteDir('vigil-follower-');
    const real = path.join(dir, 'real.log');
    const link = path.join(dir, 'link.log');
    writeFileSync(real, 'aaaa\n');
    symlinkSync(real, link);
    const f = follow([link]);
    await until(
      () => f.bytesOf(0),
      (b) => b === 'aaaa\n',
      10_000,
      'first bytes',
    );
    appendFileSync(real, 'bbbb\n');
    await until(
      () => f.bytesOf(0),
      (b) => b === 'aaaa\nbbbb\n',
      5000,
      'through the link',
    );
    const now = Date.now() / 1000;
    utimesSync(real, now + 60, now + 60);
    await until(
      () => f.events.at(-1),
      (e) => e?.kind === 'touched',
      5000,
      'the touch',
    );
    // Rewritten in place (no truncation to see between): only the overlap compare can tell.
    const fd = openSync(real, 'r+');
    writeSync(fd, 'cccc\ndddd\n', 0);
    closeSync(fd);
    await until(
      () => f.events.at(-1),
      (e) => e?.kind === 'data',
      5000,
      'the rewrite re-sent',
    );
    const restart = f.events.find((e) => e.kind === 'restart');
    expect(restart).toMatchObject({ kind: 'restart', id: 0, cause: 'rewritten' });
  }, 30_000);

  it('reads the vitals asked through its pipe, answers as the vitals script does, and leaves no pipe behind', async () => {
    const dir = remoteDir('vigil-follower-');
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    // A pipe folder left by a follower killed with SIGKILL (its pid no longer runs) is removed.
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    const stale = path.join(tmp, `vigil-f${gone.pid}-abcdefgh`);
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'r'), '');
    const file = path.join(dir, 'm.jsonl');
    writeFileSync(file, 'x\n');
    const pidFile = path.join(dir, 'train.pid');
    writeFileSync(pidFile, `${process.pid}\n`);
    const f = follow([file], { env: { TMPDIR: tmp, XDG_RUNTIME_DIR: '' } });
    await until(
      () => f.events[0],
      (e) => e !== undefined,
      10_000,
      'the start',
    );
    const start = f.events[0]!;
    if (start.kind !== 'start' || start.pipe === null) throw new Error(`no pipe: ${JSON.stringify(start)}`);
    expect(path.dirname(start.pipe).startsWith(path.join(tmp, `vigil-f${f.child.pid}-`))).toBe(true);
    expect(statSync(start.pipe).isFIFO()).toBe(true);
    expect(statSync(path.dirname(start.pipe)).mode & 0o777).toBe(0o700);
    expect(existsSync(stale)).toBe(false);
    const req: VitalsRequest = {
      procRoot: '/proc',
      sysRoot: '/sys',
      roots: [{ kind: 'pid-file', path: pidFile }],
      dirs: [dir],
      pageSize: true,
      scan: false,
      gpuCollect: false,
      gpuStart: null,
      gpuTimeoutS: 5,
    };
    // As the control shell sends it: the request script, the line in its environment.
    const ask = (line: string) => {
      const r = spawnSync('sh', ['-c', requestScript(start.pipe!)], {
        env: { VIGIL_Q: line },
        encoding: 'utf8',
      });
      expect(r.stdout).toBe('sent\n');
    };
    const answerTo = (seq: number) =>
      until(
        () => f.events.find((e) => e.kind === 'vitals' && e.seq === seq),
        (e) => e !== undefined,
        5000,
        `the answer to ${seq}`,
      ) as Promise<Extract<FollowEvent, { kind: 'vitals' }>>;
    // Without the request's shape it cannot answer: an answer that says why, not a wait.
    ask(vitalsAsk(req, 1));
    const refused = parseVitalsOutput(req, (await answerTo(1)).bytes, NONCE);
    expect(refused.error).toMatch(/no start mark/);
    expect(refused.stray.join(' ')).toMatch(/no request shape was sent/);
    ask(`=${vitalsShape(req)}\n${vitalsAsk(req, 2)}`);
    const r = parseVitalsOutput(req, (await answerTo(2)).bytes, NONCE);
    expect(r.error).toBeNull();
    const kb = (k: string) =>
      Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(r.memTotalBytes).toBe(kb('MemTotal') * 1024);
    expect(r.pageSize).toBe(4096);
    expect(r.roots[0]).toEqual({ kind: 'found', how: 'pid', pids: [process.pid] });
    expect(r.procs.get(process.pid)?.rssPages).toBeGreaterThan(0);
    expect(r.disks.map((d) => d.dir)).toEqual([dir]);
    expect(f.reader.error).toBeNull();
    f.child.kill('SIGTERM');
    await until(
      () => f.child.exitCode ?? f.child.signalCode,
      (c) => c !== null,
      5000,
      'the follower to end',
    );
    expect(existsSync(path.dirname(start.pipe))).toBe(false);
  }, 30_000);

  it('says a file is sparse again after the restart it causes (the reader forgets it at a restart)', async () => {
    const dir = remoteDir('vigil-follower-');
    const file = path.join(dir, 'm.jsonl');
    writeFileSync(file, 'one\n');
    const f = follow([file]);
    await until(
      () => f.bytesOf(0),
      (b) => b === 'one\n',
      10_000,
      'the first line',
    );
    // Truncated under a writer that kept its offset: a 64 MiB hole, then its next line.
    truncateSync(file, 0);
    truncateSync(file, 64 * 2 ** 20);
    appendFileSync(file, 'two\n');
    await until(
      () => f.events.findIndex((e) => e.kind === 'restart'),
      (i) => i >= 0 && f.events.slice(i).some((e) => e.kind === 'sparse'),
      10_000,
      'a sparse frame after the restart',
    );
    // Said before the zeros are streamed, not after (64 MiB take a while; a 2 GB hole, minutes).
    const after = f.events.slice(f.events.findIndex((e) => e.kind === 'restart'));
    const sparseAt = after.findIndex((e) => e.kind === 'sparse');
    const dataAt = after.findIndex((e) => e.kind === 'data');
    expect(after[sparseAt]).toMatchObject({ id: 0, allocated: expect.any(Number) });
    expect(dataAt < 0 || sparseAt < dataAt).toBe(true);
    f.child.kill('SIGKILL');
  }, 30_000);

  it('never outlives its shell, nor a closed stream', async () => {
    const dir = remoteDir('vigil-follower-');
    const file = path.join(dir, 'm.jsonl');
    writeFileSync(file, 'x\n');
    const shell = spawn('sleep', ['60']);
    running.push(shell);
    const a = follow([file], { shellPid: shell.pid, heartbeatS: 0.3 });
    await until(
      () => a.events.length,
      (n) => n >= 2,
      10_000,
      'started',
    );
    shell.kill('SIGKILL');
    await until(
      () => a.child.exitCode,
      (c) => c !== null,
      5000,
      'the follower to end with its shell',
    );
    const b = follow([file], { heartbeatS: 0.3 });
    await until(
      () => b.events.length,
      (n) => n >= 2,
      10_000,
      'started',
    );
    b.child.stdout!.destroy();
    await until(
      () => b.child.exitCode ?? b.child.signalCode,
      (c) => c !== null,
      5000,
      'the follower to end with its stream',
    );
  }, 30_000);

  it('says what each pid file and pattern shows, and again only when it changes', async () => {
    const dir = remoteDir('vigil-follower-');
    const file = path.join(dir, 'm.jsonl');
    writeFileSync(file, 'x\n');
    const marker = `vigil-liveness-${process.pid}-${Date.now()}`;
    const trainer = spawn('sh', ['-c', `sleep 60; : ${marker}`]);
    running.push(trainer);
    const pidFile = path.join(dir, 'train.pid');
    writeFileSync(pidFile, `${trainer.pid} extra words\n`);
    const badFile = path.join(dir, 'bad.pid');
    writeFileSync(badFile, 'pid=12\n');
    const fifo = path.join(dir, 'fifo.pid');
    await mkfifo(fifo);
    const f = follow([file], {
      heartbeatS: 0.3,
      pidFiles: [pidFile, badFile, fifo, path.join(dir, 'none.pid')],
      patterns: [marker, `${marker}-never`],
    });
    const lastOf = () => {
      const pids = new Map<number, string>();
      const patterns = new Map<number, boolean | null>();
      for (const e of f.events) {
        if (e.kind === 'pid') pids.set(e.id, JSON.stringify(e.answer));
        if (e.kind === 'pattern') patterns.set(e.id, e.found);
      }
      return { pids, patterns };
    };
    await until(lastOf, (l) => l.pids.size === 4 && l.patterns.size === 2, 10_000, 'every answer');
    let now = lastOf();
    expect(now.pids.get(0)).toBe(JSON.stringify({ kind: 'running', pid: trainer.pid }));
    expect(now.pids.get(1)).toBe(JSON.stringify({ kind: 'bad', content: 'pid=12' }));
    expect(now.pids.get(2)).toBe(JSON.stringify({ kind: 'not-regular', what: 'a named pipe' }));
    expect(now.pids.get(3)).toBe(JSON.stringify({ kind: 'no-file' }));
    expect([now.patterns.get(0), now.patterns.get(1)]).toEqual([true, false]);
    // Several sweeps with nothing changed: nothing said again.
    const said = () => f.events.filter((e) => e.kind === 'pid' || e.kind === 'pattern').length;
    const before = said();
    await new Promise((r) => setTimeout(r, 1200));
    expect(said()).toBe(before);
    trainer.kill('SIGKILL');
    await until(
      lastOf,
      (l) => l.patterns.get(0) === false && l.pids.get(0)?.includes('dead') === true,
      10_000,
      'gone',
    );
    now = lastOf();
    expect(now.pids.get(0)).toBe(JSON.stringify({ kind: 'dead', pid: trainer.pid }));
    expect(said()).toBe(before + 2);
    expect(f.reader.error).toBeNull();
  }, 30_000);

  it('keeps its heartbeat while other files of the folder keep waking it', async () => {
    const dir = remoteDir('vigil-follower-');
    const file = path.join(dir, 'm.jsonl');
    writeFileSync(file, 'x\n');
    const f = follow([file], { heartbeatS: 1 });
    await until(
      () => f.events.length,
      (n) => n >= 2,
      10_000,
      'started',
    );
    const from = Date.now();
    // A checkpoint being written beside the metrics: an event every 0.9 s in the watched folder.
    while (Date.now() - from < 6000) {
      appendFileSync(path.join(dir, 'ckpt.pt'), 'x'.repeat(100));
      await new Promise((r) => setTimeout(r, 900));
    }
    const times = f.heard.filter((t) => t >= from);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Restarting its wait at each wake, it went 1.8 s quiet; the engine probes after 1.5 beats.
    expect(Math.max(...gaps)).toBeLessThan(1400);
    expect(times.length).toBeGreaterThanOrEqual(4);
  }, 30_000);
});
