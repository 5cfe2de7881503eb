import { describe, expect, it } from 'vitest';
import { advance, decideRead, freshCursor, overlapMatches } from './cursor';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('cursor', () => {
  it('reads only what was appended, re-reading a small overlap to check the file is the same', () => {
    let c = advance(freshCursor(), 7, bytes('line one\nline two\n'));
    expect(decideRead(c, { inode: 7, size: 18 }, 1 << 20)).toEqual({ action: 'none' });
    const d = decideRead(c, { inode: 7, size: 30 }, 1 << 20);
    expect(d).toEqual({ action: 'read', from: 0, length: 30, overlap: 18 });
    c = advance(c, 7, bytes('x'.repeat(100)));
    expect(decideRead(c, { inode: 7, size: 130 }, 1 << 20)).toEqual({
      action: 'read',
      from: 54,
      length: 76,
      overlap: 64,
    });
  });

  it('caps the bytes of one read', () => {
    const c = advance(freshCursor(), 1, bytes('abc'));
    expect(decideRead(c, { inode: 1, size: 10_000 }, 100)).toEqual({
      action: 'read',
      from: 0,
      length: 103,
      overlap: 3,
    });
  });

  it('a smaller file was truncated, another inode was replaced', () => {
    const c = advance(freshCursor(), 1, bytes('abcdef'));
    expect(decideRead(c, { inode: 1, size: 3 }, 100)).toEqual({ action: 'reset', reason: 'truncated' });
    expect(decideRead(c, { inode: 2, size: 100 }, 100)).toEqual({ action: 'reset', reason: 'replaced' });
  });

  it('the overlap check catches a file rewritten in place with the same inode', () => {
    const c = advance(freshCursor(), 1, bytes('epoch 1\n'));
    expect(overlapMatches(c, bytes('epoch 1\nepoch 2\n'), 8)).toBe(true);
    expect(overlapMatches(c, bytes('EPOCH 1\nepoch 2\n'), 8)).toBe(false);
  });
});
