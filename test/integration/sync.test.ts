// Results sync, end to end: the system rsync over the system ssh against a real sshd. The "remote" is a folder
// on this machine served by the test sshd; the laptop side is a fresh data folder.

import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runSync } from '../../src/main/cli/sync';
import { loadConfig } from '../../src/main/engine/config/load';
import { createRuleRunner } from '../../src/main/engine/sync/job';
import { type SyncManager as Manager, SyncManager } from '../../src/main/engine/sync/manager';
import { SMALLEST_CAPS } from '../../src/main/engine/sync/rsync-flavour';
import { runRsync } from '../../src/main/engine/sync/runner';
import { findSyncTools } from '../../src/main/engine/sync/sync-tools';
import { type Sshd, startSshd } from '../support/sshd';
import { freshDataDir, hostFor, runVigil, until } from './helpers';

const HOSTILE = "a b;$(touch PWNED)'c";

let sshd: Sshd;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  sshd = await startSshd();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await sshd?.stop();
});

function tmp(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface RuleSpec {
  from: string;
  to?: string;
  every?: string;
  include?: string[];
  exclude?: string[];
  bwlimit?: string | number;
}

/** A config with one worker on the test sshd; returns its path. */
function writeSyncConfig(dir: string, rules: RuleSpec[], host: Record<string, unknown> = {}): string {
  const cfgDir = tmp('vigil-sync-cfg-');
  const file = path.join(cfgDir, 'config.yaml');
  writeFileSync(
    file,
    stringify({
      sshConfig: sshd.sshConfigPath,
      hosts: { [sshd.alias]: hostFor(host) },
      workers: [{ name: 'W', host: sshd.alias, dir, metrics: 'metrics.jsonl', sync: rules }],
    }),
  );
  return file;
}

function manager(
  configPath: string,
  dataDir: string,
  extra: Partial<ConstructorParameters<typeof SyncManager>[0]> = {},
): Manager {
  const m = new SyncManager({ config: loadConfig(configPath), dataDir, noProgressMs: 3_000, ...extra });
  cleanups.push(() => m.stop());
  return m;
}

/** Every file below root, relative path → content. */
function tree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

function expectSameTree(remote: string, local: string): void {
  const a = tree(remote);
  const b = tree(local);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [rel, buf] of a) expect(b.get(rel)!.equals(buf), rel).toBe(true);
}

describe('sync rules against a real sshd', () => {
  it('mirrors a results tree byte-identical; a second run moves only what changed; deletions stay local', async () => {
    const work = tmp('vigil-sync-remote-');
    const results = path.join(work, 'results');
    mkdirSync(path.join(results, 'tb'), { recursive: true });
    mkdirSync(path.join(results, 'ckpt'), { recursive: true });
    writeFileSync(path.join(results, 'train.log'), 'epoch 1 loss 0.9\n'.repeat(10_000));
    writeFileSync(path.join(results, 'tb', 'events.out.tfevents.1700000000.box.1.0'), randomBytes(300_000));
    writeFileSync(path.join(results, 'ckpt', 'last.pt'), randomBytes(400_000));
    writeFileSync(path.join(results, 'ckpt', 'keep.pt'), randomBytes(100_000));
    writeFileSync(path.join(results, 'metrics.jsonl'), '{"epoch":1,"loss":0.9}\n');
    const data = freshDataDir();
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const m = manager(writeSyncConfig(work, [{ from: 'results/' }]), data);
    const local = path.join(data, 'sync', 'W', 'results');

    const [first] = await m.trigger('W', 'manual');
    expect(first!.result).toMatchObject({ ok: true, message: 'ok' });
    expect(first!.to).toBe(local);
    expectSameTree(results, local);
    const total = [...tree(results).values()].reduce((n, b) => n + b.length, 0);
    expect(first!.result.bytes).toBeGreaterThanOrEqual(total);

    const inode = (rel: string) => statSync(path.join(local, rel)).ino;
    const logIno = inode('train.log');
    const eventsIno = inode('tb/events.out.tfevents.1700000000.box.1.0');
    const ckptIno = inode('ckpt/last.pt');

    // The run goes on: the log and the event file grow, a checkpoint is rewritten, one is deleted.
    appendFileSync(path.join(results, 'train.log'), 'epoch 2 loss 0.8\n'.repeat(100));
    appendFileSync(path.join(results, 'tb', 'events.out.tfevents.1700000000.box.1.0'), randomBytes(2_000));
    writeFileSync(path.join(results, 'ckpt', 'last.pt'), randomBytes(20_000));
    rmSync(path.join(results, 'ckpt', 'keep.pt'));
    const kept = readFileSync(path.join(local, 'ckpt', 'keep.pt'));

    const [second] = await m.trigger('W', 'manual');
    expect(second!.result.ok).toBe(true);
    const changed = 1_700 + 2_000 + 20_000;
    console.log(
      `sync: first run ${first!.result.bytes} B (tree ${total} B), second run ${second!.result.bytes} B (${changed} B changed)`,
    );
    expect(second!.result.bytes).toBeLessThan(changed + 16_000); // file list, checksums, protocol
    expect(second!.result.bytes).toBeLessThan(total / 10);

    // Deleted on the remote, still on the laptop; the rest identical.
    expect(readFileSync(path.join(local, 'ckpt', 'keep.pt')).equals(kept)).toBe(true);
    rmSync(path.join(local, 'ckpt', 'keep.pt'));
    expectSameTree(results, local);
    // Growing files were updated in place (a reader holding them open sees the new data); the
    // checkpoint was replaced whole (never torn).
    expect(inode('train.log')).toBe(logIno);
    expect(inode('tb/events.out.tfevents.1700000000.box.1.0')).toBe(eventsIno);
    expect(inode('ckpt/last.pt')).not.toBe(ckptIno);

    expect(m.states('W')).toEqual([
      expect.objectContaining({ to: local, result: 'ok', bytes: second!.result.bytes, state: 'idle' }),
    ]);
    expect(m.states('W')[0]!.lastSyncAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('resumes an rsync killed mid-file from the partial data', async () => {
    const work = tmp('vigil-sync-remote-');
    mkdirSync(path.join(work, 'ckpt'));
    const size = 4 * 1024 * 1024;
    writeFileSync(path.join(work, 'ckpt', 'model.pt'), randomBytes(size));
    const data = freshDataDir();
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const cfg = writeSyncConfig(work, [{ from: 'ckpt/', bwlimit: 2000 }]);

    const m1 = manager(cfg, data);
    let seen = 0;
    m1.onProgress((p) => {
      seen = p.bytes;
    });
    const run = m1.trigger('W', 'manual');
    await until(
      () => seen,
      (b) => b > size / 4,
      15_000,
      'a quarter of the file',
    );
    await m1.stop(); // SIGTERM to rsync: it keeps what it has in the partial-dir
    const [killed] = await run;
    expect(killed!.result.ok).toBe(false);
    const partial = path.join(data, 'sync', 'W', 'ckpt', '.vigil-partial', 'model.pt');
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(size / 5);
    expect(existsSync(path.join(data, 'sync', 'W', 'ckpt', 'model.pt'))).toBe(false);

    const m2 = manager(cfg, data);
    const [resumed] = await m2.trigger('W', 'manual');
    console.log(`sync: resume kept ${kept} B of ${size} B; the next run moved ${resumed!.result.bytes} B`);
    expect(resumed!.result.ok).toBe(true);
    expect(resumed!.result.bytes).toBeLessThan(size - kept + 64 * 1024);
    expect(
      readFileSync(path.join(data, 'sync', 'W', 'ckpt', 'model.pt')).equals(
        readFileSync(path.join(work, 'ckpt', 'model.pt')),
      ),
    ).toBe(true);
    expect(existsSync(path.join(data, 'sync', 'W', 'ckpt', '.vigil-partial'))).toBe(false);
  });

  it('ends a transfer from a frozen host within the watchdog bound as unreachable; the next scheduled run succeeds after the thaw', async () => {
    const work = tmp('vigil-sync-remote-');
    mkdirSync(path.join(work, 'out'));
    const size = 3 * 1024 * 1024;
    writeFileSync(path.join(work, 'out', 'big.bin'), randomBytes(size));
    const data = freshDataDir();
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const m = manager(
      // ssh's own keepalives would notice only after 30 s × 3: here only the watchdog can end it.
      writeSyncConfig(work, [{ from: 'out/', every: '1s', bwlimit: 1500 }], { keepaliveInterval: '30s' }),
      data,
      {
        initialDelayMs: 0,
        noProgressMs: 3_000,
      },
    );
    let bytes = 0;
    m.onProgress((p) => {
      bytes = p.bytes;
    });
    const results: string[] = [];
    m.onState(({ sync }) => {
      if (sync[0]!.state === 'idle' && sync[0]!.result) results.push(sync[0]!.result);
    });
    m.start();
    await until(
      () => bytes,
      (b) => b > 200_000,
      15_000,
      'the transfer to start',
    );
    const frozenAt = Date.now();
    try {
      expect(sshd.freezeSessions().length).toBeGreaterThan(0);
      await until(
        () => results.length,
        (n) => n >= 1,
        15_000,
        'the frozen transfer to end',
      );
    } finally {
      sshd.thawSessions();
    }
    const endedAfter = Date.now() - frozenAt;
    console.log(
      `sync: frozen host: transfer ended ${endedAfter} ms after the freeze (watchdog 3000 ms): ${results[0]}`,
    );
    expect(results[0]).toMatch(/unreachable: no data moved for 3 s/);
    expect(endedAfter).toBeLessThan(3_000 + 2_000); // the bound, plus slack for a busy 2-core box
    await until(
      () => results,
      (r) => r.includes('ok'),
      20_000,
      'a scheduled run to succeed after the thaw',
    );
    expect(
      readFileSync(path.join(data, 'sync', 'W', 'out', 'big.bin')).equals(
        readFileSync(path.join(work, 'out', 'big.bin')),
      ),
    ).toBe(true);
  });

  it(`passes a path named ${HOSTILE} safely: it syncs, and nothing named PWNED appears`, async () => {
    const root = tmp('vigil-sync-remote-');
    const work = path.join(root, HOSTILE);
    mkdirSync(path.join(work, HOSTILE), { recursive: true });
    writeFileSync(path.join(work, HOSTILE, `${HOSTILE}.txt`), 'safe\n');
    const data = freshDataDir();
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const localTo = path.join(data, `to ${HOSTILE}`);
    const cfg = writeSyncConfig(work, [{ from: `${HOSTILE}/` }, { from: `${HOSTILE}/`, to: `${localTo}/` }]);
    const lines: string[] = [];
    const code = await runSync(
      { configPath: cfg, worker: 'W', dataDir: data, tty: false },
      (s) => lines.push(s),
      (s) => lines.push(s),
    );
    expect(lines.join('\n')).not.toMatch(/✗/);
    expect(code).toBe(0);
    expect(readFileSync(path.join(data, 'sync', 'W', HOSTILE, `${HOSTILE}.txt`), 'utf8')).toBe('safe\n');
    expect(readFileSync(path.join(localTo, `${HOSTILE}.txt`), 'utf8')).toBe('safe\n');
    const find = (dir: string): string[] => {
      const hits: string[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.name === 'PWNED') hits.push(path.join(d, e.name));
          if (e.isDirectory()) walk(path.join(d, e.name));
        }
      };
      walk(dir);
      return hits;
    };
    expect(find(root)).toEqual([]);
    expect(find(data)).toEqual([]);
    for (const dir of [process.cwd(), os.homedir(), os.tmpdir(), sshd.dir]) {
      expect(existsSync(path.join(dir, 'PWNED')), dir).toBe(false);
    }
  });

  it(`with the reduced option set (openrsync, GNU 2.6.9): Vigil quotes ${HOSTILE} itself, a data folder with a blank gets an -e script, the tree arrives exact`, async () => {
    const root = tmp('vigil-sync-remote-');
    const work = path.join(root, HOSTILE);
    const results = path.join(work, 'results');
    mkdirSync(path.join(results, HOSTILE, 'tb'), { recursive: true });
    writeFileSync(path.join(results, HOSTILE, `${HOSTILE}.txt`), 'safe\n');
    writeFileSync(path.join(results, HOSTILE, 'tb', 'events.out.tfevents.1.box'), randomBytes(200_000));
    writeFileSync(path.join(results, 'train.log'), 'epoch 1 loss 0.9\n'.repeat(5_000));
    writeFileSync(path.join(results, 'model.pt'), randomBytes(300_000));
    // Like a Mac's "Application Support": the control socket's path gets a blank.
    const data = path.join(freshDataDir(), 'Application Support');
    cleanups.push(() => rmSync(path.dirname(data), { recursive: true, force: true }));
    // GNU rsync ≥ 3.2.4 escapes remote arguments itself; --old-args makes it pass them raw to the
    // remote shell, as openrsync and rsync 2.6.9 do, so Vigil's own quoting is what is tested.
    const oldArgs = path.join(tmp('vigil-old-args-'), 'rsync');
    const real = await findSyncTools(undefined);
    writeFileSync(oldArgs, `#!/bin/sh\nexec ${real.rsync} --old-args "$@"\n`, { mode: 0o755 });
    const seen: string[][] = [];
    const m = manager(writeSyncConfig(work, [{ from: 'results/' }]), data, {
      runRule: createRuleRunner({
        tools: async () => ({
          ...real,
          rsync: oldArgs,
          flavour: { kind: 'unknown', firstLine: '' },
          caps: SMALLEST_CAPS,
        }),
        run: (o) => {
          seen.push([...o.args]);
          return runRsync(o);
        },
      }),
    });
    let progressBytes = 0;
    m.onProgress((p) => {
      progressBytes = Math.max(progressBytes, p.bytes);
    });
    const [r] = await m.trigger('W', 'manual');
    expect(r!.result).toMatchObject({ ok: true, message: 'ok' });
    expectSameTree(results, path.join(data, 'sync', 'W', 'results'));
    expect(progressBytes).toBeGreaterThanOrEqual(500_000);
    expect(seen).toHaveLength(1); // one pass: no --inplace / --partial-dir to split on
    const args = seen[0]!;
    expect(args).toContain('--partial');
    expect(args).not.toContain('-s');
    expect(args[args.indexOf('-e') + 1]).toMatch(/^\/tmp\/vigil-\d+\/rsh-[0-9a-f]{16}$/);
    expect(args.at(-2)).toMatch(/^[^:]+:'.*'$/);
    for (const dir of [root, data, process.cwd(), os.homedir(), os.tmpdir(), sshd.dir]) {
      expect(existsSync(path.join(dir, 'PWNED')), dir).toBe(false);
    }
  });

  it('vigil sync: 0 with a summary on success, 1 with the reason on failure, 2 for an unknown worker', async () => {
    const work = tmp('vigil-sync-remote-');
    mkdirSync(path.join(work, 'results'));
    writeFileSync(path.join(work, 'results', 'a.txt'), 'a\n');
    const data = freshDataDir();
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const run = async (rules: RuleSpec[], worker = 'W') => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runSync(
        { configPath: writeSyncConfig(work, rules), worker, dataDir: data, tty: false },
        (s) => out.push(s),
        (s) => err.push(s),
      );
      return { code, out: out.join('\n'), err: err.join('\n') };
    };

    const ok = await run([{ from: 'results/' }]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/✓ results\/ → .*sync\/W\/results: \d+ B in \d+\.\d s/);

    const missing = await run([{ from: 'nope/' }]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/✗ nope\/ → .*remote path missing on .*nope/);
    expect(missing.err).toMatch(/1 of 1 rule failed/);

    const unknown = await run([{ from: 'results/' }], 'Nobody');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown worker "Nobody".*workers: W/);
  });

  it('through the real CLI: `vigil sync W` brings results home, and `vigil status --json` reports the rule', async () => {
    const work = tmp('vigil-sync-remote-');
    mkdirSync(path.join(work, 'results'));
    writeFileSync(path.join(work, 'results', 'metrics.jsonl'), '{"epoch": 1, "loss": 0.5}\n');
    const data = freshDataDir();
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    const cfg = writeSyncConfig(work, [{ from: 'results/' }]);
    const synced = await runVigil(['sync', 'W', '--config', cfg], { VIGIL_DATA: data });
    expect(synced.code).toBe(0);
    expect(synced.stdout).toMatch(/✓ results\/ → /);
    const status = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: data });
    const [w] = JSON.parse(status.stdout).workers;
    expect(w.sync).toHaveLength(1);
    expect(w.sync[0]).toMatchObject({ to: path.join(data, 'sync', 'W', 'results'), result: 'ok' });
    expect(Date.now() - Date.parse(w.sync[0].lastSyncAt)).toBeLessThan(60_000);
    expect(readFileSync(path.join(data, 'sync', 'W', 'results', 'metrics.jsonl'), 'utf8')).toBe(
      '{"epoch": 1, "loss": 0.5}\n',
    );
  });
});
