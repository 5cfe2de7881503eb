import { describe, expect, it } from 'vitest';
import { expandSshPath, parseJumpSpec, parseProxyJump, parseSshG } from './ssh-g';

describe('parseSshG', () => {
  it('reads the fields a connection needs and ignores the rest', () => {
    const g = parseSshG(
      [
        'host box',
        'user Alice',
        'hostname 10.1.2.3',
        'port 2222',
        'identityfile ~/.ssh/box_key',
        'identityfile /tmp/k2',
        'userknownhostsfile /root/kh1 /tmp/kh2',
        'userknownhostsfile /tmp/kh3',
        'hostkeyalias boxkey',
        'proxyjump bob@jump:2200,jump2',
        'serveraliveinterval 0',
        '',
      ].join('\n'),
    );
    expect(g).toEqual({
      hostname: '10.1.2.3',
      user: 'Alice',
      port: 2222,
      identityFiles: ['~/.ssh/box_key', '/tmp/k2'],
      knownHostsFiles: ['/root/kh1', '/tmp/kh2', '/tmp/kh3'],
      hostKeyAlias: 'boxkey',
      proxyJump: 'bob@jump:2200,jump2',
    });
  });

  it('treats absent and "none" as no jump and no alias', () => {
    const g = parseSshG('hostname h\nproxyjump none\nhostkeyalias none\n');
    expect([g.proxyJump, g.hostKeyAlias]).toEqual([null, null]);
    expect(parseSshG('hostname h\n').proxyJump).toBeNull();
  });
});

describe('ProxyJump specs', () => {
  it('splits hops outermost first', () => {
    expect(parseProxyJump('a,bob@b:2200')).toEqual([{ host: 'a' }, { host: 'b', user: 'bob', port: 2200 }]);
    expect(parseProxyJump('none')).toEqual([]);
  });

  it('reads ssh:// URIs and bracketed IPv6 addresses', () => {
    expect(parseJumpSpec('ssh://u@h:23')).toEqual({ host: 'h', user: 'u', port: 23 });
    expect(parseJumpSpec('[::1]:2222')).toEqual({ host: '::1', port: 2222 });
  });

  it('refuses a hop it cannot read', () => {
    expect(() => parseJumpSpec('h:port')).toThrow(
      'cannot read the ProxyJump hop "h:port": write [user@]host[:port]',
    );
  });
});

describe('expandSshPath', () => {
  const t = {
    home: '/home/u',
    localUser: 'me',
    hostname: 'h.example',
    remoteUser: 'ubuntu',
    port: 22,
    alias: 'ec2',
  };
  it('expands ~ and the ssh_config tokens', () => {
    expect(expandSshPath('~/.ssh/%n_%r@%h:%p', t)).toBe('/home/u/.ssh/ec2_ubuntu@h.example:22');
    expect(expandSshPath('%d/keys/%u%%', t)).toBe('/home/u/keys/me%');
    expect(expandSshPath('/abs/%x', t)).toBe('/abs/%x');
  });
});
