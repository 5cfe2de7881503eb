import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NextAuthHandler } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFailure, authHandler, planAuth } from './auth';

let dir: string;
const key = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-auth-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key('plain')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-pass', '-f', key('enc')]);
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    'rsa',
    '-b',
    '2048',
    '-m',
    'PKCS8',
    '-N',
    'secret-pass',
    '-f',
    key('enc8'),
  ]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Drives the handler like ssh2 does and returns what it offered. */
function offered(handler: ReturnType<typeof authHandler>, authsLeft: ('publickey' | 'password')[] | null) {
  const out: unknown[] = [];
  for (let i = 0; i < 10; i++) {
    let got: unknown;
    handler(authsLeft as never, false, ((m: unknown) => {
      got = m;
    }) as NextAuthHandler);
    out.push(got);
    if (got === false) break;
  }
  return out;
}

describe('planAuth', () => {
  it('keeps usable keys, skips missing ones silently, remembers encrypted and broken ones', () => {
    const plan = planAuth({
      user: 'alice',
      identityFiles: [key('missing'), key('enc'), key('plain'), key('enc8'), key('plain.pub'), key('locked')],
      agentSock: null,
      // Permissions cannot be tested as root (CI runs as root): simulate an unreadable file.
      readFile: (p) => {
        if (p.endsWith('locked')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return readFileSync(p);
      },
    });
    expect(plan.keys.map((k) => k.path)).toEqual([key('plain')]);
    const skipped = plan.skipped.map((s) => [s.path, s.reason]);
    expect(skipped).toContainEqual([key('enc'), 'encrypted']);
    expect(skipped).toContainEqual([key('enc8'), 'encrypted']);
    expect(skipped).toContainEqual([key('plain.pub'), 'invalid']);
    expect(skipped).toContainEqual([key('locked'), 'unreadable']);
    expect(skipped.map((s) => s[0])).not.toContain(key('missing'));
  });

  it('offers the agent first, then keys, and skips what the server refuses to accept', () => {
    const plan = planAuth({ user: 'alice', identityFiles: [key('plain')], agentSock: '/tmp/agent.sock' });
    const all = offered(authHandler(plan), null);
    expect(all.map((m) => (m === false ? false : (m as { type: string }).type))).toEqual([
      'agent',
      'publickey',
      false,
    ]);
    expect(plan.tried).toEqual(['the ssh-agent', `key ${key('plain')}`]);

    const plan2 = planAuth({ user: 'alice', identityFiles: [key('plain')], agentSock: '/tmp/agent.sock' });
    expect(offered(authHandler(plan2), ['password'])).toEqual([false]);
    expect(plan2.serverMethods).toEqual(['password']);
  });
});

describe('authFailure', () => {
  it('says which key is encrypted and to run ssh-add, without key material', () => {
    const plan = planAuth({ user: 'alice', identityFiles: [key('enc')], agentSock: null });
    offered(authHandler(plan), null);
    const err = authFailure(plan, { user: 'alice', host: 'gpu', port: 2222 });
    expect(err.kind).toBe('key');
    expect(err.message).toContain('alice@gpu:2222');
    expect(err.message).toContain(key('enc'));
    expect(err.message).toMatch(/passphrase/);
    expect(err.fix).toContain(`ssh-add ${key('enc')}`);
    const secret = readFileSync(key('enc'), 'utf8').split('\n')[1]!;
    expect(`${err.message}${err.fix}`).not.toContain(secret);
    expect(`${err.message}${err.fix}`).not.toContain('secret-pass');
  });

  it('names the target and what was tried when keys were refused', () => {
    const plan = planAuth({ user: 'bob', identityFiles: [key('plain')], agentSock: null });
    offered(authHandler(plan), null);
    const err = authFailure(plan, { user: 'bob', host: '127.0.0.1', port: 2200 });
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('bob@127.0.0.1:2200');
    expect(err.message).toContain(`key ${key('plain')}`);
    expect(err.fix).toContain('ssh-copy-id -p 2200 bob@127.0.0.1');
  });

  it('says so when there was nothing to try', () => {
    const plan = planAuth({ user: 'bob', identityFiles: [key('missing')], agentSock: null });
    const err = authFailure(plan, { user: 'bob', host: 'h', port: 22 });
    expect(err.message).toMatch(/no agent and no usable key file/);
  });
});
