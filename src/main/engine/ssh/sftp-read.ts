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
  } finally {
    // Not awaited: a lost close reply must not fail a read that already has its bytes.
    try {
      sftp.close(handle, () => {});
    } catch {
      // The channel is gone; the server frees the handle with it.
    }
  }
}
