// Local paths (sshConfig, identityFile, knownHostsFile, sync `to`) are made absolute at load, so the
// engine never depends on the working directory it was started from. Remote paths are left alone:
// `~` there means the remote home, which only the remote knows.

import { isAbsolute, join, resolve } from 'node:path';

/** Expands a leading `~` or `~/` to home; other paths are returned unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

/**
 * Makes a local path absolute: `~` → home, relative → against baseDir (the config file's folder, like
 * other tools that read a config file). A trailing slash is kept because rsync gives it meaning.
 * Throws for `~user/…`, which Vigil does not look up.
 */
export function toLocalPath(path: string, home: string, baseDir: string): string {
  if (/^~[^/]/.test(path)) {
    throw new Error(`"${path}": only "~/" (your home) is expanded; write the full path`);
  }
  const expanded = expandHome(path, home);
  const absolute = isAbsolute(expanded) ? resolve(expanded) : resolve(baseDir, expanded);
  return path.endsWith('/') && !absolute.endsWith('/') ? `${absolute}/` : absolute;
}
