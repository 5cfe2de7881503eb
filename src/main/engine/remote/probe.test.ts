import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProbeScript, type ProbeRequest, parseProbeOutput, selfExcludingGlob, splitGlob } from './probe';

const N = 'fedcba9876543210';

/** Runs the probe in a real sh (as the control shell would: the nonce in the environment). */
function probe(req: ProbeRequest, env: Record<string, string> = {}, cwd?: string) {
  // stdout and stderr in one stream, as the control shell merges them; stat exits 1 when a file failed.
  const r = spawnSync('sh', ['-c', `exec 2>&1\n${buildProbeScript(req)}`], {
    cwd,
    env: { ...process.env, VIGIL_NONCE: N, ...env },
    timeout: 10_000,
  });
  if (r.error) throw r.error;
  return parseProbeOutput(req, r.stdout, N);
}

const rec = (tag: string, index: number, payload: string) =>
  `${tag} ${index} ${Buffer.byteLength(payload)}:${payload}\n`;
const framed = (...records: string[]) =>
  Buffer.from(rec('B', 0, N) + records.join('') + rec('E', 0, N), 'utf8');
const none: ProbeRequest = { files: [], pidFiles: [], patterns: [], clock: false };

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
    const r = probe(req, {}, dir);
    expect(r.error).toBeNull();
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
    const req = { ...none, patterns: ['vitest'] };
    expect(probe(req).patterns.get('vitest')).toBe(true);
  });

  it('reads the remote clock to the millisecond where date has %N, else as the middle of its second', () => {
    const req = { ...none, clock: true };
    const real = probe(req);
    expect(Math.abs(real.remoteNowSec! * 1000 - Date.now())).toBeLessThan(1000);
    expect(Number.isInteger(real.remoteNowSec! * 2)).toBe(false); // GNU date here: not whole nor half
    const clock = (text: string) => parseProbeOutput(req, framed(rec('C', 0, text)), N).remoteNowSec;
    expect(clock('1764400000.123456789')).toBeCloseTo(1764400000.123, 3);
    expect(clock('1764400000.N')).toBe(1764400000.5); // BSD date
    expect(clock('1764400000.%N')).toBe(1764400000.5);
    expect(clock('1764400000')).toBe(1764400000.5);
    expect(clock('soon')).toBeNull();
  });

  it('a file stat cannot answer becomes an error naming stat’s message, not a crash', () => {
    const req = { ...none, files: ['/x/y'] };
    const out = Buffer.concat([
      framed(rec('F', 0, 'f')),
      Buffer.from("stat: cannot statx '/x/y': Input/output error\n"),
    ]);
    expect(parseProbeOutput(req, out, N).files.get('/x/y')).toEqual({
      kind: 'error',
      message: "stat: cannot statx '/x/y': Input/output error",
    });
  });

  it('degrades on a stat that is not GNU stat (BSD, macOS): the files say so, the rest still answers', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bsd-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'stat'), '#!/bin/sh\necho "stat: illegal option -- -" >&2\nexit 1\n');
    chmodSync(path.join(bin, 'stat'), 0o755);
    const file = path.join(dir, 'm.jsonl');
    writeFileSync(file, '{}\n');
    const pid = path.join(dir, 'p.pid');
    writeFileSync(pid, `${process.pid}\n`);
    const r = probe(
      { ...none, files: [file, path.join(dir, 'gone')], pidFiles: [pid], clock: true },
      { PATH: `${bin}:${process.env.PATH}` },
    );
    expect(r.error).toBeNull();
    expect(r.files.get(file)).toEqual({
      kind: 'error',
      message: 'the remote stat failed: stat: illegal option -- -',
    });
    expect(r.files.get(path.join(dir, 'gone'))).toEqual({ kind: 'missing' });
    expect(r.pids.get(pid)).toEqual({ kind: 'running', pid: process.pid });
    expect(r.remoteNowSec).not.toBeNull();
  });
});

describe('probe framing against hostile names (a name cannot forge an answer)', () => {
  it('a glob match named with a newline and a forged record forges nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-forge-'));
    const names = ['m_a.jsonl', 'm_b\nC 1.jsonl', 'm_b\nP 0 run 1.jsonl', 'm_c\nS 1 2 99999999999 x.jsonl'];
    for (const n of names) writeFileSync(path.join(dir, n), 'x\n');
    const dead = path.join(dir, 'dead.pid');
    writeFileSync(dead, '999999\n');
    const pattern = path.join(dir, 'm_*');
    const req = { ...none, globs: [pattern], pidFiles: [dead], files: [path.join(dir, 'm_a.jsonl')] };
    const r = probe(req);
    expect(r.error).toBeNull();
    expect(r.remoteNowSec).toBeNull(); // no clock was asked, none was forged
    expect(r.pids.get(dead)).toEqual({ kind: 'dead', pid: 999999 });
    expect(r.globs.get(pattern)).toEqual(names.map((n) => path.join(dir, n)).sort());
    for (const n of names)
      expect(r.files.get(path.join(dir, n))).toMatchObject({ kind: 'ok', stat: { size: 2 } });
    expect(r.files.size).toBe(names.length);
  });

  it('very long names (255 bytes, multi-byte) and non-UTF-8 names', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-long-'));
    const long = `m_${'é'.repeat(126)}x`; // 255 bytes
    writeFileSync(path.join(dir, long), 'abc');
    const raw = Buffer.concat([Buffer.from(`${dir}/m_`), Buffer.from([0xff, 0xfe]), Buffer.from('.jsonl')]);
    writeFileSync(raw, 'abc');
    const pattern = path.join(dir, 'm_*');
    const r = probe({ ...none, globs: [pattern] });
    expect(r.error).toBeNull();
    const found = r.globs.get(pattern)!;
    expect(found).toHaveLength(2);
    expect(r.files.get(path.join(dir, long))).toMatchObject({ kind: 'ok', stat: { size: 3 } });
    const bad = found.find((f) => f.includes('\ufffd'))!;
    expect(r.files.get(bad)).toEqual({ kind: 'error', message: expect.stringContaining('not valid UTF-8') });
  });

  it('answers only what was asked: a record for anything else refuses the whole answer', () => {
    const req = { ...none, files: ['/a'] };
    expect(parseProbeOutput(req, framed(rec('C', 0, '1700000000.5')), N).error).toMatch(/not asked/);
    expect(parseProbeOutput(req, framed(rec('F', 1, 'f')), N).error).toMatch(/F 1, which was not asked/);
    expect(parseProbeOutput(req, framed(rec('F', 0, 'm'), rec('F', 0, 'm')), N).error).toMatch(/repeats/);
    expect(parseProbeOutput(req, framed(rec('P', 0, 'run 1')), N).error).toMatch(/not asked/);
    expect(parseProbeOutput(req, framed(rec('Z', 0, '')), N).error).toMatch(/no request asks/);
    const refused = parseProbeOutput({ ...req, clock: true }, framed(rec('F', 0, 'f'), rec('F', 0, 'f')), N);
    expect(refused.files.size).toBe(0);
    expect(refused.remoteNowSec).toBeNull();
    // A stat record for a path nobody asked about is not taken either.
    const stray = Buffer.concat([framed(rec('F', 0, 'm')), Buffer.from(`${N} 1 2 3 81a4 0 512 /b\0`)]);
    expect([...parseProbeOutput(req, stray, N).files.keys()]).toEqual(['/a']);
  });

  it('never opens a named pipe: a FIFO file or pid file is named for what it is, and nothing hangs', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-fifo-'));
    const fifo = path.join(dir, 'trainer_state.json');
    const pidFifo = path.join(dir, 'train.pid');
    execFileSync('mkfifo', [fifo, pidFifo]);
    symlinkSync(fifo, path.join(dir, 'link.json'));
    mkdirSync(path.join(dir, 'folder.jsonl'));
    const req = {
      ...none,
      files: [fifo, path.join(dir, 'link.json'), path.join(dir, 'folder.jsonl'), '/dev/null'],
      pidFiles: [pidFifo],
    };
    const t0 = Date.now();
    const r = probe(req);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.files.get(fifo)).toEqual({ kind: 'not-regular', what: 'a named pipe' });
    expect(r.files.get(path.join(dir, 'link.json'))).toEqual({ kind: 'not-regular', what: 'a named pipe' });
    expect(r.files.get(path.join(dir, 'folder.jsonl'))).toEqual({ kind: 'not-regular', what: 'a folder' });
    expect(r.files.get('/dev/null')).toEqual({ kind: 'not-regular', what: 'a character device' });
    expect(r.pids.get(pidFifo)).toEqual({ kind: 'not-regular', what: 'a named pipe' });
  });

  it('a pid file whose content is hostile is shown escaped and short', () => {
    const req = { ...none, pidFiles: ['/p'] };
    const r = parseProbeOutput(req, framed(rec('P', 0, `bad \x1b[2J${'x'.repeat(100)}`)), N);
    expect(r.pids.get('/p')).toEqual({ kind: 'bad', content: `\\x1b[2J${'x'.repeat(33)}…` });
  });
});

describe('probe globs', () => {
  it('expands a wildcard file name in a hostile folder, without running anything', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `vigil-glob-a b;$(touch PWNED)'c-`));
    for (const n of ['events.out.tfevents.2', 'events.out.tfevents.1', 'other.txt'])
      writeFileSync(path.join(dir, n), n);
    const pattern = path.join(dir, 'events.out.tfevents.*');
    const req = { files: [], globs: [pattern], pidFiles: [], patterns: [], clock: false };
    const r = probe(req);
    const found = r.globs.get(pattern)!;
    expect(found).toEqual([path.join(dir, 'events.out.tfevents.1'), path.join(dir, 'events.out.tfevents.2')]);
    for (const f of found) expect(r.files.get(f)).toMatchObject({ kind: 'ok', stat: { size: 21 } });
    expect(existsSync(path.join(process.cwd(), 'PWNED'))).toBe(false);
    const nothing = { ...req, globs: [path.join(dir, 'nothing.*')] };
    expect(probe(nothing).globs.get(nothing.globs[0]!)).toEqual([]);
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
