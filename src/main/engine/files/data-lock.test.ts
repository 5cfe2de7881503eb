import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLockRecord, systemProcesses, tryLockDataDir } from './data-lock';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'vigil-lock-'));
const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** A real process that stays alive: its pid is "taken" for the test. */
function sleeper() {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

describe('the data-folder lock', () => {
  it('is taken once; a second engine in the same process is refused; release frees it', async () => {
    const d = dir();
    const a = await tryLockDataDir(d);
    expect(a).not.toBeNull();
    expect(await tryLockDataDir(d)).toBeNull();
    const rec = parseLockRecord(readFileSync(path.join(d, '.lock'), 'utf8'));
    expect(rec?.pid).toBe(process.pid);
    await a!.release();
    const b = await tryLockDataDir(d);
    expect(b).not.toBeNull();
    await b!.release();
  });

  it('a live process with the recorded pid and start time holds it', async () => {
    const d = dir();
    const pid = sleeper();
    const start = await systemProcesses.startId(pid);
    expect(start).not.toBeNull();
    writeFileSync(path.join(d, '.lock'), JSON.stringify({ pid, start }));
    expect(await tryLockDataDir(d)).toBeNull();
  });

  it('a pid reused by another process (after a reboot) is stale: the lock is taken over', async () => {
    const d = dir();
    const pid = sleeper();
    // The recorded owner had this pid but started at another time (a boot ago).
    writeFileSync(path.join(d, '.lock'), JSON.stringify({ pid, start: 'another-boot:12345' }));
    const lock = await tryLockDataDir(d);
    expect(lock).not.toBeNull();
    expect(parseLockRecord(readFileSync(path.join(d, '.lock'), 'utf8'))?.pid).toBe(process.pid);
    await lock!.release();
  });

  it('reads the older plain-pid lock: a live pid holds it, a dead one is stale', async () => {
    const d = dir();
    writeFileSync(path.join(d, '.lock'), String(sleeper()));
    expect(await tryLockDataDir(d)).toBeNull();
    writeFileSync(path.join(d, '.lock'), '2147483646');
    const lock = await tryLockDataDir(d);
    expect(lock).not.toBeNull();
    await lock!.release();
  });

  it('release never removes a lock another process took over meanwhile', async () => {
    const d = dir();
    const lock = await tryLockDataDir(d);
    const other = JSON.stringify({ pid: sleeper(), start: 'x' });
    writeFileSync(path.join(d, '.lock'), other);
    await lock!.release();
    expect(readFileSync(path.join(d, '.lock'), 'utf8')).toBe(other);
  });

  it('a half-written lock (empty, just created) is not taken for stale', async () => {
    const d = dir();
    writeFileSync(path.join(d, '.lock'), '');
    expect(await tryLockDataDir(d)).toBeNull();
  });

  it('of processes starting at the same moment exactly one wins, with or without a stale lock', async () => {
    const script = fileURLToPath(new URL('./data-lock-racer.test-child.ts', import.meta.url));
    const racers = 6;
    for (let round = 0; round < 8; round++) {
      const d = dir();
      if (round % 2 === 1)
        writeFileSync(path.join(d, '.lock'), JSON.stringify({ pid: 2147483646, start: 'x' }));
      const startAt = Date.now() + 1500;
      const marks = mkdtempSync(path.join(os.tmpdir(), 'vigil-lock-marks-'));
      const outs = await Promise.all(
        Array.from({ length: racers }, () => {
          const c = spawn(
            process.execPath,
            ['--import', 'tsx', script, d, String(startAt), marks, String(racers)],
            {
              stdio: ['ignore', 'pipe', 'inherit'],
            },
          );
          children.push(c);
          let out = '';
          c.stdout!.on('data', (b) => {
            out += b;
          });
          return new Promise<string>((resolve) => c.on('close', () => resolve(out.trim())));
        }),
      );
      expect(outs.filter((o) => o === 'got').length, `round ${round}: ${outs.join(',')}`).toBe(1);
      expect(outs.filter((o) => o === 'refused').length).toBe(racers - 1);
      // No temporary or moved-aside files are left behind.
      expect(readdirSync(d).filter((f) => f.startsWith('.lock.'))).toEqual([]);
    }
  }, 120_000);
});
