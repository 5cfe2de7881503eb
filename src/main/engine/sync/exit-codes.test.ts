import { describe, expect, it } from 'vitest';
import { describeExit, type ExitFacts } from './exit-codes';

const facts = (over: Partial<ExitFacts>): ExitFacts => ({
  code: 0,
  stderr: '',
  to: '/data/x',
  host: 'ec2',
  ...over,
});

describe('describeExit', () => {
  it('says ok for 0', () => {
    expect(describeExit(facts({}))).toEqual({ severity: 'ok', failure: null, message: 'ok' });
  });

  it('makes partial and vanished files a warning', () => {
    const v = describeExit(facts({ code: 24, stderr: 'file has vanished: "/r/x.pt"\n' }));
    expect(v.severity).toBe('warning');
    expect(v.message).toContain('vanished');
    expect(
      describeExit(
        facts({
          code: 23,
          stderr: 'rsync: [sender] send_files failed to open "/r/a": Permission denied (13)\n',
        }),
      ).severity,
    ).toBe('warning');
  });

  it('calls a missing source folder an error, not a partial transfer', () => {
    const v = describeExit(
      facts({
        code: 23,
        stderr: 'rsync: [sender] change_dir "/r/nope" failed: No such file or directory (2)\n',
      }),
    );
    expect(v).toMatchObject({ severity: 'error', failure: 'remote' });
  });

  it.each([255, 12, 30, 35, 10])('calls code %i unreachable', (code) => {
    const v = describeExit(
      facts({ code, stderr: 'ssh: connect to host 10.0.0.5 port 22: Connection timed out\n' }),
    );
    expect(v.failure).toBe('unreachable');
    expect(v.message).toMatch(/^ec2 unreachable: .*Connection timed out/);
  });

  it('names the local folder, its free space and permissions for 11', () => {
    const v = describeExit(
      facts({
        code: 11,
        freeBytes: 1024 * 1024 * 3,
        writable: false,
        stderr: 'rsync: [receiver] write failed on "/data/x/a": No space left on device (28)\n',
      }),
    );
    expect(v.failure).toBe('local-disk');
    expect(v.message).toContain('/data/x');
    expect(v.message).toContain('3.0 MiB free');
    expect(v.message).toContain('not writable');
    expect(v.message).toContain('No space left');
  });

  it('tells auth and host-key failures apart from an unreachable host', () => {
    expect(describeExit(facts({ code: 255, stderr: 'u@h: Permission denied (publickey).\n' })).failure).toBe(
      'auth',
    );
    expect(describeExit(facts({ code: 255, stderr: 'Host key verification failed.\n' })).failure).toBe(
      'host-key',
    );
    expect(
      describeExit(facts({ code: 12, stderr: 'bash: line 1: rsync: command not found\n' })).failure,
    ).toBe('remote');
  });

  it('names other codes from the man page, and the watchdog', () => {
    expect(describeExit(facts({ code: 2 })).message).toBe('rsync failed: protocol incompatibility (code 2)');
    expect(describeExit(facts({ code: 20, watchdogSec: 30 })).message).toMatch(
      /^ec2 unreachable: no data moved for 30 s/,
    );
    expect(describeExit(facts({ code: 20, cancelled: true })).failure).toBe('stopped');
    expect(describeExit(facts({ code: 99 })).message).toBe('rsync failed: unknown error (code 99)');
  });
});
