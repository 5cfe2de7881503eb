// Where we are in a remote file, and what to do when its identity or size changes. Pure.
// A file is read from the byte after the last one mirrored, re-reading a few bytes before it: if
// those differ from the mirror's tail, the file was rewritten in place and is re-read from the start.

export interface Cursor {
  /** Inode of the remote file the mirror holds, null before the first read. */
  inode: number | null;
  /** Bytes mirrored = the offset of the next byte to read. */
  offset: number;
  /** The mirror's last bytes (at most OVERLAP), to check the remote still holds them. */
  tail: Uint8Array;
  /** Bumped each time the remote file is replaced or truncated and the mirror starts over. */
  generation: number;
}

export const OVERLAP = 64;

export type ReadDecision =
  | { action: 'none' }
  | { action: 'reset'; reason: 'replaced' | 'truncated' }
  | { action: 'read'; from: number; length: number; overlap: number };

export function freshCursor(generation = 0): Cursor {
  return { inode: null, offset: 0, tail: new Uint8Array(0), generation };
}

export function decideRead(
  c: Cursor,
  remote: { inode: number; size: number },
  maxBytes: number,
): ReadDecision {
  if (c.inode !== null && remote.inode !== c.inode) return { action: 'reset', reason: 'replaced' };
  if (remote.size < c.offset) return { action: 'reset', reason: 'truncated' };
  if (remote.size === c.offset) return { action: 'none' };
  const overlap = Math.min(c.tail.length, c.offset);
  return {
    action: 'read',
    from: c.offset - overlap,
    length: overlap + Math.min(remote.size - c.offset, maxBytes),
    overlap,
  };
}

/** True when the re-read overlap matches what the mirror already holds. */
export function overlapMatches(c: Cursor, bytes: Uint8Array, overlap: number): boolean {
  if (overlap === 0) return true;
  if (bytes.length < overlap) return false;
  const mine = c.tail.subarray(c.tail.length - overlap);
  for (let i = 0; i < overlap; i++) if (bytes[i] !== mine[i]) return false;
  return true;
}

/** The cursor after appending `fresh` (the new bytes, overlap removed) to the mirror. */
export function advance(c: Cursor, inode: number, fresh: Uint8Array): Cursor {
  const joined = new Uint8Array(c.tail.length + fresh.length);
  joined.set(c.tail, 0);
  joined.set(fresh, c.tail.length);
  return {
    inode,
    offset: c.offset + fresh.length,
    tail: joined.slice(Math.max(0, joined.length - OVERLAP)),
    generation: c.generation,
  };
}
