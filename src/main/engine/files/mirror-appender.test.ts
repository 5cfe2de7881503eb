import fs, { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FLUSH_EVERY_MS, MirrorAppender } from './mirror-appender';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-appender-'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const openFds = () => readdirSync('/proc/self/fd').length;

describe('MirrorAppender', () => {
  it('appends every chunk in order, readable at once, and holds no file open between appends', () => {
    const file = path.join(dir, 'a', 'b', 'metrics.jsonl');
    const m = new MirrorAppender(file);
    const fds = openFds();
    const lines = Array.from({ length: 50 }, (_, i) => `{"step":${i},"loss":${1 / (i + 1)}}\n`);
    for (const l of lines) m.append(Buffer.from(l));
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
    expect(openFds()).toBe(fds);
  });

  it('makes the folder again when the user removed it', () => {
    const file = path.join(dir, 'w', 'metrics.jsonl');
    const m = new MirrorAppender(file);
    m.append(Buffer.from('one\n'));
    rmSync(path.join(dir, 'w'), { recursive: true });
    m.append(Buffer.from('two\n'));
    expect(readFileSync(file, 'utf8')).toBe('two\n');
  });

  it('names the file when it cannot append', () => {
    const file = path.join(dir, 'is-a-folder');
    fs.mkdirSync(file);
    expect(() => new MirrorAppender(file).append(Buffer.from('x'))).toThrow(/cannot append to .*is-a-folder/);
  });

  it('flushes to disk at once after a quiet spell, then at most once per FLUSH_EVERY_MS while busy', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // The disk answers at once: this test is about how often Vigil asks, not how long a flush takes.
    const syncs = vi
      .spyOn(fs, 'fdatasync')
      .mockImplementation(((_fd: number, cb: (e: Error | null) => void) => cb(null)) as typeof fs.fdatasync);
    const m = new MirrorAppender(path.join(dir, 'm.jsonl'));
    m.append(Buffer.from('a\n'));
    await vi.advanceTimersByTimeAsync(0);
    expect(syncs).toHaveBeenCalledTimes(1); // the first append after a quiet spell
    // Busy: one append every 100 ms for 20 s → one flush per 5 s, not 200.
    for (let t = 0; t < 20_000; t += 100) {
      m.append(Buffer.from('b\n'));
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(syncs.mock.calls.length).toBeGreaterThanOrEqual(20_000 / FLUSH_EVERY_MS);
    expect(syncs.mock.calls.length).toBeLessThanOrEqual(20_000 / FLUSH_EVERY_MS + 1);
    // flush() makes what is pending durable now; with nothing pending it does nothing.
    m.append(Buffer.from('c\n'));
    const before = syncs.mock.calls.length;
    await m.flush();
    expect(syncs.mock.calls.length).toBe(before + 1);
    await m.flush();
    expect(syncs.mock.calls.length).toBe(before + 1);
  });

  it('reports a failed background flush on the next append, naming the file', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, cb: (e: Error | null) => void) =>
      cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }))) as typeof fs.fdatasync);
    const m = new MirrorAppender(path.join(dir, 'm.jsonl'));
    m.append(Buffer.from('a\n'));
    await vi.advanceTimersByTimeAsync(0);
    expect(() => m.append(Buffer.from('b\n'))).toThrow(/cannot flush .*m\.jsonl: EIO/);
    // The bytes already appended are still there; the next append goes on.
    m.append(Buffer.from('c\n'));
    expect(readFileSync(path.join(dir, 'm.jsonl'), 'utf8')).toBe('a\nc\n');
  });

  it('leaves long runs of zeros as holes: a sparse remote file is not stored as its zeros', () => {
    const file = path.join(dir, 'sparse.log');
    const m = new MirrorAppender(file);
    const head = Buffer.from('{"loss": 1}\n');
    const zeros = Buffer.alloc(8 << 20);
    const tail = Buffer.from('{"loss": 2}\n');
    m.append(head);
    m.append(Buffer.concat([zeros, tail]));
    m.append(Buffer.alloc(1 << 20)); // ends in zeros: the length is still right
    const want = Buffer.concat([head, zeros, tail, Buffer.alloc(1 << 20)]);
    expect(readFileSync(file).equals(want)).toBe(true);
    const st = fs.statSync(file);
    expect(st.size).toBe(want.length);
    expect(st.blocks * 512).toBeLessThan(1 << 20); // 9 MiB long, a few KiB on disk
  });
});
