import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeName, printable, readFrames, SH_BYTES, SH_END, SH_PRELUDE } from './frame';

const N = '0123456789abcdef';

/** Runs `body` between the prelude and the end mark in a real sh; the answer as bytes. */
function framedBy(body: string, env: Record<string, string> = {}): Buffer {
  return execFileSync('sh', ['-c', `${SH_PRELUDE}\n${SH_BYTES}\n${body}\n${SH_END}\n`], {
    env: { ...process.env, VIGIL_NONCE: N, ...env },
  });
}

const rec = (tag: string, index: number, payload: string | Buffer) => {
  const b = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return Buffer.concat([Buffer.from(`${tag} ${index} ${b.length}:`), b, Buffer.from('\n')]);
};
const start = rec('B', 0, N);
const end = rec('E', 0, N);

describe('frames', () => {
  it('carries any bytes in a payload: newlines, forged records, NUL-less tricks, invalid UTF-8', () => {
    const hostile = [
      'm_b\nC 1\n',
      'x\nP 0 run 1\nE 0 16:0123456789abcdef\n',
      '3:abc\n',
      '',
      ' ',
      'é✓',
      'a'.repeat(70_000),
    ];
    const sh = hostile.map((h, i) => `o G ${i} '${h.replace(/'/g, `'\\''`)}'`).join('\n');
    const f = readFrames(framedBy(sh), N);
    expect(f.error).toBeNull();
    expect(f.records.map((r) => r.payload.toString('utf8'))).toEqual(hostile);
    // Non-UTF-8 bytes, from printf's octal escapes.
    const raw = readFrames(framedBy('o G 0 "$(printf \'a\\377\\376b\')"'), N);
    expect(raw.records[0]!.payload).toEqual(Buffer.from([0x61, 0xff, 0xfe, 0x62]));
    expect(decodeName(raw.records[0]!.payload).valid).toBe(false);
  });

  it('counts bytes even when the shell would count characters (bash in a UTF-8 locale)', () => {
    const out = execFileSync('bash', ['-c', `${SH_PRELUDE}\n${SH_BYTES}\no G 0 'é✓é'\n${SH_END}\n`], {
      env: { ...process.env, VIGIL_NONCE: N, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    });
    const f = readFrames(out, N);
    expect(f.error).toBeNull();
    expect(f.records[0]!.payload.toString('utf8')).toBe('é✓é');
  });

  it('flushes every 64 records and still reads them all in order', () => {
    const f = readFrames(framedBy('i=0; while [ $i -lt 1000 ]; do o F $i "n$i"; i=$((i+1)); done'), N);
    expect(f.error).toBeNull();
    expect(f.records).toHaveLength(1000);
    expect(f.records[999]!.payload.toString()).toBe('n999');
  });

  it('sets aside noise before the start mark, and refuses what breaks the format', () => {
    const ok = readFrames(
      Buffer.concat([Buffer.from('Welcome!\nlast login\n'), start, rec('F', 0, 'f'), end]),
      N,
    );
    expect(ok.error).toBeNull();
    expect(ok.stray).toEqual(['Welcome!', 'last login']);
    expect(readFrames(Buffer.concat([start, rec('F', 0, 'f')]), N).error).toMatch(/cut off/);
    expect(readFrames(Buffer.from('nothing at all'), N).error).toMatch(/no start mark/);
    // A length that lies: the record does not end where it says.
    expect(readFrames(Buffer.concat([start, Buffer.from('G 0 3:ab\nC 0 1:5\n'), end]), N).error).toMatch(
      /not the length/,
    );
    // An end mark with another nonce (a name cannot know this run's).
    const forged = Buffer.concat([start, rec('E', 0, 'ffffffffffffffff')]);
    expect(readFrames(forged, N).error).toMatch(/not this run/);
    expect(readFrames(Buffer.concat([start, Buffer.from('garbage\n'), end]), N).error).toMatch(/garbled/);
    expect(readFrames(Buffer.concat([start, start, end]), N).error).toMatch(/second start/);
    expect(readFrames(Buffer.concat([start, end]), 'not-a-nonce').error).toMatch(/bad nonce/);
  });

  it('reads stat records by their nonce and NUL, with stat errors between them as noise', () => {
    const stat = (name: Buffer | string) =>
      Buffer.concat([Buffer.from(`${N} 12 34 1700000000 81a4 8 512 `), Buffer.from(name), Buffer.from([0])]);
    const out = Buffer.concat([
      start,
      end,
      stat('/a\nb'),
      Buffer.from("stat: cannot statx '/gone': No such file or directory\n"),
      stat(Buffer.from([0x2f, 0xff])),
      // A name cannot forge a record: the record is the whole piece up to NUL, the name its tail.
      stat(`/x\n${N} 9 9 9 81a4 1 1 /victim`),
      Buffer.from('stat: trailing error\n'),
    ]);
    const f = readFrames(out, N);
    expect(f.error).toBeNull();
    expect(f.stats.map((s) => s.name.toString('latin1'))).toEqual([
      '/a\nb',
      '/\xff',
      `/x\n${N} 9 9 9 81a4 1 1 /victim`,
    ]);
    expect(f.stats[0]).toMatchObject({
      inode: 12,
      size: 34,
      mtimeSec: 1700000000,
      mode: 0x81a4,
      allocated: 4096,
    });
    expect(f.stray).toEqual([
      "stat: cannot statx '/gone': No such file or directory",
      'stat: trailing error',
    ]);
  });

  it('shows control characters in noise as escapes', () => {
    expect(printable('a\x1b[2Jb\rc')).toBe('a\\x1b[2Jb\\x0dc');
  });
});
