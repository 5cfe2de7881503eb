import {
  appendFileSync,
  closeSync,
  promises as fsp,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemoteFileStat } from '../remote';
import { TrackedFile } from './tracked-file';

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-tf-'));
  const remote = path.join(dir, 'remote.log');
  const mirror = path.join(dir, 'mirror', 'remote.log');
  const seen: string[] = [];
  const resets: string[] = [];
  const consumer = {
    bytes: (c: Uint8Array) => seen.push(Buffer.from(c).toString()),
    reset: (r: string) => resets.push(r),
  };
  let bytesOnWire = 0;
  let largestRead = 0;
  const read = async (p: string, offset: number, max: number) => {
    const fh = await fsp.open(p, 'r');
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, offset);
    await fh.close();
    bytesOnWire += bytesRead;
    largestRead = Math.max(largestRead, bytesRead);
    return new Uint8Array(buf.subarray(0, bytesRead));
  };
  const stat = (): RemoteFileStat => {
    const s = statSync(remote);
    return { inode: s.ino, size: s.size, mtimeSec: Math.floor(s.mtimeMs / 1000) };
  };
  return {
    dir,
    remote,
    mirror,
    seen,
    resets,
    consumer,
    read,
    stat,
    wire: () => bytesOnWire,
    largest: () => largestRead,
  };
}

describe('TrackedFile', () => {
  it('moves only appended bytes (plus a 64-byte overlap check) and mirrors them byte for byte', async () => {
    const t = setup();
    writeFileSync(t.remote, 'a'.repeat(1000));
    const f = new TrackedFile(t.mirror, t.consumer);
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    appendFileSync(t.remote, 'b'.repeat(500));
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    expect(await f.sync(t.remote, t.stat(), t.read, 1 << 20)).toEqual({ bytes: 0, reset: null, more: false });
    expect(t.wire()).toBe(1000 + 500 + 64);
    expect(readFileSync(t.mirror)).toEqual(readFileSync(t.remote));
    expect(t.seen.join('')).toBe(readFileSync(t.remote, 'utf8'));
  });

  it('caps the bytes of one tick so a catch-up never holds a whole large file', async () => {
    const t = setup();
    writeFileSync(t.remote, Buffer.alloc(5 << 20, 0x61));
    const f = new TrackedFile(t.mirror, t.consumer);
    let ticks = 0;
    for (;;) {
      ticks++;
      if (!(await f.sync(t.remote, t.stat(), t.read, 1 << 20)).more) break;
    }
    expect(ticks).toBe(5);
    expect(t.largest()).toBeLessThanOrEqual((1 << 20) + 64);
    expect(statSync(t.mirror).size).toBe(5 << 20);
  });

  it('a truncated file starts over and keeps the old mirror as .gen0', async () => {
    const t = setup();
    writeFileSync(t.remote, 'one\ntwo\nthree\n');
    const f = new TrackedFile(t.mirror, t.consumer);
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    writeFileSync(t.remote, 'uno\n'); // same inode, smaller
    const out = await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    expect(out.reset).toBe('the file was truncated');
    expect(t.resets).toEqual(['the file was truncated']);
    expect(readFileSync(t.mirror, 'utf8')).toBe('uno\n');
    expect(readFileSync(`${t.mirror}.gen0`, 'utf8')).toBe('one\ntwo\nthree\n');
  });

  it('a file rewritten in place to the same or a larger size is caught by the overlap check', async () => {
    const t = setup();
    writeFileSync(t.remote, 'epoch 1 loss 0.5\n');
    const f = new TrackedFile(t.mirror, t.consumer);
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    writeFileSync(t.remote, 'EPOCH 1 LOSS 0.9\nepoch 2 loss 0.4\n');
    const out = await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    expect(out.reset).toBe('the file was rewritten');
    expect(readFileSync(t.mirror, 'utf8')).toBe('EPOCH 1 LOSS 0.9\nepoch 2 loss 0.4\n');
  });

  it('a file replaced by rename (new inode) starts over', async () => {
    const t = setup();
    writeFileSync(t.remote, 'x\n');
    const f = new TrackedFile(t.mirror, t.consumer);
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    writeFileSync(`${t.remote}.new`, 'x\ny\n');
    renameSync(`${t.remote}.new`, t.remote);
    expect((await f.sync(t.remote, t.stat(), t.read, 1 << 20)).reset).toBe('the file was replaced');
    expect(t.seen.at(-1)).toBe('x\ny\n');
  });

  it('after a crash between the mirror append and the state save, resumes from the mirror: no byte twice', async () => {
    const t = setup();
    writeFileSync(t.remote, 'r1\nr2\n');
    const first = new TrackedFile(t.mirror, t.consumer);
    await first.sync(t.remote, t.stat(), t.read, 1 << 20);
    const stale = first.saved(); // the state as saved…
    appendFileSync(t.remote, 'r3\n');
    await first.sync(t.remote, t.stat(), t.read, 1 << 20); // …the mirror moved on, the state did not
    appendFileSync(t.remote, 'r4\n');
    const again = setup();
    const second = new TrackedFile(t.mirror, again.consumer);
    await second.restore(stale);
    expect(again.seen.join('')).toBe('r1\nr2\nr3\n');
    await second.sync(t.remote, t.stat(), t.read, 1 << 20);
    expect(again.seen.join('')).toBe('r1\nr2\nr3\nr4\n');
    expect(readFileSync(t.mirror, 'utf8')).toBe('r1\nr2\nr3\nr4\n');
  });

  it('whole mode re-reads a file that is rewritten at each save, only when it changed', async () => {
    const t = setup();
    writeFileSync(t.remote, '{"log_history":[1]}');
    const f = new TrackedFile(t.mirror, t.consumer, 'whole');
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    expect(t.seen).toEqual(['{"log_history":[1]}']);
    writeFileSync(`${t.remote}.tmp`, '{"log_history":[1,2]}');
    renameSync(`${t.remote}.tmp`, t.remote);
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    expect(t.seen).toEqual(['{"log_history":[1]}', '{"log_history":[1,2]}']);
    expect(readFileSync(t.mirror, 'utf8')).toBe('{"log_history":[1,2]}');
  });

  it('a full or read-only data folder is an error naming the mirror, and the bytes are read again later', async () => {
    const t = setup();
    writeFileSync(t.remote, 'a\n');
    const blocked = path.join(t.dir, 'blocked');
    writeFileSync(blocked, 'not a folder');
    const f = new TrackedFile(path.join(blocked, 'm.log'), t.consumer);
    await expect(f.sync(t.remote, t.stat(), t.read, 1 << 20)).rejects.toThrow(
      /cannot append to .*blocked\/m\.log/,
    );
    expect(t.seen).toEqual([]);
    expect(f.offset).toBe(0);
  });

  it('notices a rewrite in place at the same size (its mtime moved, its last bytes differ)', async () => {
    const t = setup();
    writeFileSync(t.remote, '{"epoch": 1, "loss": 0.9}\n{"epoch": 2, "loss": 0.8}\n');
    utimesSync(t.remote, 1_700_000_000, 1_700_000_000);
    const f = new TrackedFile(t.mirror, t.consumer);
    await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    // Touched only: same bytes, a later mtime. Nothing happens.
    utimesSync(t.remote, 1_700_000_010, 1_700_000_010);
    expect((await f.sync(t.remote, t.stat(), t.read, 1 << 20)).reset).toBeNull();
    // Rewritten in place, same size, new content.
    const fd = openSync(t.remote, 'r+');
    writeSync(fd, Buffer.from('{"epoch": 7, "loss": 0.1}\n{"epoch": 8, "loss": 0.0}\n'), 0, undefined, 0);
    closeSync(fd);
    utimesSync(t.remote, 1_700_000_020, 1_700_000_020);
    const out = await f.sync(t.remote, t.stat(), t.read, 1 << 20);
    expect(out.reset).toBe('the file was rewritten');
    expect(t.resets).toEqual(['the file was rewritten']);
    expect(readFileSync(t.mirror, 'utf8')).toBe(readFileSync(t.remote, 'utf8'));
    expect(t.seen.at(-1)).toContain('"epoch": 8');
  });
});
