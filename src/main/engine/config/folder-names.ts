// The local folder each worker gets under the data folder (mirror/<folder>, sync/<folder>). Two workers
// must never share one: `exp/1`, `exp_1` and `exp:1 ` once all became `exp_1`, and two runs interleaved
// in one mirror file. Folder names are compared as macOS compares them (case and Unicode form ignored).
//
// The rule (README, "Where data goes"): a worker whose name is already a safe folder name (no `/ \ : * ?
// " < > |`, no control characters, no surrounding spaces, not `.`/`..`, at most 255 bytes) and shared
// by no other worker keeps its name as its folder, as it always had: an existing mirror is found where it
// was. Any other name, and every name of a group that would collide (`Exp` and `exp`), gets its readable
// part and a hash of the exact name: `exp_1~3f2a9c1b0d`. A plain name can never take that form (one that
// already ends in `~` and ten hex digits is hashed too), so the two kinds never meet; should two hashes
// collide all the same, the config is refused.

import { createHash } from 'node:crypto';

/** A name or path segment made safe as one local folder name (no separators, no "..", no controls). */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return `_${encodeURIComponent(name)}_`;
  return cleaned;
}

/** How macOS's file systems compare names: case-insensitive, Unicode forms alike. */
export function folderKey(name: string): string {
  return name.normalize('NFKD').toLowerCase();
}

const HASHED = /~[0-9a-f]{10}$/i;
const MAX_BYTES = 255;
const READABLE_BYTES = 120;

/** True when `name` can be a folder name as it is. */
export function isPlainSegment(name: string): boolean {
  return safeSegment(name) === name && Buffer.byteLength(name) <= MAX_BYTES && !HASHED.test(folderKey(name));
}

/** The readable part of a name (made safe, cut to 120 bytes) and ten hex digits of its SHA-256. */
export function hashedSegment(name: string): string {
  let readable = '';
  for (const c of safeSegment(name)) {
    if (Buffer.byteLength(readable + c) > READABLE_BYTES) break;
    readable += c;
  }
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 10);
  return `${readable}~${hash}`;
}

/** Each worker's folder, by worker name. Throws when two would still share one (a hash collision). */
export function workerFolders(names: readonly string[]): Map<string, string> {
  const plainCount = new Map<string, number>();
  for (const n of names) {
    if (isPlainSegment(n)) plainCount.set(folderKey(n), (plainCount.get(folderKey(n)) ?? 0) + 1);
  }
  const folders = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const n of names) {
    const folder = isPlainSegment(n) && plainCount.get(folderKey(n)) === 1 ? n : hashedSegment(n);
    const other = owner.get(folderKey(folder));
    if (other !== undefined && other !== n) {
      throw new Error(
        `workers "${other}" and "${n}" would share the local folder "${folder}"; rename one of them`,
      );
    }
    owner.set(folderKey(folder), n);
    folders.set(n, folder);
  }
  return folders;
}
