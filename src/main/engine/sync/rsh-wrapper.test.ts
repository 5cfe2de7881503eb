import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rshFor, wrapperScript } from './rsh-wrapper';
import { capsOf, parseRsyncVersion } from './rsync-flavour';

const GNU = capsOf(parseRsyncVersion('rsync  version 3.2.7  protocol version 31'));
const OPENRSYNC = capsOf(parseRsyncVersion('openrsync: protocol version 29'));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'vigil-rsh-'));
  dirs.push(d);
  return d;
}

describe('the -e argument per rsync', () => {
  const spaced = [
    '/usr/bin/ssh',
    '-F',
    '/Users/me/Library/Application Support/Vigil/ssh config',
    '-o',
    'BatchMode=yes',
  ];

  it('quotes words for GNU rsync, and passes blank-free words as they are to openrsync', async () => {
    expect(await rshFor(spaced, GNU)).toBe(
      "/usr/bin/ssh -F '/Users/me/Library/Application Support/Vigil/ssh config' -o BatchMode=yes",
    );
    expect(await rshFor(['/usr/bin/ssh', '-o', 'ControlPath=/tmp/vigil-501/ab', "x'y"], OPENRSYNC)).toBe(
      "/usr/bin/ssh -o ControlPath=/tmp/vigil-501/ab x'y",
    );
  });

  it('hands openrsync a private script when a word has a blank; the script passes every word intact', async () => {
    const dir = path.join(tmp(), 'wrappers');
    const hostile = "a b;$(touch PWNED)'c";
    // A stand-in for ssh that prints the argument vector it was given, one per line.
    const echo = path.join(tmp(), 'echo-args');
    writeFileSync(echo, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
    const argv = [echo, '-F', `/x/${hostile}/ssh config`, '-o', 'ControlPath="/d ir/s"'];
    const file = await rshFor(argv, OPENRSYNC, dir);
    expect(file).toMatch(/\/wrappers\/rsh-[0-9a-f]{16}$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(wrapperScript(argv));
    // rsync appends the host and the remote command.
    const out = execFileSync(file, ['host', 'rsync --server'], { encoding: 'utf8', cwd: tmp() });
    expect(out.split('\n').slice(0, -1)).toEqual([...argv.slice(1), 'host', 'rsync --server']);
    // The same command twice: the same script.
    expect(await rshFor(argv, OPENRSYNC, dir)).toBe(file);
  });
});
