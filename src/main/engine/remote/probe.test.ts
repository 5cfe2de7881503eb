import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProbeScript, parseProbeOutput, selfExcludingGlob, splitGlob } from './probe';

describe('probe', () => {
  it('matches a fixed string in process command lines, never its own, and runs nothing', () => {
    // A `case` pattern: the fixed string quoted, one letter bracketed so the probe's own command line
    // (which carries the pattern text) never matches it.
    const pat = selfExcludingGlob("train.py --model 'i3d'");
    const matches = (text: string) =>
      execFileSync('sh', ['-c', `case "$1" in ${pat}) echo yes;; *) echo no;; esac`, 'sh', text], {
        encoding: 'utf8',
      }).trim();
    expect(matches("python train.py --model 'i3d' --lr 3")).toBe('yes');
    expect(matches('python train.py --model slowfast')).toBe('no');
    expect(matches(`sh -c case x in ${pat}`)).toBe('no');
    expect(matches('train.py --model $(touch PWNED)')).toBe('no');
  });

  it('runs in a real sh and reports sizes, missing files, pids and patterns, with hostile names quoted', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-probe-'));
    const hostile = path.join(dir, `a b;$(touch PWNED)'c`);
    writeFileSync(hostile, 'hello\n');
    const pidRunning = path.join(dir, 'run.pid');
    writeFileSync(pidRunning, `${process.pid}\n`);
    const pidDead = path.join(dir, 'dead.pid');
    writeFileSync(pidDead, '999999\n');
    const req = {
      files: [hostile, path.join(dir, 'missing.csv')],
      pidFiles: [pidRunning, pidDead, path.join(dir, 'none.pid')],
      patterns: ['no-such-process-anywhere-xyz'],
      clock: true,
    };
    const out = execFileSync('sh', ['-c', buildProbeScript(req)], { cwd: dir, encoding: 'utf8' });
    const r = parseProbeOutput(req, out);
    expect(r.files.get(hostile)).toMatchObject({ kind: 'ok', stat: { size: 6 } });
    expect(r.files.get(req.files[1]!)).toEqual({ kind: 'missing' });
    expect(r.pids.get(pidRunning)).toEqual({ kind: 'running', pid: process.pid });
    expect(r.pids.get(pidDead)).toEqual({ kind: 'dead', pid: 999999 });
    expect(r.pids.get(req.pidFiles[2]!)).toEqual({ kind: 'no-file' });
    expect(r.patterns.get('no-such-process-anywhere-xyz')).toBe(false);
    expect(Math.abs(r.remoteNowSec! - Date.now() / 1000)).toBeLessThan(5);
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    expect(existsSync(path.join(process.cwd(), 'PWNED'))).toBe(false);
  });

  it('finds a running process by pattern', () => {
    const req = { files: [], pidFiles: [], patterns: [`vitest`], clock: false };
    const out = execFileSync('sh', ['-c', buildProbeScript(req)], { encoding: 'utf8' });
    expect(parseProbeOutput(req, out).patterns.get('vitest')).toBe(true);
  });

  it('reads the remote clock to the millisecond where date has %N, else as the middle of its second', () => {
    const req = { files: [], pidFiles: [], patterns: [], clock: true };
    const real = parseProbeOutput(
      req,
      execFileSync('sh', ['-c', buildProbeScript(req)], { encoding: 'utf8' }),
    );
    expect(Math.abs(real.remoteNowSec! * 1000 - Date.now())).toBeLessThan(1000);
    expect(Number.isInteger(real.remoteNowSec! * 2)).toBe(false); // GNU date here: not whole nor half
    expect(parseProbeOutput(req, 'C 1764400000.123456789\n').remoteNowSec).toBeCloseTo(1764400000.123, 3);
    expect(parseProbeOutput(req, 'C 1764400000.N\n').remoteNowSec).toBe(1764400000.5); // BSD date
    expect(parseProbeOutput(req, 'C 1764400000.%N\n').remoteNowSec).toBe(1764400000.5);
    expect(parseProbeOutput(req, 'C 1764400000\n').remoteNowSec).toBe(1764400000.5);
    expect(parseProbeOutput(req, 'C soon\n').remoteNowSec).toBeNull();
  });

  it('an unattributable answer becomes an error for the file, not a crash', () => {
    const req = { files: ['/x/y'], pidFiles: [], patterns: [], clock: false };
    const r = parseProbeOutput(req, "stat: cannot statx '/x/y': Input/output error\n");
    expect(r.files.get('/x/y')).toEqual({
      kind: 'error',
      message: "stat: cannot statx '/x/y': Input/output error",
    });
  });
});

describe('probe globs', () => {
  it('expands a wildcard file name in a hostile folder, without running anything', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `vigil-glob-a b;$(touch PWNED)'c-`));
    for (const n of ['events.out.tfevents.2', 'events.out.tfevents.1', 'other.txt'])
      writeFileSync(path.join(dir, n), n);
    const pattern = path.join(dir, 'events.out.tfevents.*');
    const req = { files: [], globs: [pattern], pidFiles: [], patterns: [], clock: false };
    const r = parseProbeOutput(req, execFileSync('sh', ['-c', buildProbeScript(req)], { encoding: 'utf8' }));
    const found = r.globs.get(pattern)!;
    expect(found).toEqual([path.join(dir, 'events.out.tfevents.1'), path.join(dir, 'events.out.tfevents.2')]);
    for (const f of found) expect(r.files.get(f)).toMatchObject({ kind: 'ok', stat: { size: 21 } });
    expect(existsSync(path.join(process.cwd(), 'PWNED'))).toBe(false);
    const none = { ...req, globs: [path.join(dir, 'nothing.*')] };
    expect(
      parseProbeOutput(
        none,
        execFileSync('sh', ['-c', buildProbeScript(none)], { encoding: 'utf8' }),
      ).globs.get(none.globs[0]!),
    ).toEqual([]);
  });

  it('refuses wildcards in folders and shell syntax in the pattern', () => {
    expect(() => splitGlob('/runs/*/events.*')).toThrow('only the file name may hold wildcards');
    expect(() => splitGlob('/runs/x/$(reboot)*')).toThrow('may only use letters');
    expect(() => splitGlob('/runs/x/a;b*')).toThrow('may only use letters');
    expect(splitGlob('/runs/x/events.out.tfevents.*')).toEqual({
      dir: '/runs/x',
      glob: 'events.out.tfevents.*',
    });
  });
});
