// The local data folder full (a small tmpfs filled to the last byte) or read-only (the tmpfs
// remounted ro): a clear error naming the folder, the mirror never corrupted (a byte-exact prefix of
// the remote file, no chunk written twice), and recovery with nothing lost once space returns.

import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { EngineService } from '../../src/main/engine/fleet/service';
import { runVigil, until, writeConfig } from '../integration/helpers';
import { onExitCleanup } from '../support/cleanup';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer } from '../support/trainer';
import { HEALTHY, type Scene, scene, worker } from './files-support';
import { recordNotRun, recordPass, rssMb } from './table';

function mountTmpfs(sizeKb: number): { dir: string; why: string | null; umount: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-chaos-data-'));
  const umount = () => {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      // not mounted
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (process.getuid?.() !== 0) return { dir, why: 'not root: cannot mount a tmpfs', umount };
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    return { dir, why: `mount -t tmpfs failed: ${(e as Error).message.split('\n')[0]}`, umount };
  }
  return { dir, why: null, umount };
}

/** Fills the file system holding dir to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(4096, 0);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  // The last partial block.
  try {
    for (;;) writeSync(fd, block, 0, 1);
  } catch {
    // full
  }
  closeSync(fd);
  return filler;
}

/** The mirror is exactly the remote file's first bytes: nothing written twice, nothing torn. */
function mirrorIsPrefix(mirror: string, remote: string): { ok: boolean; bytes: number } {
  let m: Buffer;
  try {
    m = readFileSync(mirror);
  } catch {
    m = Buffer.alloc(0);
  }
  const r = readFileSync(remote);
  return { ok: m.length <= r.length && m.equals(r.subarray(0, m.length)), bytes: m.length };
}

describe('local data folder', () => {
  let sshd: Sshd;
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const c of cleanups) c();
    await sshd?.stop();
  });

  async function check(s: Scene, fault: string, inject: () => void, release: () => void, label: string) {
    const rss0 = rssMb();
    const healthy = () => worker(s.fleet, HEALTHY);
    const t0 = Date.now();
    inject();
    const bad = await until(healthy, (w) => w.status === 'error', 20_000, `${label} → error`);
    const detect = Date.now() - t0;
    expect(bad.reason).toContain(s.dataDir);
    expect(bad.reason).toMatch(label === 'full' ? /disk is full/ : /not writable/);
    // Stays so, without flapping, while the trainer goes on writing; the mirror stays a clean prefix.
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      seen.add(healthy().status);
      expect(mirrorIsPrefix(bad.mirror!, s.trainer.metricsPath).ok).toBe(true);
      await new Promise((r) => setTimeout(r, 40));
    }
    expect([...seen]).toEqual(['error']);
    const during = mirrorIsPrefix(bad.mirror!, s.trainer.metricsPath);
    const t1 = Date.now();
    release();
    await until(healthy, (w) => w.status === 'running', 20_000, 'running again');
    s.trainer.pause();
    let back: ReturnType<typeof healthy>;
    try {
      back = await until(healthy, (w) => w.records === s.trainer.records(), 20_000, 'caught up');
      const recovery = Date.now() - t1;
      const after = mirrorIsPrefix(back.mirror!, s.trainer.metricsPath);
      expect(after.ok).toBe(true);
      expect(after.bytes).toBe(readFileSync(s.trainer.metricsPath).length);
      const faulty = s.faulty();
      expect(faulty.status).toBe('running');
      expect(mirrorIsPrefix(faulty.mirror!, s.file)).toEqual({
        ok: true,
        bytes: readFileSync(s.file).length,
      });
      recordPass({
        fault,
        expected: 'error naming the data folder; mirror a byte-exact prefix; recovery with 0 lost/dup',
        observed: `"${bad.reason.slice(0, 110)}…"; mirror prefix ok (${during.bytes} B during); caught up ${back.records}/${s.trainer.records()}`,
        detectionMs: detect,
        recoveryMs: recovery,
        recordsLost: Math.max(0, s.trainer.records() - back.records),
        recordsDuplicated: Math.max(0, back.records - s.trainer.records()),
        rssBeforeMb: rss0,
      });
    } finally {
      s.trainer.resume();
    }
  }

  /**
   * A scene whose data folder is a fresh tmpfs of `sizeKb`, for the length of `body`; where no tmpfs
   * can be mounted, the fault's row says why and the test is skipped.
   */
  async function onTmpfs(
    ctx: TestContext,
    sizeKb: number,
    notRunFault: string,
    body: (s: Scene, dir: string) => Promise<void>,
  ): Promise<void> {
    const fs = mountTmpfs(sizeKb);
    cleanups.push(fs.umount);
    if (fs.why) {
      recordNotRun(notRunFault, 'clear error naming the folder, mirror intact, recovery', fs.why);
      ctx.skip();
      return;
    }
    const unregister = onExitCleanup(fs.umount);
    const s = await scene(
      sshd,
      { metrics: 'metrics.jsonl' },
      { initial: '{"epoch":1,"loss":1}\n', dataDir: fs.dir },
    );
    try {
      await body(s, fs.dir);
    } finally {
      await s.stop();
      unregister();
    }
  }

  it('full (tmpfs filled to the last byte): clear error naming the folder, nothing corrupted, recovery when space returns', (ctx) =>
    onTmpfs(ctx, 4096, 'local data folder full', async (s, dir) => {
      let filler = '';
      await check(
        s,
        'local data folder full (4 MB tmpfs filled)',
        () => {
          filler = fill(dir);
        },
        () => rmSync(filler),
        'full',
      );
    }));

  it('read-only (tmpfs remounted ro): clear error naming the folder, nothing corrupted, recovery when writable', (ctx) =>
    onTmpfs(ctx, 8192, 'local data folder read-only', async (s, dir) => {
      const remount = (mode: string) =>
        execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
      await check(
        s,
        'local data folder read-only (tmpfs remounted ro)',
        () => remount('ro'),
        () => remount('rw'),
        'read-only',
      );
    }));

  it('already full at start: the folder named with the fix; vigil status still shows the hosts', async (ctx) => {
    const rss0 = rssMb();
    const fs = mountTmpfs(1024);
    cleanups.push(fs.umount);
    if (fs.why) {
      recordNotRun('local data folder full at start', 'the folder named; status still shown', fs.why);
      ctx.skip();
      return;
    }
    const unregister = onExitCleanup(fs.umount);
    const trainer = await startTrainer({ format: 'jsonl', epochs: 100_000, intervalMs: 100 });
    try {
      chmodSync(trainer.dir, 0o755);
      await trainer.waitForRecords(3);
      fill(fs.dir);
      const configPath = writeConfig(sshd, [{ name: HEALTHY, dir: trainer.dir, metrics: 'metrics.jsonl' }]);
      const t0 = Date.now();
      const status = await runVigil(['status', '--config', configPath], { VIGIL_DATA: fs.dir });
      const ms = Date.now() - t0;
      expect(status.stderr).toContain(`cannot use the data folder ${fs.dir}: ENOSPC`);
      expect(status.stderr).toMatch(/the disk is full: free some space/);
      expect(status.stdout).toMatch(new RegExp(`${HEALTHY}\\s.*running`));
      // The engine of the app and of vigil serve names it too, instead of a bare "ENOSPC … write".
      const engine = new EngineService({ configPath, dataDir: fs.dir });
      await expect(engine.start()).rejects.toThrow(
        new RegExp(`cannot take the data folder ${fs.dir}: ENOSPC.*the disk is full`),
      );
      await engine.stop();
      recordPass({
        fault: 'local data folder already full when Vigil starts',
        expected:
          'the data folder named, with the fix (not a bare "ENOSPC … write"); vigil status still shows the hosts, read into a temporary folder',
        observed: `stderr "${status.stderr.trim().slice(0, 150)}…"; status table: ${status.stdout.trim().split('\n').at(-1)!.slice(0, 80)}`,
        detectionMs: ms,
        rssBeforeMb: rss0,
      });
    } finally {
      await trainer.stop();
      unregister();
    }
  });
});
