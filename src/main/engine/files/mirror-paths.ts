// Local names for remote things: a remote file's place inside its worker's mirror folder (the folder
// itself is named by config/folder-names.ts). Injective: two remote paths never share a local file.

import path from 'node:path';
import { hashedSegment, isPlainSegment } from '../config';

/** One path segment as a local name: as it is when safe, else its readable part and a hash. */
export function localSegment(name: string): string {
  return isPlainSegment(name) ? name : hashedSegment(name);
}

/**
 * The mirror's relative path for a remote file: its path below the worker's dir when it is inside it
 * (so `results/metrics.jsonl` stays recognisable to other tools), else `_abs/...`.
 */
export function mirrorRelativePath(remoteDir: string, remotePath: string): string {
  const dir = remoteDir.endsWith('/') ? remoteDir : `${remoteDir}/`;
  const rel = remotePath.startsWith(dir) ? remotePath.slice(dir.length) : `_abs/${remotePath}`;
  return rel
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .map(localSegment)
    .join(path.sep);
}
