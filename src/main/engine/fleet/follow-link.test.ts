import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../remote';
import type { RunResult, SideStream, SshSession } from '../ssh';
import { FollowLink } from './follow-link';
import { HostFollower } from './host-follower';

const NONCE = '0123456789abcdef';
const tail = Buffer.from('0123456789'.repeat(7).slice(0, 64));

function fakeStream(): SideStream & { send(text: string | Buffer): void; finish(why: string): void } {
  let data: (c: Buffer) => void = () => {};
  let end: (why: string) => void = () => {};
  return {
    onData: (l) => {
      data = l;
    },
    onEnd: (l) => {
      end = l;
    },
    close: () => {},
    send: (t) => data(Buffer.isBuffer(t) ? t : Buffer.from(t)),
    finish: (why) => end(why),
  };
}

function linkOver(paths: string[], liveness = { pidFiles: [] as string[], patterns: [] as string[] }) {
  const changed: string[][] = [];
  const ended: string[] = [];
  const specs = paths.map((path) => ({ path, mode: 'a' as const, inode: 7, offset: 1000, tail }));
  const link = new FollowLink(specs, liveness, NONCE, 'k', () => 0, {
    onChanged: (p) => changed.push([...p]),
    onEnded: (why) => ended.push(why),
  });
  const stream = fakeStream();
  link.attach(stream);
  return { link, stream, changed, ended };
}

describe('FollowLink', () => {
  it('resumes where the mirror stands: the overlap and the new bytes are read from the stream, once', () => {
    const { link, stream, changed } = linkOver(['/r/m.jsonl']);
    stream.send(`\n@VF ${NONCE} inotify\ni 0 7 1000 1700000000\nd 0 1000 5 1700000001\nhello`);
    expect(changed).toEqual([['/r/m.jsonl']]);
    expect(link.viewOf('/r/m.jsonl')).toEqual({
      kind: 'ok',
      stat: { inode: 7, size: 1005, mtimeSec: 1700000001 },
    });
    const got = link.read('/r/m.jsonl', 1000 - 64, 64 + 5, 7)!;
    expect(Buffer.from(got).equals(Buffer.concat([tail, Buffer.from('hello')]))).toBe(true);
    // Another inode, or bytes before what was taken, are not the stream's to give.
    expect(link.read('/r/m.jsonl', 1005 - 64, 64, 8)).toBeNull();
    expect(link.read('/r/m.jsonl', 900, 10, 7)).toBeNull();
    expect(Buffer.from(link.read('/r/m.jsonl', 1003, 10, 7)!).toString()).toBe('lo');
  });

  it('starts the cache over on a truncation and on a new inode; forgets a missing file', () => {
    const { link, stream } = linkOver(['/r/m.jsonl']);
    stream.send(`\n@VF ${NONCE} inotify\ni 0 7 1000 1\nt 0 3 2 T\nd 0 0 3 2\nabc`);
    expect(link.viewOf('/r/m.jsonl')).toEqual({ kind: 'ok', stat: { inode: 7, size: 3, mtimeSec: 2 } });
    expect(Buffer.from(link.read('/r/m.jsonl', 0, 3, 7)!).toString()).toBe('abc');
    stream.send('i 0 9 0 3\nd 0 0 2 3\nxy');
    expect(link.read('/r/m.jsonl', 0, 2, 7)).toBeNull();
    expect(Buffer.from(link.read('/r/m.jsonl', 0, 2, 9)!).toString()).toBe('xy');
    stream.send('m 0\n');
    expect(link.viewOf('/r/m.jsonl')).toEqual({ kind: 'missing' });
    expect(link.read('/r/m.jsonl', 0, 2, 9)).toBeNull();
  });

  it('carries what a sparse file holds on disk into its view, until it is no longer sparse', () => {
    const { link, stream } = linkOver(['/r/m.jsonl']);
    stream.send(`\n@VF ${NONCE} inotify\ni 0 7 1000 1\nz 0 4096\nd 0 1000 3 2\nabc`);
    expect(link.viewOf('/r/m.jsonl')).toEqual({
      kind: 'ok',
      stat: { inode: 7, size: 1003, mtimeSec: 2, allocated: 4096 },
    });
    stream.send('z 0 -1\n');
    expect(link.viewOf('/r/m.jsonl')).toEqual({ kind: 'ok', stat: { inode: 7, size: 1003, mtimeSec: 2 } });
  });

  it('ends on a garbled stream, saying what the follower said before it', () => {
    const { link, stream, ended } = linkOver(['/r/m.jsonl']);
    stream.send(`\n@VF ${NONCE} inotify\nwhat is this\n`);
    expect(link.state).toBe('ended');
    expect(ended[0]).toMatch(/garbled/);
    expect(link.viewOf('/r/m.jsonl')).toBeNull();
  });
});

function probeOf(files: Record<string, number>): ProbeResult {
  return {
    files: new Map(
      Object.entries(files).map(([p, size]) => [p, { kind: 'ok', stat: { inode: 7, size, mtimeSec: 5 } }]),
    ),
    globs: new Map(),
    pids: new Map(),
    patterns: new Map(),
    remoteNowSec: null,
    stray: [],
    error: null,
  };
}

function sessionSaying(
  stdout: string,
  streams: ReturnType<typeof fakeStream>[],
  nonces: string[] = [],
): SshSession {
  return {
    home: '/home/u',
    alive: true,
    run: async (): Promise<RunResult> => ({ stdout: '', code: 0 }),
    read: async () => new Uint8Array(0),
    close: () => {},
    onClose: () => {},
    startStream: async (_script, opts) => {
      nonces.push(opts?.env?.VIGIL_NONCE ?? '');
      const stream = fakeStream();
      streams.push(stream);
      return { result: { stdout, code: 0 }, stream };
    },
  };
}

const clock = { now: () => 0, setTimeout: () => ({ cancel() {} }) } as never;
const spec = { path: '/r/m.jsonl', mode: 'a' as const, inode: 7, offset: 1000, tail };

describe('HostFollower', () => {
  it('polls, with the reason, a host that cannot run the follower', async () => {
    const f = new HostFollower({ clock, enabled: true, onChanged: () => {}, onEnded: () => {} });
    await f.keep(sessionSaying('unsupported: python3 not found on the host\n', []), [spec]);
    expect(f.status()).toEqual({
      mode: 'poll',
      detail: 'the host cannot be followed: python3 not found on the host',
    });
    expect(f.on).toBe(false);
  });

  it('until it reports a file, keeps it where the mirror stands (nothing read around it), then takes its word', async () => {
    const streams: ReturnType<typeof fakeStream>[] = [];
    const nonces: string[] = [];
    const f = new HostFollower({ clock, enabled: true, onChanged: () => {}, onEnded: () => {} });
    await f.keep(sessionSaying('started 4242\n', streams, nonces), [spec]);
    const probe = probeOf({ '/r/m.jsonl': 5000, '/r/other.log': 10 });
    const positions = new Map([['/r/m.jsonl', { inode: 7, offset: 1000, tail, mtimeSec: 4 }]]);
    let seen = f.overlay(probe, (p) => positions.get(p) ?? null);
    expect(seen.files.get('/r/m.jsonl')).toEqual({ kind: 'ok', stat: { inode: 7, size: 1000, mtimeSec: 4 } });
    expect(seen.files.get('/r/other.log')).toEqual(probe.files.get('/r/other.log'));
    expect(f.status().detail).toBe('the follower is starting');
    streams[0]!.send(`\n@VF ${nonces[0]} inotify\ni 0 7 1000 6\nd 0 1000 2 6\nok`);
    expect(f.status()).toEqual({ mode: 'follow', detail: 'inotify' });
    seen = f.overlay(probe, (p) => positions.get(p) ?? null);
    expect(seen.files.get('/r/m.jsonl')).toEqual({ kind: 'ok', stat: { inode: 7, size: 1002, mtimeSec: 6 } });
    expect(Buffer.from(f.read('/r/m.jsonl', 1000, 2, 7)!).toString()).toBe('ok');
  });

  it('gives up after three failures on one connection, and tries again on the next', async () => {
    let ended = 0;
    const streams: ReturnType<typeof fakeStream>[] = [];
    const f = new HostFollower({ clock, enabled: true, onChanged: () => {}, onEnded: () => ended++ });
    const session = sessionSaying('started 1\n', streams);
    for (let i = 0; i < 4; i++) {
      await f.keep(session, [spec]);
      streams.at(-1)!.finish('the control shell ended');
    }
    expect(streams).toHaveLength(3);
    expect(ended).toBe(3);
    expect(f.status().detail).toMatch(
      /^the follower failed 3 times on this connection \(last: the follower's shell ended/,
    );
    f.connected();
    await f.keep(session, [spec]);
    expect(streams).toHaveLength(4);
  });

  it('answers for the processes once it has said of each, and only while it is heard', async () => {
    const streams: ReturnType<typeof fakeStream>[] = [];
    const nonces: string[] = [];
    let now = 0;
    const ticking = { now: () => now, setTimeout: () => ({ cancel() {} }) } as never;
    const changed: string[][] = [];
    const f = new HostFollower({
      clock: ticking,
      enabled: true,
      onChanged: (p) => changed.push([...p]),
      onEnded: () => {},
    });
    const liveness = { pidFiles: ['/r/train.pid'], patterns: ['train.py'] };
    await f.keep(sessionSaying('started 4242\n', streams, nonces), [spec], liveness);
    streams[0]!.send(`\n@VF ${nonces[0]} inotify\ni 0 7 1000 6\np 0 6\nrun 42`);
    // The pattern is not said yet: the probe still asks for both.
    expect(f.omittable().pidFiles.size + f.omittable().patterns.size).toBe(0);
    streams[0]!.send('q 0 0\n');
    expect(f.omittable()).toEqual({
      files: new Set(['/r/m.jsonl']),
      pidFiles: new Set(['/r/train.pid']),
      patterns: new Set(['train.py']),
    });
    const probe = probeOf({});
    let seen = f.overlay(probe, () => null);
    expect(seen.pids.get('/r/train.pid')).toEqual({ kind: 'running', pid: 42 });
    expect(seen.patterns.get('train.py')).toBe(true);
    streams[0]!.send('p 0 7\ndead 42q 0 1\n');
    expect(changed.at(-1)).toEqual(['/r/train.pid', '\0pattern train.py']);
    seen = f.overlay(probe, () => null);
    expect(seen.pids.get('/r/train.pid')).toEqual({ kind: 'dead', pid: 42 });
    expect(seen.patterns.get('train.py')).toBe(false);
    // Quiet for longer than a heartbeat and a half: the probe asks for everything again.
    now = 7600;
    expect(f.omittable()).toEqual({ files: new Set(), pidFiles: new Set(), patterns: new Set() });
    // A pid answer off the format ends the stream: nothing it said stands.
    streams[0]!.send('p 0 5\nmaybe');
    expect(f.on).toBe(false);
    expect(f.overlay(probe, () => null).pids.size).toBe(0);
  });
});
