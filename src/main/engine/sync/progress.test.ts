import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProgressReader, parseProgressLine, parseStatsLine } from './progress';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseProgressLine', () => {
  it('reads a line in the middle of a file (no xfr part): the time is the ETA', () => {
    expect(parseProgressLine('      2,162,688  54%    1.91MB/s    0:00:03  ')).toEqual({
      bytes: 2_162_688,
      percent: 54,
      rate: Math.round(1.91 * 1024 * 1024),
      eta: 3,
      transferred: null,
      toCheck: null,
    });
  });

  it('reads the end-of-file line: the time is elapsed, the ETA comes from share and rate', () => {
    const p = parseProgressLine('  1,234,567  45%   12.34MB/s    0:00:03 (xfr#3, to-chk=10/20)')!;
    expect(p.bytes).toBe(1_234_567);
    expect(p.percent).toBe(45);
    expect(p.transferred).toBe(3);
    expect(p.toCheck).toEqual({ left: 10, total: 20 });
    expect(p.eta).toBe(Math.round((1_234_567 * (100 / 45 - 1)) / p.rate));
  });

  it('handles kB/s and GB/s, hours, ir-chk, and "." thousands separators', () => {
    expect(parseProgressLine('  12.345.678  99%  1,50GB/s  1:02:03')).toMatchObject({
      bytes: 12_345_678,
      rate: Math.round(1.5 * 1024 ** 3),
      eta: 3723,
    });
    expect(parseProgressLine('  0   0%    0.00kB/s    0:00:00 (xfr#0, ir-chk=1000/1001)')).toMatchObject({
      bytes: 0,
      rate: 0,
      eta: null,
      toCheck: { left: 1000, total: 1001 },
    });
    expect(parseProgressLine('  100 100%  1.00kB/s 0:00:00 (xfr#1, to-chk=0/1)')!.eta).toBe(0);
  });

  it('ignores other text', () => {
    expect(parseProgressLine('receiving file list ... ')).toBeNull();
    expect(parseProgressLine('rsync error: timeout in data send/receive (code 30)')).toBeNull();
    expect(parseProgressLine('')).toBeNull();
  });
});

describe('parseStatsLine', () => {
  it('reads the wire bytes', () => {
    expect(parseStatsLine('sent 20 bytes  received 4,001,142 bytes  108.00 bytes/sec')).toEqual({
      sent: 20,
      received: 4_001_142,
    });
  });
});

describe('ProgressReader on real rsync output', () => {
  it('follows a transfer through ssh with --bwlimit (captured here, rsync 3.5.0)', () => {
    const r = new ProgressReader();
    const text = fixture('progress2-bwlimit.txt');
    const updates = [];
    // Feed it in awkward chunks: numbers split across reads must still parse.
    for (let i = 0; i < text.length; i += 7) updates.push(...r.push(text.slice(i, i + 7)));
    updates.push(...r.end());
    expect(updates.length).toBeGreaterThan(4);
    expect(updates.map((u) => u.bytes)).toEqual([...updates.map((u) => u.bytes)].sort((a, b) => a - b));
    expect(r.last).toMatchObject({ bytes: 4_000_021, percent: 100, transferred: 4 });
    expect(r.activity).toBeGreaterThan(2);
  });

  it('ends below 100 % when everything was up to date, and reads the stats', () => {
    const r = new ProgressReader();
    r.push(fixture('progress2-up-to-date.txt'));
    r.end();
    expect(r.last).toMatchObject({ bytes: 0, percent: 0, transferred: 0, toCheck: { left: 0, total: 6 } });
    expect(r.stats).toEqual({ sent: 20, received: 142 });
    expect(r.lines.some((l) => l.startsWith('total size is'))).toBe(true);
  });

  it('reports an update as soon as it is whole, though rsync leaves it unterminated, and only once', () => {
    const r = new ProgressReader();
    expect(r.push('\r  1,000  10%  1.00MB/s  0:00:05 ').map((p) => p.bytes)).toEqual([1000]);
    expect(r.push('\r  2,0')).toEqual([]); // cut off mid-number: wait
    expect(r.push('00,000  20%  1.00MB/s  0:00:0')).toEqual([]); // cut off in the time field: wait
    expect(r.push('4 ').map((p) => p.bytes)).toEqual([2_000_000]);
    expect(r.push('\n\nsent 1 bytes  received 2 bytes  3.00 bytes/sec\n')).toEqual([]);
    expect(r.end()).toEqual([]);
    expect(r.stats).toEqual({ sent: 1, received: 2 });
  });

  it('counts the file list growing as a sign of life, without keeping it as a message', () => {
    const r = new ProgressReader();
    r.push('receiving file list ... \r 100 files...\r 200 files...\r');
    expect(r.activity).toBe(3);
    expect(r.lines).toEqual([]);
  });
});

describe('per-file --progress (GNU rsync < 3.1, openrsync)', () => {
  it('reads openrsync’s lines: "KB/s", a rate left out, a garbage time, xfer#/to-check', () => {
    expect(parseProgressLine('         131072  44%  199.64KB/s   00:00:00')).toMatchObject({
      bytes: 131_072,
      percent: 44,
      rate: Math.round(199.64 * 1024),
      eta: 0,
    });
    expect(parseProgressLine('              6 100%   00:00:00 (xfer#3, to-check=5/6)')).toMatchObject({
      bytes: 6,
      rate: 0,
      transferred: 3,
      toCheck: { left: 5, total: 6 },
    });
    expect(parseProgressLine('         0   0%   -596523:-14:-08')).toMatchObject({ bytes: 0, eta: null });
  });

  it('adds GNU rsync’s files up into a transfer total (captured here, rsync 3.5.0 with --progress)', () => {
    const r = new ProgressReader('per-file');
    const text = fixture('progress-perfile-gnu.txt');
    const updates = [];
    for (let i = 0; i < text.length; i += 5) updates.push(...r.push(text.slice(i, i + 5)));
    updates.push(...r.end());
    const bytes = updates.map((u) => u.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(r.last).toMatchObject({ bytes: 500_006, percent: 100, eta: 0, transferred: 3 });
    const percents = updates.map((u) => u.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(updates.every((u) => u.eta === null || u.eta === 0)).toBe(true);
    expect(r.stats).toEqual({ sent: 90, received: 500_411 });
  });

  it('adds openrsync’s files up, reading its counting-up to-check (captured here, openrsync 27)', () => {
    const r = new ProgressReader('per-file-indexed');
    const updates = r.push(fixture('progress-openrsync.txt'));
    updates.push(...r.end());
    const bytes = updates.map((u) => u.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(r.last).toMatchObject({ bytes: 500_006, percent: 100, transferred: 3 });
    const percents = updates.map((u) => u.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(r.activity).toBeGreaterThan(4);
  });
});
