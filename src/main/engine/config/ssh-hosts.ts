// The Host entries of an ssh config file, read only to explain a mistake: `ssh -G` says what a name
// resolves to, but not whether any Host block named it. An alias with no Host entry resolves to itself,
// and the user then sees "ENOTFOUND" for a typo in a name.

import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface SshHostsDeps {
  readFile?: (file: string) => Promise<string>;
  readdir?: (dir: string) => Promise<string[]>;
}

/** ssh's pattern: `*` any run, `?` one character; case-insensitive as ssh compares host names. */
function patternMatches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether a Host line's patterns name `host` (a negated pattern that matches rules the line out). */
export function hostLineMatches(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), host)) return false;
    } else if (patternMatches(p, host)) matched = true;
  }
  return matched;
}

const expandHome = (p: string, home: string) =>
  p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;

/**
 * Every Host line's patterns in `file` and the files it Includes (one level; a `*` in a file name is
 * followed). A file that cannot be read gives none.
 */
export async function sshHostLines(file: string, home: string, deps: SshHostsDeps = {}): Promise<string[][]> {
  const read = deps.readFile ?? ((f: string) => fs.readFile(f, 'utf8'));
  const list = deps.readdir ?? ((d: string) => fs.readdir(d));
  const lines: string[][] = [];
  const scan = async (f: string, depth: number): Promise<void> => {
    const text = await read(f).catch(() => '');
    for (const raw of text.split(/\r?\n/)) {
      const m = /^\s*(Host|Include)\s*(?:=|\s)\s*(.+?)\s*$/i.exec(raw);
      if (!m) continue;
      const words = m[2]!.split(/\s+/).map((w) => w.replace(/^"|"$/g, ''));
      if (m[1]!.toLowerCase() === 'host') {
        lines.push(words);
        continue;
      }
      if (depth > 0) continue;
      for (const w of words) {
        const target = path.isAbsolute(expandHome(w, home))
          ? expandHome(w, home)
          : path.join(home, '.ssh', w);
        const base = path.basename(target);
        if (!base.includes('*') && !base.includes('?')) await scan(target, depth + 1);
        else {
          const names = await list(path.dirname(target)).catch(() => [] as string[]);
          for (const n of names.filter((n) => patternMatches(base, n)).sort())
            await scan(path.join(path.dirname(target), n), depth + 1);
        }
      }
    }
  };
  await scan(file, 0);
  return lines;
}

/** The plain names (no wildcard, not negated) of the Host entries: what a user can write in `hosts:`. */
export function plainHostNames(lines: readonly string[][]): string[] {
  const names = lines.flat().filter((p) => !/[*?!]/.test(p));
  return [...new Set(names)];
}
