// Binary-safe reads of a byte range over SFTP. The control shell could `tail -c`, but its output goes
// through text framing; SFTP returns exact bytes and needs no remote tools.

import type { SFTPWrapper } from 'ssh2';
import { SshError } from './types';

/** Per request: a few round trips for a catch-up, small enough never to hog the connection. */
const CHUNK = 256 * 1024;

export const SFTP_STATUS = { EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3 } as const;

/** Maps an ssh2 SFTP error to SshError('sftp') naming the path and keeping the status code. */
export function sftpError(err: unknown, path: string, what: string): SshError {
  const e = err as Error & { code?: unknown };
  const code = typeof e.code === 'number' ? e.code : undefined;
  if (code === SFTP_STATUS.NO_SUCH_FILE) {
    return new SshError(
      'sftp',
      `no such file on the remote: ${path}`,
      'Check the path in the configuration.',
      code,
    );
  }
  if (code === SFTP_STATUS.PERMISSION_DENIED) {
    return new SshError(
      'sftp',
      `permission denied on the remote: ${path}`,
      'Make the file readable by the SSH user (or connect as its owner).',
      code,
    );
  }
  return new SshError(
    'sftp',
    `SFTP ${what} failed for ${path}: ${e.message ?? String(err)}`,
    undefined,
    code,
  );
}

function open(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sftp.open(path, 'r', (err, handle) => (err ? reject(sftpError(err, path, 'open')) : resolve(handle)));
  });
}

function readOnce(
  sftp: SFTPWrapper,
  handle: Buffer,
  buf: Buffer,
  position: number,
  path: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    sftp.read(handle, buf, 0, buf.length, position, (err, bytesRead) => {
      if (err) reject(sftpError(err, path, 'read'));
      else resolve(bytesRead);
    });
  });
}

/** Reads up to maxBytes from offset through an open handle, looping until maxBytes or end of file. */
async function readFrom(
  sftp: SFTPWrapper,
  handle: Buffer,
  path: string,
  offset: number,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < maxBytes) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes - total));
    const n = await readOnce(sftp, handle, buf, offset + total, path);
    if (n <= 0) break;
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

function closeQuietly(sftp: SFTPWrapper, handle: Buffer): void {
  // Not awaited: a lost close reply must not fail a read that already has its bytes.
  try {
    sftp.close(handle, () => {});
  } catch {
    // The channel is gone; the server frees the handle with it.
  }
}

/**
 * Reads up to maxBytes from offset. The server may return fewer bytes than asked (OpenSSH caps each reply),
 * so this loops until maxBytes or end of file (a zero-byte reply). The handle is always closed.
 */
export async function readRange(
  sftp: SFTPWrapper,
  path: string,
  offset: number,
  maxBytes: number,
): Promise<Uint8Array> {
  const handle = await open(sftp, path);
  try {
    return await readFrom(sftp, handle, path, offset, maxBytes);
  } finally {
    closeQuietly(sftp, handle);
  }
}

/** Files left open this long without a read are closed (a deleted file's space is then freed). */
const IDLE_CLOSE_MS = 30_000;
const MAX_OPEN = 32;

interface OpenFile {
  inode: number;
  handle: Promise<Buffer>;
  usedAt: number;
  /** Reads in flight through this handle: it is never closed under them. */
  busy: number;
}

/**
 * Files kept open on one SFTP channel between polls, each for the inode the probe saw: a poll that finds
 * new bytes then costs one read request instead of open + read + close (about 300 bytes and a round trip
 * less per file). A new inode at the path (the file was replaced) closes the old handle and opens anew.
 */
class OpenFiles {
  private readonly files = new Map<string, OpenFile>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly sftp: SFTPWrapper) {
    sftp.once('close', () => this.forget());
  }

  async read(path: string, offset: number, maxBytes: number, inode: number): Promise<Uint8Array> {
    let f = this.files.get(path);
    if (f && f.inode !== inode) {
      this.drop(path, f);
      f = undefined;
    }
    if (!f) f = { inode, handle: open(this.sftp, path), usedAt: 0, busy: 0 };
    const mine = f;
    mine.usedAt = Date.now();
    mine.busy++;
    // Most recently used last (Map order), so eviction takes the least recently used.
    this.files.delete(path);
    this.files.set(path, mine);
    this.evict();
    try {
      return await readFrom(this.sftp, await mine.handle, path, offset, maxBytes);
    } catch (err) {
      // A failed open or read: the next read of this path opens the file again.
      if (this.files.get(path) === mine) this.drop(path, mine);
      throw err;
    } finally {
      mine.busy--;
      this.schedule();
    }
  }

  private drop(path: string, f: OpenFile): void {
    this.files.delete(path);
    f.handle.then(
      (h) => closeQuietly(this.sftp, h),
      () => {},
    );
  }

  /**
   * Beyond MAX_OPEN, the least recently used idle files are closed (Map order: oldest first). The reads of a
   * host's workers run at once, so more than MAX_OPEN can be busy for a moment: those stay open.
   */
  private evict(): void {
    let excess = this.files.size - MAX_OPEN;
    for (const [path, f] of this.files) {
      if (excess <= 0) break;
      if (f.busy > 0) continue;
      this.drop(path, f);
      excess--;
    }
  }

  private schedule(): void {
    if (this.timer || this.files.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = Date.now();
      for (const [path, f] of [...this.files])
        if (f.busy === 0 && now - f.usedAt >= IDLE_CLOSE_MS) this.drop(path, f);
      this.schedule();
    }, IDLE_CLOSE_MS);
    this.timer.unref();
  }

  private forget(): void {
    this.files.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

const openFiles = new WeakMap<SFTPWrapper, OpenFiles>();

/** Like readRange, but keeps the file open for the next read of the same inode on this channel. */
export function readRangeKeepingOpen(
  sftp: SFTPWrapper,
  path: string,
  offset: number,
  maxBytes: number,
  inode: number,
): Promise<Uint8Array> {
  let files = openFiles.get(sftp);
  if (!files) {
    files = new OpenFiles(sftp);
    openFiles.set(sftp, files);
  }
  return files.read(path, offset, maxBytes, inode);
}
