import { describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../ssh';
import {
  buildSshCommand,
  controlPathFor,
  isAlias,
  MAX_CONTROL_PATH,
  rshString,
  rshWord,
} from './ssh-command';

const host = (over: Partial<ResolvedHost> = {}): ResolvedHost => ({
  name: 'ec2',
  hostname: '10.0.0.5',
  port: 2222,
  user: 'ubuntu',
  identityFiles: ['/home/me/.ssh/id_ed25519', '/home/me/keys/my key'],
  knownHostsFiles: ['/home/me/.ssh/known_hosts'],
  hostKeyAlias: null,
  proxyJump: [],
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
  ...over,
});

/** Splits an -e string the way rsync does (spaces; '…' and "…" group; a doubled quote is literal). */
function rsyncSplit(cmd: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < cmd.length) {
    if (cmd[i] === ' ') {
      i++;
      continue;
    }
    let word = '';
    let quote = '';
    while (i < cmd.length && (cmd[i] !== ' ' || quote)) {
      const c = cmd[i]!;
      if (c === "'" || c === '"') {
        if (!quote) {
          quote = c;
          i++;
          continue;
        }
        if (c === quote) {
          if (cmd[i + 1] === quote) {
            word += c;
            i += 2;
            continue;
          }
          quote = '';
          i++;
          continue;
        }
      }
      word += c;
      i++;
    }
    out.push(word);
  }
  return out;
}

describe('buildSshCommand', () => {
  it('sends an alias through `ssh -F sshConfig alias` with the bounds', () => {
    const cmd = buildSshCommand(host(), {}, { sshConfig: '/cfg/ssh config', controlPath: null });
    expect(cmd.argv).toEqual([
      'ssh',
      '-F',
      '/cfg/ssh config',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=15',
      '-o',
      'ServerAliveInterval=10',
      '-o',
      'ServerAliveCountMax=3',
    ]);
    expect(cmd.target).toBe('ec2');
  });

  it('spells out a host: port, user, each identity, known_hosts, strict checking, HostKeyAlias, -J', () => {
    const jump = host({ name: 'bastion', hostname: 'bastion.example', port: 22, user: 'j' });
    const cmd = buildSshCommand(
      host({ hostKeyAlias: 'my-box', proxyJump: [jump] }),
      { hostname: '10.0.0.5' },
      {
        controlPath: '/d/ssh/abc',
      },
    );
    expect(cmd.argv).toEqual([
      'ssh',
      '-F',
      'none',
      '-p',
      '2222',
      '-l',
      'ubuntu',
      '-i',
      '/home/me/.ssh/id_ed25519',
      '-i',
      '/home/me/keys/my key',
      '-o',
      'UserKnownHostsFile=/home/me/.ssh/known_hosts',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'HostKeyAlias=my-box',
      '-J',
      'j@bastion.example:22',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=15',
      '-o',
      'ServerAliveInterval=10',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'ControlMaster=auto',
      '-o',
      'ControlPath=/d/ssh/abc',
      '-o',
      'ControlPersist=300s',
    ]);
    expect(cmd.target).toBe('10.0.0.5');
  });

  it('brackets an IPv6 address for rsync, escapes % and quotes spaced ssh option values', () => {
    const cmd = buildSshCommand(
      host({ hostname: '::1', knownHostsFiles: ['/a b/kh', '/c%d/kh'] }),
      { port: 22 },
      { controlPath: '/data dir/ssh/x' },
    );
    expect(cmd.target).toBe('[::1]');
    expect(cmd.sshTarget).toBe('::1');
    expect(cmd.argv).toContain('UserKnownHostsFile="/a b/kh" /c%%d/kh');
    expect(cmd.argv).toContain('ControlPath="/data dir/ssh/x"');
  });

  it('tells an alias from a spelled-out host', () => {
    expect(isAlias({})).toBe(true);
    expect(isAlias({ connectTimeoutMs: 3000 })).toBe(true);
    expect(isAlias({ user: 'x' })).toBe(false);
  });
});

describe('rshString', () => {
  it('round-trips every argument through rsync’s -e parser', () => {
    const argv = ['ssh', '-F', "/it's a/ssh config", '-o', 'ControlPath="/x y/z"', '-i', 'plain', ''];
    expect(rsyncSplit(rshString(argv))).toEqual(argv);
    expect(rshWord('a;b')).toBe("'a;b'");
  });
});

describe('controlPathFor', () => {
  it('is short, private to the host and stable', () => {
    const a = controlPathFor('/home/me/.local/share/vigil', host(), undefined, 1000);
    expect(a).toMatch(/^\/home\/me\/\.local\/share\/vigil\/ssh\/[0-9a-f]{16}$/);
    expect(controlPathFor('/home/me/.local/share/vigil', host(), undefined, 1000)).toBe(a);
    expect(controlPathFor('/home/me/.local/share/vigil', host({ port: 22 }), undefined, 1000)).not.toBe(a);
  });

  it('falls back to /tmp/vigil-<uid> when the data folder is too long for a unix socket', () => {
    const long = `/Users/someone/Library/Application Support/${'x'.repeat(60)}/Vigil`;
    const p = controlPathFor(long, host(), undefined, 501);
    expect(p).toMatch(/^\/tmp\/vigil-501\/[0-9a-f]{16}$/);
    expect(p.length).toBeLessThanOrEqual(MAX_CONTROL_PATH);
  });
});
