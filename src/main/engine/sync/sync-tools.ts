// The local ssh and rsync a sync runs, as absolute paths, and which rsync it is. Found once per process
// (and per configured path): `rsync --version` is asked with a bound, never through a shell.

import { execFile } from 'node:child_process';
import { isExecutableFile, type LocateOptions, locateTool } from '../config';
import { capsOf, parseRsyncVersion, type RsyncCaps, type RsyncFlavour } from './rsync-flavour';

export interface SyncTools {
  rsync: string;
  ssh: string;
  flavour: RsyncFlavour;
  caps: RsyncCaps;
}

/** Why sync cannot run on this computer, worded for the person who can fix it. */
export class SyncToolError extends Error {
  override name = 'SyncToolError';
}

const VERSION_TIMEOUT_MS = 5_000;

export type VersionFn = (rsync: string) => Promise<string>;

/** `rsync --version`, stdout and stderr together (openrsync answers on stderr). */
export const readVersion: VersionFn = (rsync) =>
  new Promise((resolve, reject) => {
    execFile(
      rsync,
      ['--version'],
      { timeout: VERSION_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const text = `${stdout}\n${stderr}`;
        if (err && text.trim() === '') reject(err);
        else resolve(text);
      },
    );
  });

export interface FindToolsDeps extends LocateOptions {
  version?: VersionFn;
}

/** Resolves ssh and rsync (the configured rsync wins) and recognises the rsync. */
export async function findSyncTools(
  configured: string | undefined,
  deps: FindToolsDeps = {},
): Promise<SyncTools> {
  const isExec = deps.isExecutable ?? isExecutableFile;
  let rsync: string | null;
  if (configured) {
    if (!isExec(configured)) {
      throw new SyncToolError(
        `rsync: ${configured} (from the config) is not an executable file; fix the path or remove the line`,
      );
    }
    rsync = configured;
  } else {
    rsync = locateTool('rsync', deps);
  }
  if (!rsync) {
    throw new SyncToolError(
      'rsync is not installed on this computer (macOS: brew install rsync; Debian/Ubuntu: sudo apt install rsync)',
    );
  }
  const ssh = locateTool('ssh', deps);
  if (!ssh) {
    throw new SyncToolError(
      'the OpenSSH client (ssh) is not installed on this computer (Debian/Ubuntu: sudo apt install openssh-client)',
    );
  }
  let text: string;
  try {
    text = await (deps.version ?? readVersion)(rsync);
  } catch (e) {
    throw new SyncToolError(`cannot run ${rsync} --version: ${(e as Error).message}`);
  }
  const flavour = parseRsyncVersion(text);
  return { rsync, ssh, flavour, caps: capsOf(flavour) };
}

const cache = new Map<string, Promise<SyncTools>>();

/** findSyncTools once per configured path; a failure is not kept (the user may install rsync). */
export function cachedSyncTools(configured: string | undefined): Promise<SyncTools> {
  const key = configured ?? '';
  let p = cache.get(key);
  if (!p) {
    p = findSyncTools(configured);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
