// The -e string for an rsync that splits it on blanks with no quoting (openrsync). The ssh command has
// words with blanks whenever a path has one — on a Mac the data folder itself does ("Application
// Support"), and with it the ControlPath. Such a command goes into a small script instead, in a private
// folder whose path has no blank, and -e names the script: `exec ssh '…' '…' "$@"`.

import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shQuote } from '../ssh';
import type { RsyncCaps } from './rsync-flavour';
import { rshString } from './ssh-command';
import { SyncToolError } from './sync-tools';

const BLANK = /[ \t]/;

/** The folder for wrapper scripts: /tmp/vigil-<uid> (short, blank-free, ours alone). */
export function wrapperDir(uid: number | string = process.getuid?.() ?? 'user'): string {
  return path.posix.join('/tmp', `vigil-${uid}`);
}

/** The wrapper's text: every word quoted for sh, the destination and command appended by rsync. */
export function wrapperScript(argv: readonly string[]): string {
  return `#!/bin/sh\n# Written by Vigil: the ssh command for rsync -e (this rsync cannot quote).\nexec ${argv.map(shQuote).join(' ')} "$@"\n`;
}

/** Creates the folder private (0700) and refuses one that is not ours. */
async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new SyncToolError(`${dir} is not a folder of yours: cannot put the ssh command for rsync there`);
  }
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/**
 * The -e argument for this rsync: quoted words where rsync honours quotes; the words as they are when
 * none has a blank; else a wrapper script (named by a hash of its content, written atomically).
 */
export async function rshFor(argv: readonly string[], caps: RsyncCaps, dir = wrapperDir()): Promise<string> {
  if (caps.rshQuotes) return rshString(argv);
  if (argv.every((w) => w !== '' && !BLANK.test(w))) return argv.join(' ');
  if (BLANK.test(dir)) {
    throw new SyncToolError(`cannot hand ssh options with blanks to this rsync: ${dir} has a blank too`);
  }
  const text = wrapperScript(argv);
  const file = path.join(dir, `rsh-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`);
  await privateDir(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o700 });
  await rename(tmp, file);
  return file;
}
