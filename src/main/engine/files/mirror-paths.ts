// Local names for remote things: a worker's mirror folder, a remote file's place inside it.

import path from 'node:path';

/** A name or path segment made safe as one local folder name (no separators, no "..", no controls). */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return `_${encodeURIComponent(name)}_`;
  return cleaned;
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
    .map(safeSegment)
    .join(path.sep);
}
