// One remote file followed into its local mirror: read what was appended since last time, check the
// remote still holds what the mirror holds, start over (keeping the old mirror) when the file was
// truncated or replaced. Consumers see each new byte exactly once, in order.

import type { RemoteFileStat } from '../remote';
import { advance, type Cursor, decideRead, freshCursor, OVERLAP, overlapMatches } from './cursor';
import { archiveMirror, readChunks, readTail, writeAtomically } from './mirror';
import { MirrorAppender } from './mirror-appender';

/** `inode`: the identity the probe saw, so the reader may keep the file open while it stays the same. */
export type ReadRange = (
  path: string,
  offset: number,
  maxBytes: number,
  inode?: number,
) => Promise<Uint8Array>;

export interface FileConsumer {
  /** New bytes of the file, in order. */
  bytes(chunk: Uint8Array): void;
  /** The file started over: forget everything it said. */
  reset(reason: string): void;
}

export interface SavedCursor {
  inode: number | null;
  generation: number;
  mtimeSec: number | null;
  size: number;
}

export interface SyncOutcome {
  /** Bytes added to the mirror. */
  bytes: number;
  /** Why the file started over, if it did. */
  reset: string | null;
  /** More bytes wait beyond the per-tick cap. */
  more: boolean;
}

const RESTORE_CHUNK = 1 << 20;
/** Bytes compared at the end of a file whose mtime moved while its size did not (a same-size rewrite). */
const END_CHECK = 4096;
/** Files rewritten whole (trainer_state.json) are small; refuse absurd ones rather than blow memory. */
const WHOLE_FILE_LIMIT = 64 << 20;

export class TrackedFile {
  private cursor: Cursor = freshCursor();
  private mtimeSec: number | null = null;
  private wholeSize = -1;
  private readonly appender: MirrorAppender;

  constructor(
    readonly mirrorPath: string,
    private readonly consumer: FileConsumer,
    /** 'whole': the file is rewritten at each save; re-read it whole when it changes. */
    readonly mode: 'append' | 'whole' = 'append',
  ) {
    this.appender = new MirrorAppender(mirrorPath);
  }

  /** Makes the mirror durable now (at stop; otherwise it is flushed within a few seconds). */
  close(): Promise<void> {
    return this.appender.flush();
  }

  get offset(): number {
    return this.cursor.offset;
  }

  /** Where the mirror stands: the inode it holds, its length, its last bytes (what a follower resumes from). */
  position(): { inode: number | null; offset: number; tail: Uint8Array; mtimeSec: number | null } {
    const { inode, offset, tail } = this.cursor;
    return { inode, offset, tail: tail.slice(), mtimeSec: this.mtimeSec };
  }

  get lastMtimeSec(): number | null {
    return this.mtimeSec;
  }

  saved(): SavedCursor {
    return {
      inode: this.cursor.inode,
      generation: this.cursor.generation,
      mtimeSec: this.mtimeSec,
      size: this.cursor.offset,
    };
  }

  /** Replays the mirror into the consumer and resumes from its end (the mirror is the truth). */
  async restore(saved: SavedCursor | null): Promise<void> {
    const size = await readChunks(this.mirrorPath, RESTORE_CHUNK, (c) => this.consumer.bytes(c));
    this.cursor = {
      inode: saved?.inode ?? null,
      offset: size,
      tail: await readTail(this.mirrorPath, OVERLAP),
      generation: saved?.generation ?? 0,
    };
    this.mtimeSec = saved?.mtimeSec ?? null;
    this.wholeSize = this.mode === 'whole' && size > 0 ? size : -1;
  }

  async sync(
    remotePath: string,
    stat: RemoteFileStat,
    read: ReadRange,
    maxBytes: number,
  ): Promise<SyncOutcome> {
    const readHere = (offset: number, len: number) => read(remotePath, offset, len, stat.inode);
    return this.mode === 'whole'
      ? this.syncWhole(remotePath, stat, readHere)
      : this.syncAppend(remotePath, stat, readHere, maxBytes, null);
  }

  private async startOver(reason: string): Promise<void> {
    await this.appender.flush();
    await archiveMirror(this.mirrorPath, this.cursor.generation);
    this.cursor = freshCursor(this.cursor.generation + 1);
    this.consumer.reset(reason);
  }

  private async syncAppend(
    remotePath: string,
    stat: RemoteFileStat,
    read: (offset: number, len: number) => Promise<Uint8Array>,
    maxBytes: number,
    resetReason: string | null,
  ): Promise<SyncOutcome> {
    const decision = decideRead(this.cursor, stat, maxBytes);
    if (decision.action === 'reset') {
      const reason = decision.reason === 'replaced' ? 'the file was replaced' : 'the file was truncated';
      await this.startOver(reason);
      return this.syncAppend(remotePath, stat, read, maxBytes, reason);
    }
    const touched = this.mtimeSec !== null && stat.mtimeSec !== this.mtimeSec;
    if (decision.action === 'none' && touched && this.cursor.offset > 0 && resetReason === null) {
      // Written to, yet no longer: rewritten in place at the same size? Its last bytes say.
      if (!(await this.endMatches(read))) {
        await this.startOver('the file was rewritten');
        return this.syncAppend(remotePath, stat, read, maxBytes, 'the file was rewritten');
      }
    }
    this.mtimeSec = stat.mtimeSec;
    if (decision.action === 'none') return { bytes: 0, reset: resetReason, more: false };
    const got = await read(decision.from, decision.length);
    if (!overlapMatches(this.cursor, got, decision.overlap)) {
      if (resetReason !== null) throw new Error(`${remotePath} changed while it was being read`);
      await this.startOver('the file was rewritten');
      return this.syncAppend(remotePath, stat, read, maxBytes, 'the file was rewritten');
    }
    const fresh = got.subarray(decision.overlap);
    if (fresh.length === 0) return { bytes: 0, reset: resetReason, more: false };
    this.appender.append(fresh);
    this.cursor = advance(this.cursor, stat.inode, fresh);
    this.consumer.bytes(fresh);
    return { bytes: fresh.length, reset: resetReason, more: stat.size > this.cursor.offset };
  }

  /** True when the remote's last bytes (up to END_CHECK) are the mirror's. */
  private async endMatches(read: (offset: number, len: number) => Promise<Uint8Array>): Promise<boolean> {
    const n = Math.min(END_CHECK, this.cursor.offset);
    const [remote, local] = await Promise.all([
      read(this.cursor.offset - n, n),
      readTail(this.mirrorPath, n),
    ]);
    return Buffer.from(remote).equals(Buffer.from(local));
  }

  private async syncWhole(
    remotePath: string,
    stat: RemoteFileStat,
    read: (offset: number, len: number) => Promise<Uint8Array>,
  ): Promise<SyncOutcome> {
    const unchanged =
      stat.inode === this.cursor.inode && stat.size === this.wholeSize && stat.mtimeSec === this.mtimeSec;
    if (unchanged) return { bytes: 0, reset: null, more: false };
    if (stat.size > WHOLE_FILE_LIMIT) {
      throw new Error(
        `${remotePath} is ${stat.size} bytes; files rewritten whole are read only up to ${WHOLE_FILE_LIMIT}`,
      );
    }
    const got = await read(0, stat.size);
    await writeAtomically(this.mirrorPath, got);
    this.cursor = {
      inode: stat.inode,
      offset: got.length,
      tail: got.slice(-OVERLAP),
      generation: this.cursor.generation,
    };
    this.mtimeSec = stat.mtimeSec;
    this.wholeSize = stat.size;
    this.consumer.bytes(got);
    return { bytes: got.length, reset: null, more: false };
  }
}
