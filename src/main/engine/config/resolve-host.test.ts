import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from './load';
import { locateTool } from './locate-tool';
import { type ExecFileFn, resolveHost } from './resolve-host';
import type { VigilConfig } from './types';

const HOME = '/home/u';

/** A config whose hosts section is `hosts` (YAML lines under `hosts:`). */
function config(hosts: string, top = ''): VigilConfig {
  return parseConfig(
    `${top}\nhosts:\n${hosts}\nworkers:\n  - { name: w, host: ${/^\s*([^:\s]+):/.exec(hosts)![1]}, dir: d, metrics: m }\n`,
    '/cfg/config.yaml',
    { home: HOME },
  );
}

/** A fake `ssh -G`: answers per alias (the last argument), records every call. */
function fakeSsh(answers: Record<string, string>) {
  const calls: { file: string; args: readonly string[]; timeout: number }[] = [];
  const execFile: ExecFileFn = async (file, args, { timeout }) => {
    calls.push({ file, args, timeout });
    const alias = args.at(-1)!;
    const stdout = answers[alias] ?? `hostname ${alias}\nport 22\nuser me\nidentityfile ~/.ssh/id_rsa\n`;
    return { stdout, stderr: '' };
  };
  return { execFile, calls };
}

const failing =
  (err: object): ExecFileFn =>
  async () => {
    throw Object.assign(new Error('spawn failed'), err);
  };

// Every name answers to the resolver here (the alias check has tests of its own below).
const deps = (execFile: ExecFileFn) => ({ execFile, home: HOME, localUser: 'me', lookup: async () => {} });

describe('resolveHost through ssh -G', () => {
  it('takes hostname, user, port, keys, known_hosts and HostKeyAlias from the alias', async () => {
    const { execFile, calls } = fakeSsh({
      ec2: [
        'host ec2',
        'user ubuntu',
        'hostname 203.0.113.10',
        'port 2222',
        'identityfile ~/.ssh/ec2.pem',
        'identityfile /keys/%r@%h',
        'userknownhostsfile ~/.ssh/known_hosts ~/.ssh/known_hosts2',
        'hostkeyalias ec2-box',
      ].join('\n'),
    });
    const cfg = config(
      '  ec2: { connectTimeout: 4s, keepaliveInterval: 3s, keepaliveCount: 2 }',
      'sshConfig: ~/.ssh/alt',
    );
    expect(await resolveHost(cfg, 'ec2', deps(execFile))).toEqual({
      name: 'ec2',
      hostname: '203.0.113.10',
      port: 2222,
      user: 'ubuntu',
      identityFiles: ['/home/u/.ssh/ec2.pem', '/keys/ubuntu@203.0.113.10'],
      knownHostsFiles: ['/home/u/.ssh/known_hosts', '/home/u/.ssh/known_hosts2'],
      hostKeyAlias: 'ec2-box',
      proxyJump: [],
      connectTimeoutMs: 4_000,
      keepaliveIntervalMs: 3_000,
      keepaliveCountMax: 2,
    });
    // No shell, a bound, the user's ssh_config, and "--" so the alias can never be read as an option;
    // ssh by its absolute path (an app started from Finder has a bare PATH).
    expect(calls).toEqual([
      { file: locateTool('ssh'), args: ['-F', '/home/u/.ssh/alt', '-G', '--', 'ec2'], timeout: 5_000 },
    ]);
  });

  it('lets ssh find its own config files when sshConfig is not set', async () => {
    const { execFile, calls } = fakeSsh({});
    await resolveHost(config('  ec2: {}'), 'ec2', deps(execFile));
    expect(calls[0]?.args).toEqual(['-G', '--', 'ec2']);
  });

  it('lets spelled-out fields override what ssh -G says', async () => {
    const { execFile } = fakeSsh({
      ec2: 'hostname old\nuser olduser\nport 2222\nidentityfile ~/.ssh/id_rsa\nuserknownhostsfile ~/.ssh/known_hosts\nproxyjump bastion\n',
    });
    const cfg = config(
      '  ec2:\n    hostname: new\n    user: ubuntu\n    port: 22\n    identityFile: ~/k.pem\n    knownHostsFile: /kh\n    proxyJump: none',
    );
    const host = await resolveHost(cfg, 'ec2', deps(execFile));
    expect(host).toMatchObject({
      hostname: 'new',
      user: 'ubuntu',
      port: 22,
      identityFiles: ['/home/u/k.pem'],
      knownHostsFiles: ['/kh'],
      proxyJump: [],
    });
  });

  it('resolves each ProxyJump hop through ssh -G too, outermost first, with the same bounds', async () => {
    const { execFile, calls } = fakeSsh({
      ec2: 'hostname 10.0.0.5\nuser ubuntu\nport 22\nproxyjump bob@jump:2200,jump2\n',
      jump: 'hostname jump.example.com\nuser jumper\nport 22\nidentityfile ~/.ssh/jump\nproxyjump outer\n',
      jump2: 'hostname 10.0.0.2\nuser j2\nport 22\nproxyjump ignored-by-ssh\n',
      outer: 'hostname outer.example.com\nuser o\nport 22\n',
    });
    const host = await resolveHost(config('  ec2: { connectTimeout: 7s }'), 'ec2', deps(execFile));
    const hops = host.proxyJump.map((h) => [h.name, `${h.user}@${h.hostname}:${h.port}`, h.proxyJump.length]);
    // ssh runs `ssh -J jump -W … jump2`: the first hop's own ProxyJump (outer) applies, jump2's does not.
    expect(hops).toEqual([
      ['outer', 'o@outer.example.com:22', 0],
      ['jump', 'bob@jump.example.com:2200', 0], // user and port from the spec win
      ['jump2', 'j2@10.0.0.2:22', 0],
    ]);
    expect(host.proxyJump.every((h) => h.connectTimeoutMs === 7_000 && h.keepaliveCountMax === 3)).toBe(true);
    expect(host.proxyJump[1]?.identityFiles).toEqual(['/home/u/.ssh/jump']);
    expect(calls.map((c) => c.args.at(-1))).toEqual(['ec2', 'jump', 'outer', 'jump2']);
  });

  it('uses a spelled-out proxyJump over the alias', async () => {
    const { execFile } = fakeSsh({ ec2: 'hostname h\nproxyjump bastion\n' });
    const host = await resolveHost(config('  ec2: { proxyJump: "me@other:2022" }'), 'ec2', deps(execFile));
    expect(host.proxyJump.map((h) => [h.name, h.user, h.port])).toEqual([['other', 'me', 2022]]);
  });

  it('stops a ProxyJump loop with a clear error', async () => {
    const { execFile } = fakeSsh({
      ec2: 'hostname h\nproxyjump bastion\n',
      bastion: 'hostname b\nproxyjump ec2\n',
    });
    await expect(resolveHost(config('  ec2: {}'), 'ec2', deps(execFile))).rejects.toThrow(
      'ProxyJump loop for "ec2": ec2 → bastion → ec2; check your ssh config',
    );
  });

  it('reports a failing ssh -G with what ssh said', async () => {
    const execFile = failing({ code: 255, stderr: '/cfg/ssh: line 1: Bad configuration option: hots\n' });
    await expect(resolveHost(config('  ec2: {}'), 'ec2', deps(execFile))).rejects.toThrow(
      '/ssh -G -- ec2` failed, so host "ec2" cannot be resolved: /cfg/ssh: line 1: Bad configuration option: hots',
    );
  });

  it('bounds ssh -G in time', async () => {
    const execFile = failing({ killed: true, signal: 'SIGTERM' });
    await expect(resolveHost(config('  ec2: {}'), 'ec2', deps(execFile))).rejects.toThrow(
      '/ssh -G ec2` did not finish within 5 s',
    );
  });

  it('refuses a host that is not in the config', async () => {
    await expect(resolveHost(config('  ec2: {}'), 'gpu', deps(fakeSsh({}).execFile))).rejects.toThrow(
      'unknown host "gpu" (defined: ec2)',
    );
  });
});

describe('resolveHost without an OpenSSH client', () => {
  const noSsh = failing({ code: 'ENOENT' });

  it('falls back to ssh defaults for a spelled-out host', async () => {
    const host = await resolveHost(
      config('  ec2: { hostname: 203.0.113.10, proxyJump: "j@bastion:2022" }'),
      'ec2',
      deps(noSsh),
    );
    expect(host).toMatchObject({
      hostname: '203.0.113.10',
      port: 22,
      user: 'me',
      identityFiles: ['/home/u/.ssh/id_ed25519', '/home/u/.ssh/id_ecdsa', '/home/u/.ssh/id_rsa'],
      knownHostsFiles: ['/home/u/.ssh/known_hosts'],
      hostKeyAlias: null,
    });
    // A hop is then taken as written.
    expect(host.proxyJump.map((h) => `${h.user}@${h.hostname}:${h.port}`)).toEqual(['j@bastion:2022']);
  });

  it('explains that an alias needs the OpenSSH client, and the way out', async () => {
    const attempt = resolveHost(config('  ec2: {}'), 'ec2', deps(noSsh));
    await expect(attempt).rejects.toThrow(
      'cannot resolve host "ec2": it is an alias from ~/.ssh/config, and reading that needs the OpenSSH client ("ssh"), which is not installed',
    );
    await expect(attempt).rejects.toThrow('sudo apt-get install openssh-client');
    await expect(attempt).rejects.toThrow(
      'spell the host out in the Vigil config: hosts: { ec2: { hostname: …',
    );
  });

  it('detects the missing client with the real spawn', async () => {
    const attempt = resolveHost(config('  ec2: {}'), 'ec2', { ssh: '/nonexistent/ssh', home: HOME });
    await expect(attempt).rejects.toThrow('needs the OpenSSH client');
  });
});

describe('an alias with no Host entry', () => {
  const files = (text: Record<string, string>) => ({
    readFile: async (f: string) => {
      if (f in text) return text[f]!;
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
    readdir: async (d: string) =>
      Object.keys(text)
        .filter((f) => f.startsWith(`${d}/`))
        .map((f) => f.slice(d.length + 1)),
  });
  const notFound = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  const sshConfig = [
    'Host ec2-gpu',
    '  HostName 203.0.113.10',
    'Include config.d/*',
    'Host *',
    '  ServerAliveInterval 10',
  ].join('\n');

  it('is a config error naming the alias, the ssh config read and the nearest alias in it', async () => {
    const { execFile } = fakeSsh({}); // ssh -G answers "hostname ec2-gpx": the name itself
    const opts = { ...deps(execFile), lookup: notFound, files: files({ '/home/u/.ssh/config': sshConfig }) };
    await expect(resolveHost(config('  ec2-gpx: {}'), 'ec2-gpx', opts)).rejects.toThrow(
      'host "ec2-gpx" has no Host entry in /home/u/.ssh/config (ssh resolves it to itself, and no machine has that name). Did you mean "ec2-gpu"?',
    );
  });

  it('names the sshConfig Vigil used, and the aliases of its Includes', async () => {
    const { execFile } = fakeSsh({});
    const opts = {
      ...deps(execFile),
      lookup: notFound,
      files: files({
        '/cfg/ssh_config': 'Include /cfg/more/*.conf\n',
        '/cfg/more/a.conf': 'Host trainbox\n  HostName 10.0.0.9\n',
      }),
    };
    await expect(
      resolveHost(config('  trainbx: {}', 'sshConfig: /cfg/ssh_config'), 'trainbx', opts),
    ).rejects.toThrow(
      'host "trainbx" has no Host entry in /cfg/ssh_config (ssh resolves it to itself, and no machine has that name). Did you mean "trainbox"?',
    );
  });

  it('is fine when a Host entry names it (HostName or not), when the name is a real machine, or behind a jump', async () => {
    const { execFile } = fakeSsh({ 'box.example.com': 'hostname box.example.com\nproxyjump bastion\n' });
    const named = {
      ...deps(execFile),
      lookup: notFound,
      files: files({ '/home/u/.ssh/config': 'Host gpu?\n  User me\n' }),
    };
    expect((await resolveHost(config('  gpu1: {}'), 'gpu1', named)).hostname).toBe('gpu1');
    const real = { ...deps(execFile), lookup: async () => ({ address: '192.0.2.7' }), files: files({}) };
    expect((await resolveHost(config('  gpu.example.org: {}'), 'gpu.example.org', real)).hostname).toBe(
      'gpu.example.org',
    );
    const jumped = { ...deps(execFile), lookup: notFound, files: files({}) };
    const cfg = config('  box.example.com: {}');
    expect((await resolveHost(cfg, 'box.example.com', jumped)).hostname).toBe('box.example.com');
  });
});

describe('resolveHost against the system ssh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ssh-g-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(
    sshConfig,
    `Host box
  HostName 10.1.2.3
  Port 2222
  User alice
  IdentityFile ~/.ssh/box_key
  IdentityFile ${dir}/second_key
  UserKnownHostsFile ${dir}/known_hosts ${dir}/known_hosts2
  HostKeyAlias box-key
  ProxyJump bob@jump:2200

Host jump
  HostName jump.example.com
  User jumper
  IdentityFile ${dir}/jump_key
  ProxyJump none
`,
  );

  it('reads HostName, Port, User, IdentityFile, UserKnownHostsFile, HostKeyAlias and ProxyJump', async () => {
    const cfg = config('  box: {}', `sshConfig: ${sshConfig}`);
    const host = await resolveHost(cfg, 'box', { home: HOME });
    expect(host).toMatchObject({
      name: 'box',
      hostname: '10.1.2.3',
      port: 2222,
      user: 'alice',
      identityFiles: ['/home/u/.ssh/box_key', `${dir}/second_key`],
      knownHostsFiles: [`${dir}/known_hosts`, `${dir}/known_hosts2`],
      hostKeyAlias: 'box-key',
    });
    expect(host.proxyJump).toHaveLength(1);
    expect(host.proxyJump[0]).toMatchObject({
      name: 'jump',
      hostname: 'jump.example.com',
      user: 'bob',
      port: 2200,
      identityFiles: [`${dir}/jump_key`],
      proxyJump: [],
    });
  });

  it('gives a host unknown to ssh_config the defaults ssh would use', async () => {
    const host = await resolveHost(
      config('  other: { hostname: 192.0.2.1 }', `sshConfig: ${sshConfig}`),
      'other',
      {
        home: HOME,
      },
    );
    expect(host).toMatchObject({ hostname: '192.0.2.1', port: 22, hostKeyAlias: null, proxyJump: [] });
    expect(host.identityFiles).toContain('/home/u/.ssh/id_ed25519');
  });

  it('reports a broken ssh_config with the line ssh complains about', async () => {
    const bad = join(dir, 'bad_config');
    writeFileSync(bad, 'Hots box\n');
    await expect(
      resolveHost(config('  box: {}', `sshConfig: ${bad}`), 'box', { home: HOME }),
    ).rejects.toThrow(`${bad}: line 1: Bad configuration option: hots`);
  });
});
