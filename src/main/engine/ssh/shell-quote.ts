// Quoting for the remote POSIX shell and resolution of remote paths. Every path and argument that reaches
// the control shell goes through here: a worker directory is user input, and a `$(...)` in it must stay a
// name, never become a command.

import { posix } from 'node:path';

/** Thrown for strings that cannot be passed safely (NUL, newline in a path, `~user`). */
export class RemotePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemotePathError';
  }
}

/**
 * Quotes a string as one POSIX sh word: single quotes keep every byte literal, and a single quote itself is
 * written as `'\''` (close, escaped quote, reopen). NUL is refused because no shell argument can hold it.
 */
export function shQuote(s: string): string {
  if (s.includes('\0'))
    throw new RemotePathError('cannot pass a string containing a NUL byte to the remote shell');
  // A word made only of safe characters needs no quotes (easier to read in logs). `=` is not among them: a
  // bare `a=b` in command position would be an assignment.
  if (s !== '' && /^[A-Za-z0-9_./:,+@%-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Refuses characters that would break the line-oriented protocol of probes (newline) or the shell (NUL). */
function checkPath(path: string): void {
  if (path.includes('\0'))
    throw new RemotePathError(`remote path ${JSON.stringify(path)} contains a NUL byte`);
  if (path.includes('\n') || path.includes('\r')) {
    throw new RemotePathError(
      `remote path ${JSON.stringify(path)} contains a newline, which Vigil does not support`,
    );
  }
  if (path === '') throw new RemotePathError('remote path is empty');
}

/** `~` → home, `~/x` → home/x; `~user/...` is refused (it would need a lookup on the remote). */
function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return posix.join(home, path.slice(2));
  if (path.startsWith('~')) {
    throw new RemotePathError(
      `remote path ${JSON.stringify(path)}: ~user paths are not supported; write the absolute path`,
    );
  }
  return path;
}

/**
 * Joins a path onto a remote directory: an absolute or `~` path stands alone, a relative one is appended.
 * The result is normalised lexically (`a/./b` → `a/b`, `a/x/../b` → `a/b`), like ssh_config and rsync do.
 */
export function joinRemote(dir: string, p: string): string {
  checkPath(p);
  if (p.startsWith('/') || p.startsWith('~')) return p === '/' ? '/' : stripTrailingSlash(posix.normalize(p));
  checkPath(dir);
  return stripTrailingSlash(posix.normalize(posix.join(dir, p)));
}

function stripTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * Resolves a configured remote path to an absolute one. `~` uses the home directory learned at connect;
 * a relative path is taken from `base` when given (itself resolved the same way), else from the home
 * directory, which is where ssh starts a remote command.
 */
export function remotePath(path: string, home: string, base?: string): string {
  checkPath(path);
  if (!home.startsWith('/'))
    throw new RemotePathError(`remote home ${JSON.stringify(home)} is not an absolute path`);
  let p = expandTilde(path, home);
  if (!p.startsWith('/')) {
    const from = base === undefined ? home : remotePath(base, home);
    p = posix.join(from, p);
  }
  return stripTrailingSlash(posix.normalize(p));
}
