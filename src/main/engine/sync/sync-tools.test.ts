import { describe, expect, it } from 'vitest';
import { locateAll, locateTool, searchDirs } from '../config';
import { findSyncTools } from './sync-tools';

/** The PATH an app started from Finder (or at login) gets on macOS. */
const FINDER_ENV = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' };
const exists =
  (...files: string[]) =>
  (f: string) =>
    files.includes(f);

describe('finding ssh and rsync without the shell’s PATH', () => {
  it('finds Homebrew’s rsync from Finder’s PATH, before the system’s openrsync', () => {
    const isExecutable = exists('/opt/homebrew/bin/rsync', '/usr/bin/rsync', '/usr/bin/ssh');
    expect(locateTool('rsync', { env: FINDER_ENV, isExecutable })).toBe('/opt/homebrew/bin/rsync');
    expect(locateAll('rsync', { env: FINDER_ENV, isExecutable })).toEqual([
      '/opt/homebrew/bin/rsync',
      '/usr/bin/rsync',
    ]);
    expect(locateTool('rsync', { env: FINDER_ENV, isExecutable: exists('/usr/local/bin/rsync') })).toBe(
      '/usr/local/bin/rsync',
    );
  });

  it('finds both with no PATH at all', () => {
    const isExecutable = exists('/usr/bin/rsync', '/usr/bin/ssh');
    expect(locateTool('rsync', { env: {}, isExecutable })).toBe('/usr/bin/rsync');
    expect(locateTool('ssh', { env: {}, isExecutable })).toBe('/usr/bin/ssh');
  });

  it('takes the ssh the terminal would (PATH first), then the system’s, then Homebrew’s', () => {
    expect(searchDirs('ssh', { PATH: '/home/me/bin:relative/bin:/usr/bin' }).slice(0, 4)).toEqual([
      '/home/me/bin',
      '/usr/bin',
      '/bin',
      '/usr/sbin',
    ]);
    expect(searchDirs('ssh', {}).slice(-2)).toEqual(['/opt/homebrew/bin', '/usr/local/bin']);
    expect(locateTool('ssh', { env: {}, isExecutable: () => false })).toBeNull();
  });
});

describe('findSyncTools', () => {
  const version = (text: string) => async () => text;

  it('uses the rsync named in the config, and recognises it', async () => {
    const t = await findSyncTools('/opt/rsync-3.0/bin/rsync', {
      env: FINDER_ENV,
      isExecutable: exists('/opt/rsync-3.0/bin/rsync', '/usr/bin/rsync', '/usr/bin/ssh'),
      version: version('rsync  version 3.0.9  protocol version 30\n'),
    });
    expect(t).toMatchObject({
      rsync: '/opt/rsync-3.0/bin/rsync',
      ssh: '/usr/bin/ssh',
      flavour: { kind: 'gnu', version: '3.0.9' },
      caps: { protectArgs: true, infoProgress2: false },
    });
  });

  it('says what is wrong: a configured path that is not a program, no rsync, no ssh', async () => {
    await expect(
      findSyncTools('/nope/rsync', { env: FINDER_ENV, isExecutable: exists('/usr/bin/ssh') }),
    ).rejects.toThrow(/rsync: \/nope\/rsync \(from the config\) is not an executable file/);
    await expect(
      findSyncTools(undefined, { env: FINDER_ENV, isExecutable: exists('/usr/bin/ssh') }),
    ).rejects.toThrow(/rsync is not installed on this computer \(macOS: brew install rsync/);
    await expect(
      findSyncTools(undefined, { env: FINDER_ENV, isExecutable: exists('/usr/bin/rsync') }),
    ).rejects.toThrow(/OpenSSH client \(ssh\) is not installed/);
  });

  it('recognises this machine’s real rsync', async () => {
    const t = await findSyncTools(undefined);
    expect(t.rsync).toMatch(/^\//);
    expect(t.ssh).toMatch(/^\//);
    expect(t.flavour.kind).toBe('gnu');
  });
});
