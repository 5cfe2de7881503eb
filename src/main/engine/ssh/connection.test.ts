// Integration tests against a real OpenSSH sshd on loopback (test/support/sshd.ts). Faults are real:
// a changed host key, a tarpit, SIGSTOPped sessions, a killed control shell.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/free-port';
import { type Sshd, startSshd } from '../../../../test/support/sshd';
import { startTarpit } from '../../../../test/support/tarpit';
import { createSsh2Connector, hostKeyAlgorithms } from './connection';
import { type ConnectStep, type ResolvedHost, SshError, type SshSession } from './types';

let sshd: Sshd;
let tmp: string;
const connector = createSsh2Connector({ agentSock: null }); // tests must not depend on the runner's agent
const sessions: SshSession[] = [];

function hostFor(s: Sshd, over: Partial<ResolvedHost> = {}): ResolvedHost {
  return {
    name: s.alias,
    hostname: s.host,
    port: s.port,
    user: s.user,
    identityFiles: [s.clientKeyPath],
    knownHostsFiles: [s.knownHostsPath],
    hostKeyAlias: null,
    proxyJump: [],
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 10_000,
    keepaliveCountMax: 3,
    ...over,
  };
}

async function connect(host: ResolvedHost, steps?: [ConnectStep, boolean, string][]): Promise<SshSession> {
  const s = await connector.connect(host, { onStep: (step, ok, detail) => steps?.push([step, ok, detail]) });
  sessions.push(s);
  return s;
}

/** Connects expecting an SshError; fails the test (and closes the session) if it connects. */
async function connectError(host: ResolvedHost, steps?: [ConnectStep, boolean, string][]): Promise<SshError> {
  try {
    await connect(host, steps);
  } catch (err) {
    expect(err).toBeInstanceOf(SshError);
    return err as SshError;
  }
  throw new Error('connected, but an error was expected');
}

beforeAll(async () => {
  sshd = await startSshd();
  tmp = mkdtempSync(join(tmpdir(), 'vigil-conn-'));
});

afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a healthy host', () => {
  it('connects step by step and learns $HOME', async () => {
    const steps: [ConnectStep, boolean, string][] = [];
    const s = await connect(hostFor(sshd), steps);
    expect(steps.map(([step, ok]) => `${step}:${ok}`)).toEqual([
      'resolve:true',
      'tcp:true',
      'handshake:true',
      'host-key:true',
      'auth:true',
      'shell:true',
    ]);
    expect(steps[3]![2]).toContain(sshd.knownHostsPath);
    expect(s.alive).toBe(true);
    const home = execFileSync('sh', ['-c', 'printf %s ~'], { encoding: 'utf8' });
    expect(s.home).toBe(home);
  });

  it('runs queued scripts in order with exit codes and merged stderr', async () => {
    const s = await connect(hostFor(sshd));
    const results = await Promise.all([
      s.run('echo one'),
      s.run('echo two; exit 3'),
      s.run('echo to-stderr >&2; echo to-stdout'),
      s.run("printf 'no newline'"),
      s.run('cat; echo after-cat'), // stdin is /dev/null: cat must not swallow the next script
      s.run('if then fi'), // a syntax error fails this script only
      s.run('cd /; set -e; false'),
      s.run('pwd; nice'), // previous cd did not stick; probes run niced
      s.run("printf '%s' \"$(printf 'caf\\303\\251 \\342\\234\\223')\""),
    ]);
    expect(results[0]).toEqual({ stdout: 'one\n', code: 0 });
    expect(results[1]).toEqual({ stdout: 'two\n', code: 3 });
    expect(results[2]).toEqual({ stdout: 'to-stderr\nto-stdout\n', code: 0 });
    expect(results[3]).toEqual({ stdout: 'no newline', code: 0 });
    expect(results[4]).toEqual({ stdout: 'after-cat\n', code: 0 });
    expect(results[5]!.code).toBe(2);
    expect(results[6]!.code).toBe(1);
    expect(results[7]).toEqual({ stdout: `${s.home}\n10\n`, code: 0 });
    expect(results[8]).toEqual({ stdout: 'café ✓', code: 0 });
  });

  it('runs scripts of any size (over the 128 KiB argument limit) with per-run variables, bytes kept', async () => {
    const s = await connect(hostFor(sshd));
    // 600 KB of script, read stdin-free: `cat` must still see /dev/null, not the rest of the script.
    const filler = `: ${'x'.repeat(199)}\n`.repeat(3000);
    const big = `${filler}cat; printf '%s|' "$VIGIL_NONCE"; printf 'caf\\351'\n`;
    expect(big.length).toBeGreaterThan(600_000);
    for (const n of ['0011223344556677', '8899aabbccddeeff']) {
      const r = await s.run(big, { env: { VIGIL_NONCE: n }, encoding: 'latin1' });
      expect(r).toEqual({ stdout: `${n}|caf\xe9`, code: 0 });
    }
    // A mid-size script cached in an exported variable takes per-run variables too.
    const mid = `${': y\n'.repeat(200)}printf '%s' "$VIGIL_NONCE"`;
    expect((await s.run(mid, { env: { VIGIL_NONCE: 'abc' } })).stdout).toBe('abc');
    expect((await s.run(mid, { env: { VIGIL_NONCE: 'def' } })).stdout).toBe('def');
    await expect(s.run('true', { env: { 'A;B': 'x' } })).rejects.toThrow(/bad variable name/);
  });

  it('frames large output and output that mimics a marker', async () => {
    const s = await connect(hostFor(sshd));
    const big = await s.run('head -c 3000000 /dev/zero | tr "\\0" x');
    expect(big.stdout.length).toBe(3_000_000);
    const fake = await s.run("printf '\\n__VIGIL_0000_1__ 5\\n'; exit 4");
    expect(fake).toEqual({ stdout: '\n__VIGIL_0000_1__ 5\n', code: 4 });
  });

  it('reads bytes over SFTP: binary, from an offset, to EOF, and a missing file', async () => {
    const s = await connect(hostFor(sshd));
    const data = randomBytes(700_000); // more than one SFTP reply: exercises the read loop
    const path = join(tmp, 'blob.bin');
    writeFileSync(path, data);
    expect(Buffer.from(await s.read(path, 0, 1_000_000)).equals(data)).toBe(true);
    expect(Buffer.from(await s.read(path, 123_456, 300_000)).equals(data.subarray(123_456, 423_456))).toBe(
      true,
    );
    expect(Buffer.from(await s.read(path, data.length - 5, 100)).equals(data.subarray(-5))).toBe(true);
    expect((await s.read(path, data.length, 100)).length).toBe(0);
    expect((await s.read(path, data.length + 1000, 100)).length).toBe(0);
    const missing = join(tmp, 'nope', 'metrics.jsonl');
    const err = await s.read(missing, 0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshError);
    expect(err).toMatchObject({ kind: 'sftp', code: 2 });
    expect((err as SshError).message).toContain(missing);
    // The SFTP channel survives a failed request.
    expect((await s.read(path, 0, 4)).length).toBe(4);
  });

  it('close() is idempotent, fails later calls, and does not fire onClose', async () => {
    const s = await connect(hostFor(sshd));
    let fired = 0;
    s.onClose(() => fired++);
    s.close();
    s.close();
    expect(s.alive).toBe(false);
    await expect(s.run('true')).rejects.toBeInstanceOf(SshError);
    await expect(s.read('/etc/hostname', 0, 1)).rejects.toBeInstanceOf(SshError);
    await new Promise((r) => setTimeout(r, 200));
    expect(fired).toBe(0);
  });

  it('works through a ProxyJump (the sshd to itself)', async () => {
    const steps: [ConnectStep, boolean, string][] = [];
    const jump = hostFor(sshd, { name: 'jump' });
    const s = await connect(hostFor(sshd, { proxyJump: [jump, jump] }), steps);
    expect(await s.run('echo via-jump')).toEqual({ stdout: 'via-jump\n', code: 0 });
    expect(steps.filter(([, , d]) => d.startsWith('via jump host jump')).length).toBeGreaterThanOrEqual(5);
    expect(steps.every(([, ok]) => ok)).toBe(true);
    expect(steps.at(-1)![0]).toBe('shell');
  });
});

describe('host keys', () => {
  it('refuses an unknown host with the files checked and the fix', async () => {
    const empty = join(tmp, 'known_hosts_empty');
    writeFileSync(empty, '');
    const steps: [ConnectStep, boolean, string][] = [];
    const err = await connectError(hostFor(sshd, { knownHostsFiles: [empty] }), steps);
    expect(err.kind).toBe('host-key-unknown');
    expect(err.message).toContain(empty);
    expect(err.message).toMatch(/SHA256:/);
    expect(err.fix).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${empty}`);
    expect(err.fix).toContain(`-p ${sshd.port} ${sshd.user}@127.0.0.1`);
    expect(steps.at(-1)!.slice(0, 2)).toEqual(['host-key', false]);
  });

  it('refuses a changed host key and never authenticates', async () => {
    const own = await startSshd();
    try {
      const before = own.log().split('Accepted publickey').length;
      await own.regenerateHostKey();
      const err = await connectError(hostFor(own));
      expect(err.kind).toBe('host-key-mismatch');
      expect(err.message).toMatch(/host key changed/);
      expect(err.fix).toContain(`ssh-keygen -R '[127.0.0.1]:${own.port}' -f ${own.knownHostsPath}`);
      expect(own.log().split('Accepted publickey').length).toBe(before);
    } finally {
      await own.stop();
    }
  });

  it('offers the known key type first, so a host known by its RSA key does not look changed', async () => {
    expect(hostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    const rsaKey = join(tmp, 'ssh_host_rsa_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsaKey]);
    // The sshd has ed25519 (which ssh2 prefers by default) and RSA; known_hosts has only the RSA key.
    const both = await startSshd({ extraConfig: [`HostKey ${rsaKey}`] });
    try {
      const pub = readFileSync(`${rsaKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      const kh = join(tmp, 'known_hosts_rsa_only');
      writeFileSync(kh, `[127.0.0.1]:${both.port} ${pub}\n`);
      const steps: [ConnectStep, boolean, string][] = [];
      const s = await connect(hostFor(both, { knownHostsFiles: [kh] }), steps);
      expect(steps.find(([step]) => step === 'host-key')![2]).toMatch(/^ssh-rsa /);
      s.close();
    } finally {
      await both.stop();
    }
  });

  it('accepts a host from a hashed known_hosts', async () => {
    const hashed = await startSshd({ hashKnownHosts: true });
    try {
      expect(readFileSync(hashed.knownHostsPath, 'utf8')).toMatch(/^\|1\|/);
      const s = await connect(hostFor(hashed));
      expect((await s.run('echo ok')).stdout).toBe('ok\n');
      s.close();
    } finally {
      await hashed.stop();
    }
  });
});

describe('authentication', () => {
  it('reports a refused key as auth, naming user@host:port', async () => {
    const key = join(tmp, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const err = await connectError(hostFor(sshd, { identityFiles: [key] }));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain(`${sshd.user}@127.0.0.1:${sshd.port}`);
    expect(err.message).toContain(key);
    expect(err.fix).toMatch(/ssh-copy-id/);
  });

  it('reports an encrypted key without an agent as a key error with ssh-add', async () => {
    const key = join(tmp, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', key]);
    const err = await connectError(hostFor(sshd, { identityFiles: [key] }));
    expect(err.kind).toBe('key');
    expect(err.message).toContain(key);
    expect(err.message).toMatch(/passphrase/);
    expect(err.fix).toContain(`ssh-add ${key}`);
    expect(`${err.message} ${err.fix}`).not.toContain('correct horse');
  });
});

describe('unreachable hosts', () => {
  it('times out on a tarpit within the connect bound', async () => {
    const tarpit = await startTarpit();
    try {
      const t0 = Date.now();
      const steps: [ConnectStep, boolean, string][] = [];
      const err = await connectError(hostFor(sshd, { port: tarpit.port, connectTimeoutMs: 1500 }), steps);
      const elapsed = Date.now() - t0;
      expect(err.kind).toBe('timeout');
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(2500);
      expect(steps.at(-1)!.slice(0, 2)).toEqual(['handshake', false]);
    } finally {
      await tarpit.stop();
    }
  });

  it('reports a closed port as tcp and an unknown name as resolve', async () => {
    const closed = await freePort();
    expect((await connectError(hostFor(sshd, { port: closed }))).kind).toBe('tcp');
    expect((await connectError(hostFor(sshd, { hostname: 'no-such-host.invalid' }))).kind).toBe('resolve');
  });

  it('honours an abort signal', async () => {
    const tarpit = await startTarpit();
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const t0 = Date.now();
      const p = connector.connect(hostFor(sshd, { port: tarpit.port }), { signal: ac.signal });
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await tarpit.stop();
    }
  });
});

describe('faults on a live connection', () => {
  it('a frozen host fires onClose(lost) within the keepalive bound and fails the pending run', async () => {
    const own = await startSshd();
    try {
      const s = await connect(hostFor(own, { keepaliveIntervalMs: 1000, keepaliveCountMax: 2 }));
      expect((await s.run('echo ready')).stdout).toBe('ready\n');
      const lost = new Promise<{ err: SshError; at: number }>((resolve) =>
        s.onClose((err) => resolve({ err, at: Date.now() })),
      );
      const t0 = Date.now();
      own.freezeSessions();
      const pending = s.run('echo never', { timeoutMs: 30_000 }).catch((e: unknown) => e);
      const { err, at } = await lost;
      expect(err.kind).toBe('lost');
      expect(err.message).toMatch(/keepalive/);
      expect(at - t0).toBeLessThan(4500);
      expect(at - t0).toBeGreaterThanOrEqual(1900);
      expect(await pending).toMatchObject({ kind: 'lost' });
      expect(s.alive).toBe(false);
      await expect(s.read('/etc/hostname', 0, 1)).rejects.toMatchObject({ kind: 'lost' });
      // A listener added after the fact still hears about it.
      const late = await new Promise<SshError>((resolve) => s.onClose(resolve));
      expect(late).toBe(err);
      own.thawSessions();
    } finally {
      own.thawSessions();
      await own.stop();
    }
  });

  it('a named pipe opened over SFTP costs only its own path, and leaves no server process behind', async () => {
    // The probe never lets a pipe be read; this is the race past it (a file replaced by a pipe between the
    // probe and the read), at the session: the pipe's read is sent first, a healthy one queued behind it.
    const quick = createSsh2Connector({ agentSock: null, readTimeoutMs: 1500 });
    const s = await quick.connect(hostFor(sshd));
    sessions.push(s);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-fifo-'));
    const fifo = join(dir, 'trainer_state.json');
    execFileSync('mkfifo', [fifo]);
    const ok = join(dir, 'metrics.jsonl');
    writeFileSync(ok, 'fine\n');
    /** Server processes blocked opening a pipe (sftp-server waits there for a writer). */
    const blocked = () =>
      execFileSync('ps', ['-eo', 'wchan:32,args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.startsWith('wait_for_partner') && l.includes('sftp')).length;
    const before = blocked();
    const t0 = Date.now();
    const [pipe, healthy] = await Promise.allSettled([s.read(fifo, 0, 100), s.read(ok, 0, 100)]);
    expect(pipe).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/no SFTP reply/) },
    });
    expect(healthy.status).toBe('fulfilled');
    expect(Buffer.from((healthy as PromiseFulfilledResult<Uint8Array>).value).toString()).toBe('fine\n');
    expect(Date.now() - t0).toBeLessThan(3 * 1500 + 3000); // the pipe's bound, then the healthy read again
    // From now on the healthy path is never behind the pipe, and the pipe is not asked again at once.
    expect(Buffer.from(await s.read(ok, 0, 100)).toString()).toBe('fine\n');
    await expect(s.read(fifo, 0, 100)).rejects.toThrow(/asking again in/);
    // The server process that waited on the pipe was given its writer and its end: it is gone.
    for (let i = 0; i < 50 && blocked() > before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(blocked()).toBe(before);
    s.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(blocked()).toBe(before);
  });

  it('a run timeout replaces the control shell, and the remote command is reaped by timeout', async () => {
    const s = await connect(hostFor(sshd));
    const t0 = Date.now();
    const err = await s.run('sleep 7.25', { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'channel' });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await s.run('echo next')).toEqual({ stdout: 'next\n', code: 0 });
    // Remote timeout = ceil(0.5 s) + 1 s = 2 s: the sleep must be gone soon after, not after 7 s.
    await new Promise((r) => setTimeout(r, 2600));
    expect((await s.run("pgrep -f 'sleep 7[.]25' || echo none")).stdout).toBe('none\n');
  });

  it('a control shell that dies fails its script, and the next run opens a new one', async () => {
    const s = await connect(hostFor(sshd));
    // The script runs under `timeout` under the control sh: kill that sh.
    const err = await s.run('kill -9 $(ps -o ppid= -p $PPID)').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'channel' });
    expect(s.alive).toBe(true);
    expect(await s.run('echo reopened')).toEqual({ stdout: 'reopened\n', code: 0 });
  });

  it('a killed connection fires onClose once', async () => {
    const own = await startSshd();
    try {
      const s = await connect(hostFor(own));
      let calls = 0;
      const lost = new Promise<SshError>((resolve) =>
        s.onClose((e) => {
          calls++;
          resolve(e);
        }),
      );
      own.killSessions();
      expect((await lost).kind).toBe('lost');
      await new Promise((r) => setTimeout(r, 200));
      expect(calls).toBe(1);
      expect(s.alive).toBe(false);
    } finally {
      await own.stop();
    }
  });
});
