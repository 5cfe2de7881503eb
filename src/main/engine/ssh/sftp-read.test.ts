import { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { readRangeKeepingOpen } from './sftp-read';

/** An SFTP server in memory: each file holds `size` bytes of its first letter; replies come a tick later. */
function fakeSftp(size: number) {
  const open = new Map<string, string>(); // handle → path
  let next = 0;
  const stats = { opens: 0, closes: 0, readsOnClosed: 0 };
  const later = (fn: () => void) => setImmediate(fn);
  const sftp = Object.assign(new EventEmitter(), {
    open(path: string, _flags: string, cb: (err: Error | undefined, handle: Buffer) => void) {
      stats.opens++;
      const h = Buffer.from(String(next++));
      open.set(h.toString(), path);
      later(() => cb(undefined, h));
    },
    read(
      handle: Buffer,
      buf: Buffer,
      off: number,
      len: number,
      pos: number,
      cb: (err: Error | undefined, n: number) => void,
    ) {
      later(() => {
        const path = open.get(handle.toString());
        if (path === undefined) {
          stats.readsOnClosed++;
          cb(Object.assign(new Error('Failure'), { code: 4 }), 0);
          return;
        }
        const n = Math.max(0, Math.min(len, size - pos));
        buf.fill(path.charCodeAt(1), off, off + n);
        cb(undefined, n);
      });
    },
    close(handle: Buffer, cb: () => void) {
      stats.closes++;
      open.delete(handle.toString());
      later(cb);
    },
  });
  return { sftp: sftp as unknown as SFTPWrapper, stats, openCount: () => open.size };
}

describe('files kept open between reads', () => {
  it('40 files read at once (more than the 32 kept open): every read gets its bytes', async () => {
    const { sftp, stats, openCount } = fakeSftp(300_000);
    const paths = Array.from({ length: 40 }, (_, i) => `/${String.fromCharCode(65 + (i % 26))}${i}.jsonl`);
    const got = await Promise.all(paths.map((p, i) => readRangeKeepingOpen(sftp, p, 0, 300_000, 1000 + i)));
    expect(stats.readsOnClosed).toBe(0);
    got.forEach((bytes, i) => {
      expect(bytes.length).toBe(300_000);
      expect(bytes[0]).toBe(paths[i]!.charCodeAt(1));
    });
    // Once idle, the least recently used are closed again as soon as another file is opened.
    await readRangeKeepingOpen(sftp, '/Zlast.jsonl', 0, 10, 5000);
    await new Promise((r) => setImmediate(r));
    expect(openCount()).toBeLessThanOrEqual(32);
  });

  it('a file read again is reused, and the one closed is the least recently used', async () => {
    const { sftp, stats } = fakeSftp(10);
    for (let i = 0; i < 32; i++) await readRangeKeepingOpen(sftp, `/f${i}`, 0, 10, i);
    await readRangeKeepingOpen(sftp, '/f0', 0, 10, 0); // f0 is now the most recently used
    expect(stats.opens).toBe(32);
    await readRangeKeepingOpen(sftp, '/f32', 0, 10, 32); // one too many: f1 goes, not f0
    await readRangeKeepingOpen(sftp, '/f0', 0, 10, 0);
    expect(stats.opens).toBe(33);
    await readRangeKeepingOpen(sftp, '/f1', 0, 10, 1);
    expect(stats.opens).toBe(34);
  });
});
