// The argument lists Vigil plans for openrsync (macOS 15.4+'s /usr/bin/rsync),
// run by the real openrsync built from its pristine source. Its option parser is the real one, so every
// list must be accepted; a local→local run with each list must produce the exact tree, hostile names
// included. A pull through a real shell then checks Vigil's own quoting of the remote path. (This
// upstream build aborts at the very end of any pull over -e, after the files are written — an upstream
// defect Apple's build does not have; remote-mode tests through sshd use GNU rsync: sync.test.ts.)

import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SyncRuleConfig } from '../../src/main/engine/config/types';
import { ProgressReader } from '../../src/main/engine/sync/progress';
import { planRsync, rsyncEnv } from '../../src/main/engine/sync/rsync-args';
import { capsOf, parseRsyncVersion, type RsyncCaps } from '../../src/main/engine/sync/rsync-flavour';
import { readVersion } from '../../src/main/engine/sync/sync-tools';
import { openrsync } from '../support/openrsync';

const HOSTILE = "a b;$(touch PWNED)'c";
const built = openrsync();
const binary = 'binary' in built ? built.binary : '';
if ('skip' in built) console.log(`openrsync tests skipped: ${built.skip}`);

let caps: RsyncCaps;
beforeAll(async () => {
  if (!binary) return;
  const flavour = parseRsyncVersion(await readVersion(binary));
  expect(flavour.kind).toBe('openrsync');
  caps = capsOf(flavour);
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function run(
  file: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: rsyncEnv(process.env), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 128 + 6) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Every file below root, relative path → content. */
function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(root, p), readFileSync(p, 'latin1'));
    }
  };
  walk(root);
  return out;
}

/** A results folder as a training run leaves it, hostile names included. */
function results(root: string): string {
  const r = path.join(root, 'results');
  mkdirSync(path.join(r, HOSTILE, 'tb'), { recursive: true });
  mkdirSync(path.join(r, 'ckpt'), { recursive: true });
  writeFileSync(path.join(r, HOSTILE, `${HOSTILE}.txt`), 'safe\n');
  writeFileSync(path.join(r, HOSTILE, 'tb', 'events.out.tfevents.1700000000.box'), 'e'.repeat(70_000));
  writeFileSync(path.join(r, 'train.log'), 'epoch 1 loss 0.9\n'.repeat(4_000));
  writeFileSync(path.join(r, 'ckpt', 'last.pt'), 'p'.repeat(150_000));
  writeFileSync(path.join(r, 'ckpt', 'scratch.tmp'), 'x');
  return r;
}

const RULES: { name: string; rule: Partial<SyncRuleConfig>; keep: (rel: string) => boolean }[] = [
  { name: 'everything', rule: {}, keep: () => true },
  {
    name: 'bwlimit and exclude',
    rule: { bwlimit: '20m', exclude: ['*.tmp'] },
    keep: (f) => !f.endsWith('.tmp'),
  },
  { name: 'include (only these)', rule: { include: ['*.log', '*.pt'] }, keep: (f) => /\.(log|pt)$/.test(f) },
  {
    name: 'numeric bwlimit',
    rule: { bwlimit: '5000', include: ['events.out.tfevents.*'] },
    keep: (f) => f.includes('tfevents'),
  },
];

function plan(
  rule: Partial<SyncRuleConfig>,
  dataDir: string,
  rsh: string,
  from = 'results/',
  workerDir = '/remote/w',
) {
  return planRsync({
    rule: { from, onFinish: true, onStall: true, ...rule },
    worker: 'W',
    workerDir,
    dataDir,
    rsh,
    target: 'ec2',
    timeoutSec: 30,
    caps,
  });
}

describe.skipIf(!binary)('the real openrsync runs what Vigil plans for it', () => {
  it.each(RULES)('$name: accepted, and a local→local run produces the exact tree', async ({ rule, keep }) => {
    const root = tmp('vigil-ors-');
    const src = results(root);
    const data = path.join(root, 'data');
    const p = plan(rule, data, '/usr/bin/ssh -F none -o BatchMode=yes');
    expect(p.passes).toHaveLength(1);
    mkdirSync(p.to, { recursive: true });
    for (const pass of p.passes) {
      // The same list, with the local copy of the remote folder as the source.
      const args = [...pass.args.slice(0, -2), `${src}/`, pass.args.at(-1)!];
      const r = await run(binary, args, root);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const reader = new ProgressReader('per-file-indexed');
      reader.push(r.stdout);
      reader.end();
      const expected = [...tree(src)].filter(([f]) => keep(f));
      expect(reader.last?.bytes).toBe(expected.reduce((n, [, c]) => n + c.length, 0));
      // The share of the file list checked: below 100 when the last entries needed no transfer.
      expect(reader.last?.percent).toBeGreaterThan(0);
    }
    const want = new Map([...tree(src)].filter(([f]) => keep(f)));
    expect(tree(p.to)).toEqual(want);
    expect(existsSync(path.join(root, 'PWNED'))).toBe(false);
  });

  it(`pulls ${HOSTILE} through a real remote shell with Vigil's quoting (GNU rsync on the far side), and nothing runs`, async () => {
    const root = tmp('vigil-ors-pull-');
    const remoteDir = path.join(root, HOSTILE);
    mkdirSync(remoteDir);
    const src = results(remoteDir);
    // ssh's part: drop the host, hand the remote command line to a shell, as sshd does.
    const fakeSsh = path.join(root, 'fake-ssh');
    writeFileSync(fakeSsh, '#!/bin/sh\nshift\nexec /bin/sh -c "$*"\n', { mode: 0o755 });
    const p = plan({}, path.join(root, 'data'), fakeSsh, 'results/', remoteDir);
    expect(p.passes[0]!.args.at(-2)).toBe(`ec2:'${root}/a b;$(touch PWNED)'\\''c/results/'`);
    mkdirSync(p.to, { recursive: true });
    const r = await run(binary, p.passes[0]!.args, root);
    // Exit 0 with the exact tree, or the upstream abort (see the top of this file), which on a loaded
    // machine can strike before the last files arrive: then every file that arrived holds the start of
    // its source (whole, or cut by the abort and kept by --partial), and one at least arrived — the
    // quoted hostile folder was found and read as one name.
    const got = tree(p.to);
    if (r.code === 0) expect(got).toEqual(tree(src));
    else {
      expect(r.stderr).toMatch(/Assertion `iotag == IT_DATA' failed/);
      const want = tree(src);
      expect(got.size).toBeGreaterThan(0);
      for (const [f, content] of got) {
        // A file the abort caught in flight may still be under openrsync's temporary name (.NAME.XXXXXX).
        const source = want.has(f) ? f : f.replace(/(^|\/)\.([^/]+)\.[A-Za-z0-9]{6,}$/, '$1$2');
        expect(want.get(source)?.startsWith(content), f).toBe(true);
      }
    }
    for (const dir of [root, remoteDir, process.cwd(), os.homedir()]) {
      expect(existsSync(path.join(dir, 'PWNED')), dir).toBe(false);
    }
  });
});
