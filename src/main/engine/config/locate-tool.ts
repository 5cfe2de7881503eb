// Finds ssh and rsync as absolute paths without trusting the shell's PATH: an app started from Finder
// or at login gets PATH=/usr/bin:/bin:/usr/sbin:/sbin, where Homebrew's tools are not. So each tool
// has a fixed list of places, tried in order, around whatever PATH the process did get.

import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Homebrew on Apple silicon, then Homebrew on Intel (and most hand-built tools). */
export const HOMEBREW_BIN = ['/opt/homebrew/bin', '/usr/local/bin'];
const SYSTEM_BIN = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

export type IsExecutable = (file: string) => boolean;

export const isExecutableFile: IsExecutable = (file) => {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  isExecutable?: IsExecutable;
}

/**
 * The folders to look in for a tool, in order. rsync: Homebrew first (GNU rsync 3.x does more than the
 * system's openrsync or 2.6.9), then PATH, then the system folders. ssh: PATH first (the ssh the user
 * runs in a terminal: Apple's reads UseKeychain in ~/.ssh/config, Homebrew's does not), then the system
 * folders, then Homebrew's.
 */
export function searchDirs(tool: 'ssh' | 'rsync', env: NodeJS.ProcessEnv = process.env): string[] {
  const fromPath = (env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d));
  const order =
    tool === 'rsync'
      ? [...HOMEBREW_BIN, ...fromPath, ...SYSTEM_BIN]
      : [...fromPath, ...SYSTEM_BIN, ...HOMEBREW_BIN];
  return [...new Set(order)];
}

/** Every place the tool was found, best first (doctor shows the others). */
export function locateAll(tool: 'ssh' | 'rsync', opts: LocateOptions = {}): string[] {
  const isExec = opts.isExecutable ?? isExecutableFile;
  return searchDirs(tool, opts.env)
    .map((d) => path.join(d, tool))
    .filter(isExec);
}

/** The absolute path of the tool, or null when it is nowhere to be found. */
export function locateTool(tool: 'ssh' | 'rsync', opts: LocateOptions = {}): string | null {
  return locateAll(tool, opts)[0] ?? null;
}
