// Where Vigil keeps its data on the laptop: the platform's usual place, or VIGIL_DATA.

import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.VIGIL_DATA) return path.resolve(env.VIGIL_DATA);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Vigil');
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Vigil');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'vigil');
}

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
