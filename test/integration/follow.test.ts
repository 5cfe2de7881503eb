// Follow mode on the real sshd: the follower streams appended bytes through the control shell, the
// mirror stays byte-identical through the file's faults, and ticks slow to the liveness cadence.

import { spawn } from 'node:child_process';
import {
  appendFileSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../src/main/engine/fleet/fleet';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import { remoteDir } from '../chaos/files-support';
import { type Sshd, startSshd } from '../support/sshd';
import { freshDataDir, hostFor, until, writeConfig } from './helpers';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
}, 30_000);
afterAll(async () => {
  await sshd?.stop();
});

const line = (step: number) => `${JSON.stringify({ step, loss: 1 / step })}\n`;

/**
 * A metrics file holding `initial` in a folder of its own, watched by a started Fleet for the length of
 * `body`, stopped after it whatever happens.
 */
async function watching(
  initial: string,
  body: (fleet: Fleet, file: string, dir: string) => Promise<void>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const dir = remoteDir('vigil-follow-');
  const file = path.join(dir, 'metrics.jsonl');
  writeFileSync(file, initial);
  const configPath = writeConfig(sshd, [{ name: 'w', dir, metrics: path.basename(file) }], {
    hosts: { [sshd.alias]: hostFor(extra) },
    poll: '1s',
  });
  const { fleet } = await openFleet({ configPath, dataDir: freshDataDir() });
  fleet.start();
  try {
    await body(fleet, file, dir);
  } finally {
    await fleet.stop();
  }
}

const w = (fleet: Fleet) => fleet.snapshot().workers[0]!;

/** Until the host's follower streams (it starts once the mirror has caught up). */
const following = (fleet: Fleet) =>
  until(
    () => fleet.hosts[0]!.followStatus(),
    (s) => s.mode === 'follow',
    20_000,
    'following',
  );

/** The pids of the followers watching files under `dir` (their file lists, in hex, are in their environment). */
function followersOf(dir: string): number[] {
  const needle = Buffer.from(dir).toString('hex');
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

const followerOf = (dir: string): number | null => followersOf(dir)[0] ?? null;

describe('follow mode', () => {
  it(
    'streams appends within a fraction of the poll, and the mirror stays byte-identical',
    () =>
      watching(line(1), async (fleet, file) => {
        await following(fleet);
        await until(
          () => w(fleet),
          (x) => x.records === 1,
          10_000,
          'first record',
        );
        const lags: number[] = [];
        for (let step = 2; step <= 21; step++) {
          const t0 = Date.now();
          appendFileSync(file, line(step));
          await until(
            () => w(fleet),
            (x) => x.records === step,
            5000,
            `record ${step}`,
          );
          lags.push(Date.now() - t0);
        }
        lags.sort((a, b) => a - b);
        // A poll every second would put the median near 500 ms.
        expect(lags[10]!).toBeLessThan(250);
        expect(readFileSync(w(fleet).mirror!).equals(readFileSync(file))).toBe(true);
        expect(fleet.hosts[0]!.tickEveryMs).toBe(10_000);
      }),
    60_000,
  );

  it(
    'keeps the mirror exact through truncation, replacement, rotation and an in-place rewrite',
    () =>
      watching(line(1) + line(2), async (fleet, file) => {
        const mirrorEquals = () => {
          const m = w(fleet).mirror;
          return m !== null && readFileSync(m).equals(readFileSync(file));
        };
        await following(fleet);
        await until(
          () => w(fleet),
          (x) => x.records === 2,
          10_000,
          'two records',
        );
        truncateSync(file, 0);
        appendFileSync(file, line(10));
        await until(
          () => mirrorEquals() && w(fleet).records === 1,
          (x) => x,
          10_000,
          'after truncation',
        );
        writeFileSync(`${file}.new`, line(20) + line(21));
        renameSync(`${file}.new`, file);
        await until(
          () => mirrorEquals() && w(fleet).records === 2,
          (x) => x,
          10_000,
          'after replacement',
        );
        renameSync(file, `${file}.1`);
        writeFileSync(file, line(30));
        await until(
          () => mirrorEquals() && w(fleet).records === 1,
          (x) => x,
          10_000,
          'after rotation',
        );
        // Same length, other bytes: only the overlap check can tell.
        const before = readFileSync(file, 'utf8');
        writeFileSync(file, before.replace('30', '31') + line(32));
        await until(
          () => mirrorEquals(),
          (x) => x,
          10_000,
          'after an in-place rewrite',
        );
        expect(fleet.hosts[0]!.followStatus().mode).toBe('follow');
      }),
    60_000,
  );

  it(
    'a follower killed with SIGKILL is noticed and started again; nothing is lost or doubled',
    () =>
      watching(line(1), async (fleet, file, dir) => {
        await following(fleet);
        const killed = followerOf(dir);
        expect(killed).not.toBeNull();
        process.kill(killed!, 'SIGKILL');
        const t0 = Date.now();
        appendFileSync(file, line(2));
        await until(
          () => followerOf(dir),
          (pid) => pid !== null && pid !== killed,
          40_000,
          'a new follower',
        );
        await until(
          () => w(fleet),
          (x) => x.records === 2,
          10_000,
          'the record written meanwhile',
        );
        const back = Date.now() - t0;
        appendFileSync(file, line(3));
        await until(
          () => w(fleet),
          (x) => x.records === 3,
          5000,
          'the next record',
        );
        expect(readFileSync(w(fleet).mirror!).equals(readFileSync(file))).toBe(true);
        // Three missed heartbeats (15 s) noticed at the next 10 s tick at the latest.
        expect(back).toBeLessThan(30_000);
        expect(fleet.hosts[0]!.followStatus().mode).toBe('follow');
      }),
    90_000,
  );

  it('checks the processes itself: an ended run is told within seconds, and no probe runs meanwhile', async () => {
    const dir = remoteDir('vigil-follow-');
    const marker = `vigil-follow-trainer-${process.pid}-${Date.now()}`;
    const byPid = spawn('sh', ['-c', `sleep 120; : ${marker}-a`], { stdio: 'ignore' });
    const byMatch = spawn('sh', ['-c', `sleep 120; : ${marker}-b`], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, 'a.pid'), `${byPid.pid}\n`);
      for (const n of ['a', 'b']) writeFileSync(path.join(dir, `${n}.jsonl`), line(1));
      const configPath = writeConfig(
        sshd,
        [
          { name: 'a', dir, metrics: 'a.jsonl', process: { pidFile: 'a.pid' } },
          { name: 'b', dir, metrics: 'b.jsonl', process: { match: `${marker}-b` } },
        ],
        { poll: '1s' },
      );
      const { fleet } = await openFleet({ configPath, dataDir: freshDataDir() });
      fleet.start();
      try {
        await following(fleet);
        const state = (name: string) => fleet.snapshot().workers.find((x) => x.name === name)!.process;
        await until(
          () => [state('a'), state('b')],
          (s) => s[0] === 'running' && s[1] === 'running',
          20_000,
          'both running',
        );
        const host = fleet.hosts[0]!;
        // Once the follower has said of every file and process, a tick has nothing left to ask.
        await until(
          () => host.follower.omittable().patterns.size,
          (n) => n === 1,
          10_000,
          'settled',
        );
        // Two workers, two files, two processes to watch: one follower for the host.
        expect(followersOf(dir)).toHaveLength(1);
        // The vitals too are read by the follower (no script started): each worker's process tree.
        // A vitals tick every 10 s; a loaded machine may make one late.
        await until(
          () => host.vitalsRead.follower,
          (n) => n > 0,
          25_000,
          'vitals read by the follower',
        );
        const scripts = host.vitalsRead.script;
        expect(host.resourcesOf('a')?.rssBytes).toBeGreaterThan(0);
        expect(host.resourcesOf('b')?.rssBytes).toBeGreaterThan(0);
        expect(host.hostSnapshot(Date.now()).vitals?.memTotalBytes).toBeGreaterThan(0);
        for (const [name, child] of [
          ['a', byPid],
          ['b', byMatch],
        ] as const) {
          const killedAt = Date.now();
          child.kill('SIGKILL');
          await until(
            () => state(name),
            (s) => s === 'exited',
            10_000,
            `${name} exited`,
          );
          // The follower's sweep is every 5 s; a probe's tick would be every 10 s.
          expect(Date.now() - killedAt).toBeLessThan(6500);
        }
        // A whole 10 s tick (vitals and all): it ran no probe (the remote clock is due every 10 min).
        const probes = host.probesRun;
        await new Promise((r) => setTimeout(r, 11_000));
        expect(host.probesRun).toBe(probes);
        expect(host.vitalsRead.script).toBe(scripts);
        expect(host.connection).toBe('ok');
        // Its request pipe gone (a cleaner of /tmp), the vitals script reads them again: none is missed.
        const follower = followersOf(dir)[0]!;
        // The test sshd passes no TMPDIR or XDG_RUNTIME_DIR: the follower's folder is in /tmp.
        const pipeDir = readdirSync('/tmp').find((d) => d.startsWith(`vigil-f${follower}-`));
        expect(pipeDir).toBeDefined();
        rmSync(path.join('/tmp', pipeDir!, 'r'));
        await until(
          () => host.vitalsRead.script,
          (n) => n > scripts,
          15_000,
          'the vitals script to take over',
        );
        const snap = host.hostSnapshot(Date.now());
        expect(snap.vitalsNote ?? '').not.toMatch(/unavailable/);
        expect(snap.vitals?.memTotalBytes).toBeGreaterThan(0);
      } finally {
        await fleet.stop();
      }
    } finally {
      byPid.kill('SIGKILL');
      byMatch.kill('SIGKILL');
    }
  }, 90_000);

  it(
    'polls as before when the host says follow: false',
    () =>
      watching(
        line(1),
        async (fleet) => {
          await until(
            () => w(fleet),
            (x) => x.records === 1,
            10_000,
            'first record',
          );
          expect(fleet.hosts[0]!.followStatus()).toEqual({
            mode: 'poll',
            detail: 'follow: false in the config',
          });
          expect(fleet.hosts[0]!.tickEveryMs).toBe(1000);
        },
        { follow: false },
      ),
    30_000,
  );
});
