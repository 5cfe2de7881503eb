import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  keyTypeOfBlob,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from './known-hosts';

interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  /** As `ssh-keygen -lf` prints it, the independent reference for our fingerprint. */
  sshFingerprint: string;
}

let dir: string;
let ed: Key;
let ed2: Key;
let rsa: Key;

function makeKey(name: string, type: 'ed25519' | 'rsa'): Key {
  const path = join(dir, name);
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-f',
    path,
  ]);
  const [t, b64] = readFileSync(`${path}.pub`, 'utf8').trim().split(' ') as [string, string];
  const fp = execFileSync('ssh-keygen', ['-lf', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), sshFingerprint: fp };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-kh-'));
  ed = makeKey('ed', 'ed25519');
  ed2 = makeKey('ed2', 'ed25519');
  rsa = makeKey('rsa', 'rsa');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('helpers', () => {
  it('fingerprints like ssh-keygen -l', () => {
    expect(fingerprint(ed.blob)).toBe(ed.sshFingerprint);
    expect(fingerprint(rsa.blob)).toBe(rsa.sshFingerprint);
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOfBlob(ed.blob)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOfBlob(Buffer.from([0, 0]))).toBeNull();
  });

  it('names non-22 ports in brackets and prefers the alias', () => {
    expect(lookupName('Gpu.Example.com', 22)).toBe('gpu.example.com');
    expect(lookupName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(lookupName('127.0.0.1', 2222, 'gpu')).toBe('gpu');
  });
});

describe('host patterns', () => {
  it('matches comma lists, wildcards and negation', () => {
    expect(hostFieldMatches('a.example.com,b.example.com', 'b.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com', 'gpu.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostFieldMatches('gpu?', 'gpu1')).toBe(true);
    expect(hostFieldMatches('gpu?', 'gpu12')).toBe(false);
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostFieldMatches('!bad.example.com', 'good.example.com')).toBe(false); // only negations: no match
    expect(hostFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches('127.0.0.1', '[127.0.0.1]:2222')).toBe(false);
    expect(hostFieldMatches('[127.0.0.1]:*', '[127.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches('GPU.Example.COM', 'gpu.example.com')).toBe(true);
    expect(hostFieldMatches('a*b*c', 'axxbyyc')).toBe(true);
    expect(hostFieldMatches('a*b*c', 'axxbyy')).toBe(false);
  });

  it('matches hashed entries (vectors computed independently with Python hmac/sha1)', () => {
    // salt = bytes 1..20
    expect(
      hostFieldMatches('|1|AQIDBAUGBwgJCgsMDQ4PEBESExQ=|6nwC5rG6k7vxYwKIoAwPZGhI1VE=', '[127.0.0.1]:2222'),
    ).toBe(true);
    expect(
      hostFieldMatches('|1|AQIDBAUGBwgJCgsMDQ4PEBESExQ=|bqxH5VqIWGTMNhuQ70YohqSjR/Y=', 'gpu-box.example.com'),
    ).toBe(true);
    expect(
      hostFieldMatches('|1|AQIDBAUGBwgJCgsMDQ4PEBESExQ=|bqxH5VqIWGTMNhuQ70YohqSjR/Y=', 'gpu-box.example.org'),
    ).toBe(false);
    expect(hostFieldMatches('|1|bad|entry', 'x')).toBe(false);
    expect(
      hostFieldMatches('|2|AQIDBAUGBwgJCgsMDQ4PEBESExQ=|bqxH5VqIWGTMNhuQ70YohqSjR/Y=', 'gpu-box.example.com'),
    ).toBe(false);
  });

  it('matches a hashed entry built with a random salt', () => {
    const salt = randomBytes(20);
    const mac = createHmac('sha1', salt).update('[10.0.0.7]:2200').digest();
    const field = `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
    expect(hostFieldMatches(field, '[10.0.0.7]:2200')).toBe(true);
    expect(hostFieldMatches(field, '[10.0.0.7]:2201')).toBe(false);
  });
});

describe('parseKnownHosts', () => {
  it('reads markers, skips comments, blanks, unknown markers and junk', () => {
    const text = [
      '# a comment',
      '',
      `   host1 ${ed.type} ${ed.b64} comment words`,
      `@revoked * ${rsa.type} ${rsa.b64}`,
      `@cert-authority *.example.com ${ed2.type} ${ed2.b64}`,
      `@bogus host1 ${ed.type} ${ed.b64}`,
      'host2 ssh-ed25519 not*base64',
      'host3 ssh-ed25519',
      `host4\t${ed.type}\t${ed.b64}\r`,
    ].join('\n');
    const entries = parseKnownHosts(text, 'F');
    expect(entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [3, null, 'host1'],
      [4, 'revoked', '*'],
      [5, 'cert-authority', '*.example.com'],
      [9, null, 'host4'],
    ]);
    expect(entries[0]!.key.equals(ed.blob)).toBe(true);
  });
});

describe('checkHostKey', () => {
  const q = (files: string[], extra: Partial<Parameters<typeof checkHostKey>[0]> = {}) => ({
    files,
    host: '127.0.0.1',
    port: 2222,
    user: 'alice',
    ...extra,
  });

  it('accepts a known key on a non-22 port, from the second file too', () => {
    const f1 = file('kh-empty', '# nothing here\n');
    const f2 = file('kh-ok', `other ${rsa.type} ${rsa.b64}\n[127.0.0.1]:2222 ${ed.type} ${ed.b64}\n`);
    const v = checkHostKey(q([join(dir, 'missing'), f1, f2]), 'ssh-ed25519', ed.blob);
    expect(v).toEqual({ ok: true, file: f2, line: 2 });
  });

  it('does not take a port-22 entry for another port', () => {
    const f = file('kh-22', `127.0.0.1 ${ed.type} ${ed.b64}\n`);
    const v = checkHostKey(q([f]), 'ssh-ed25519', ed.blob);
    expect(v.ok).toBe(false);
    expect(checkHostKey(q([f], { port: 22 }), 'ssh-ed25519', ed.blob).ok).toBe(true);
  });

  it('refuses an unknown host naming the files, the fingerprint and the fix', () => {
    const missing = join(dir, 'nope');
    const f = file('kh-other', `elsewhere ${ed.type} ${ed.b64}\n`);
    const v = checkHostKey(q([f, missing]), 'ssh-ed25519', ed.blob);
    if (v.ok) throw new Error('expected a refusal');
    expect(v.kind).toBe('host-key-unknown');
    expect(v.message).toContain(f);
    expect(v.message).toContain(`${missing} (missing)`);
    expect(v.message).toContain(ed.sshFingerprint);
    expect(v.fix).toContain('-p 2222 alice@127.0.0.1');
    expect(v.fix).toContain(`ssh-keyscan -p 2222 127.0.0.1 >> ${f}`);
    expect(v.fix).toContain(`UserKnownHostsFile=${f}`);
  });

  it('reports a changed key with both fingerprints and the ssh-keygen -R fix', () => {
    const f = file('kh-changed', `[127.0.0.1]:2222 ${ed.type} ${ed.b64}\n`);
    const v = checkHostKey(q([f]), 'ssh-ed25519', ed2.blob);
    if (v.ok) throw new Error('expected a refusal');
    expect(v.kind).toBe('host-key-mismatch');
    expect(v.message).toMatch(/host key changed/);
    expect(v.message).toContain(ed.sshFingerprint);
    expect(v.message).toContain(ed2.sshFingerprint);
    expect(v.message).toContain(`${f}:1`);
    expect(v.fix).toContain(`ssh-keygen -R '[127.0.0.1]:2222' -f ${f}`);
    expect(v.fix).toMatch(/administrator/);
  });

  it('treats a key of a type not on file as changed, and lists known types first', () => {
    const f = file('kh-types', `[127.0.0.1]:2222 ${ed.type} ${ed.b64}\n`);
    const v = checkHostKey(q([f]), 'ssh-rsa', rsa.blob);
    expect(v.ok || v.kind).toBe('host-key-mismatch');
    expect(knownKeyTypes(q([f]))).toEqual(['ssh-ed25519']);
  });

  it('takes the key type from the blob when the negotiated algorithm is rsa-sha2-*', () => {
    const f = file('kh-rsa', `[127.0.0.1]:2222 ${rsa.type} ${rsa.b64}\n`);
    expect(checkHostKey(q([f]), 'rsa-sha2-512', rsa.blob).ok).toBe(true);
  });

  it('refuses a revoked key even when it is also listed as trusted', () => {
    const f = file('kh-revoked', `[127.0.0.1]:2222 ${ed.type} ${ed.b64}\n@revoked * ${ed.type} ${ed.b64}\n`);
    const v = checkHostKey(q([f]), 'ssh-ed25519', ed.blob);
    if (v.ok) throw new Error('expected a refusal');
    expect(v.kind).toBe('host-key-mismatch');
    expect(v.message).toMatch(/REVOKED.*:2/);
  });

  it('ignores @cert-authority lines (a CA key is not a host key)', () => {
    const f = file('kh-ca', `@cert-authority [127.0.0.1]:2222 ${ed.type} ${ed.b64}\n`);
    const v = checkHostKey(q([f]), 'ssh-ed25519', ed.blob);
    expect(v.ok || v.kind).toBe('host-key-unknown');
    expect(knownKeyTypes(q([f]))).toEqual([]);
  });

  it('honours negation in a pattern list', () => {
    const f = file('kh-neg', `[127.0.0.*]:2222,![127.0.0.1]:2222 ${ed.type} ${ed.b64}\n`);
    expect(checkHostKey(q([f]), 'ssh-ed25519', ed.blob).ok).toBe(false);
    expect(checkHostKey(q([f], { host: '127.0.0.2' }), 'ssh-ed25519', ed.blob).ok).toBe(true);
  });

  it('uses HostKeyAlias instead of host and port', () => {
    const f = file('kh-alias', `gpubox ${ed.type} ${ed.b64}\n`);
    expect(checkHostKey(q([f], { hostKeyAlias: 'gpubox' }), 'ssh-ed25519', ed.blob).ok).toBe(true);
    const v = checkHostKey(q([f], { hostKeyAlias: 'gpubox' }), 'ssh-ed25519', ed2.blob);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.fix).toContain(`ssh-keygen -R gpubox -f ${f}`);
  });

  it('reads files hashed by ssh-keygen -H, and agrees with ssh-keygen -F', () => {
    const f = file(
      'kh-hashed',
      [
        `[127.0.0.1]:2222 ${ed.type} ${ed.b64}`,
        `gpu.example.com,10.1.2.3 ${rsa.type} ${rsa.b64}`,
        `[127.0.0.1]:2200 ${ed2.type} ${ed2.b64}`,
      ].join('\n') + '\n',
    );
    execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
    const hashed = readFileSync(f, 'utf8');
    expect(hashed).not.toContain('127.0.0.1');
    expect(hashed.split('\n').filter((l) => l.startsWith('|1|'))).toHaveLength(4); // the list became two lines

    for (const [host, port, key] of [
      ['127.0.0.1', 2222, ed],
      ['gpu.example.com', 22, rsa],
      ['10.1.2.3', 22, rsa],
      ['127.0.0.1', 2200, ed2],
    ] as const) {
      expect(checkHostKey(q([f], { host, port }), key.type, key.blob).ok).toBe(true);
      // ssh-keygen -F finds the same host in the same file: our lookup name is the one OpenSSH uses.
      const found = execFileSync('ssh-keygen', ['-F', lookupName(host, port), '-f', f], { encoding: 'utf8' });
      expect(found).toContain(key.b64);
    }
    const changed = checkHostKey(q([f], { host: '127.0.0.1', port: 2200 }), 'ssh-ed25519', ed.blob);
    expect(changed.ok || changed.kind).toBe('host-key-mismatch');
    expect(knownKeyTypes(q([f], { host: 'gpu.example.com', port: 22 }))).toEqual(['ssh-rsa']);
  });
});
