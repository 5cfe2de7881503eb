// The local mirror: every byte read from a remote file is appended here (mirror-appender.ts) before it
// is parsed, and each worker's cursors are saved atomically beside it. After a crash the mirror is the
// truth: its length is the offset to resume from, so no byte is read twice or lost.

import { promises as fs, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

export class LocalStoreError extends Error {
  constructor(
    readonly op: string,
    readonly file: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    const hint =
      code === 'ENOSPC'
        ? ' — the disk is full: free some space; Vigil retries and loses nothing'
        : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
          ? ' — the data folder is not writable: fix its permissions or set VIGIL_DATA'
          : '';
    super(`cannot ${op} ${file}: ${(cause as Error)?.message ?? String(cause)}${hint}`);
    this.name = 'LocalStoreError';
  }
}

async function wrap<T>(op: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new LocalStoreError(op, file, e);
  }
}

/** Folders made (or found) already: a mirror is appended to every poll, its folder made once. */
const madeDirs = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  if (madeDirs.has(dir)) return;
  await fs.mkdir(dir, { recursive: true });
  madeDirs.add(dir);
}

/** Opens a file in a folder made on demand; a folder removed since it was made is made again. */
async function openIn(file: string, flags: string): Promise<fs.FileHandle> {
  const dir = path.dirname(file);
  await ensureDir(dir);
  try {
    return await fs.open(file, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !madeDirs.delete(dir)) throw e;
    await ensureDir(dir);
    return fs.open(file, flags);
  }
}

/** openIn's synchronous twin, for appends (see mirror-appender.ts): returns a descriptor. */
export function openInSync(file: string, flags: string | number): number {
  const dir = path.dirname(file);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  try {
    return openSync(file, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !madeDirs.delete(dir)) throw e;
    return openInSync(file, flags);
  }
}

/** Replaces a file's content atomically: write a temp file, fsync, rename, fsync the folder. */
export async function writeAtomically(file: string, bytes: Uint8Array | string): Promise<void> {
  await wrap('write', file, async () => {
    const dir = path.dirname(file);
    const tmp = `${file}.tmp-${process.pid}`;
    const fh = await openIn(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
    try {
      const d = await fs.open(dir, 'r');
      await d.sync().finally(() => d.close());
    } catch {
      // Some platforms cannot fsync a directory; the rename is still atomic.
    }
  });
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new LocalStoreError('read', file, e);
  }
}

/** Reads a local file in chunks (a mirror may be large), calling fn for each. */
export async function readChunks(
  file: string,
  chunkBytes: number,
  fn: (chunk: Uint8Array) => void,
): Promise<number> {
  return wrap('read', file, async () => {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    let total = 0;
    try {
      const buf = Buffer.alloc(chunkBytes);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, chunkBytes, total);
        if (bytesRead === 0) break;
        fn(buf.subarray(0, bytesRead).slice());
        total += bytesRead;
      }
    } finally {
      await fh.close();
    }
    return total;
  });
}

/** Reads the last n bytes of a local file. */
export async function readTail(file: string, n: number): Promise<Uint8Array> {
  const size = await fileSize(file);
  if (size === 0) return new Uint8Array(0);
  return wrap('read', file, async () => {
    const fh = await fs.open(file, 'r');
    try {
      const len = Math.min(n, size);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      return new Uint8Array(buf);
    } finally {
      await fh.close();
    }
  });
}

/** Moves a mirror aside when its remote file was replaced or truncated: the laptop keeps it. */
export async function archiveMirror(file: string, generation: number): Promise<string | null> {
  if ((await fileSize(file)) === 0) {
    await fs.rm(file, { force: true });
    return null;
  }
  const target = `${file}.gen${generation}`;
  await wrap('archive', file, () => fs.rename(file, target));
  return target;
}

export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A corrupt state file is not fatal: the mirror alone is enough to resume.
    return null;
  }
}
