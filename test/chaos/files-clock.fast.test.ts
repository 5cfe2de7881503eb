// The remote clock an hour ahead or behind. The remote stamps its files with its own clock, so a
// naive "now − mtime" says a healthy run stalled an hour ago (clock behind) or that a dead run made
// progress in the future (clock ahead: a stall never seen). Vigil measures the offset from the remote
// `date` and corrects. The engine runs for real (real probe script in a local sh, real reads) on a
// fake clock; the "remote" answers `date` and stamps mtimes with that clock plus the skew.

import { appendFileSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/main/engine/config/load';
import { Fleet } from '../../src/main/engine/fleet/fleet';
import type { ResolvedHost } from '../../src/main/engine/ssh/types';
import { FakeClock } from '../support/fake-clock';
import { localConnector } from '../support/local-connector';
import { recordPass, rssMb } from './table';

const MIN = 60_000;
const HOUR = 60 * MIN;
const STALL = 5 * MIN;
const POLL = 30_000;

async function run(skewMs: number) {
  const clock = new FakeClock();
  const remoteClock = { now: () => clock.now() + skewMs, setTimeout: clock.setTimeout.bind(clock) };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-chaos-skew-'));
  const files = { skewed: path.join(dir, 'skewed.jsonl'), healthy: path.join(dir, 'healthy.jsonl') };
  let epoch = 0;
  /** The remote trainer writes a record; the remote file system stamps it with the remote clock. */
  const write = (file: string, e: number) => {
    appendFileSync(file, `${JSON.stringify({ epoch: e, loss: 1 / e })}\n`);
    const t = remoteClock.now() / 1000;
    utimesSync(file, t, t);
  };
  writeFileSync(files.skewed, '');
  writeFileSync(files.healthy, '');
  const config = parseConfig(
    `poll: 30s
hosts: { gpu: { hostname: localhost } }
workers:
  - { name: Skewed, host: gpu, dir: ${dir}, metrics: skewed.jsonl, stallAfter: 5m }
  - { name: Healthy, host: gpu, dir: ${dir}, metrics: healthy.jsonl, stallAfter: 5m }
`,
    'config.yaml',
  );
  const fleet = await Fleet.create({
    config,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'vigil-chaos-skew-data-')),
    connector: localConnector(remoteClock),
    clock,
    resolveHost: async () => ({ name: 'gpu' }) as ResolvedHost,
  });
  const advance = (ms: number) => clock.advance(ms, () => fleet.whenIdle());
  const status = (name: string) => fleet.snapshot().workers.find((w) => w.name === name)!;
  fleet.start();

  // 20 minutes of healthy training, a record a minute: never stalled, never late.
  const seen = new Set<string>();
  let lastWriteAt = 0;
  for (let i = 0; i < 20; i++) {
    epoch++;
    lastWriteAt = clock.now();
    write(files.skewed, epoch);
    write(files.healthy, epoch);
    for (let k = 0; k < 2; k++) {
      await advance(POLL);
      seen.add(status('Skewed').status);
      expect(status('Healthy').status).toBe('running');
    }
  }
  const progressAt = Date.parse(status('Skewed').lastProgressAt!);
  // Then the skewed run dies silently (its last record was at lastWriteAt); the healthy one goes on.
  let stalledAt: number | null = null;
  const before: string[] = [];
  for (let t = 0; t < 12 * MIN; t += POLL) {
    write(files.healthy, ++epoch);
    await advance(POLL);
    const s = status('Skewed').status;
    if (s === 'stalled' && stalledAt === null) stalledAt = clock.now();
    if (stalledAt === null) before.push(s);
    expect(status('Healthy').status).toBe('running');
  }
  await fleet.stop();
  return { seen, stalledAt, lastWriteAt, before, progressErrMs: Math.abs(progressAt - lastWriteAt) };
}

describe('remote clock skew', () => {
  for (const [label, skew] of [
    ['an hour ahead', HOUR],
    ['an hour behind', -HOUR],
  ] as const) {
    it(`remote clock ${label}: no false stall while it trains, the stall seen within its threshold once it stops`, async () => {
      const rss0 = rssMb();
      const r = await run(skew);
      // No false stall (nor "late") during 20 minutes of steady progress.
      expect([...r.seen]).toEqual(['running']);
      // The last progress is placed on the local clock where it really happened: the mtime is whole
      // seconds, read as the middle of its second (±0.5 s), and the remote clock is read to the ms (plus
      // half a round trip; 0.5 s more where `date` has no %N).
      expect(r.progressErrMs).toBeLessThanOrEqual(1000);
      // No missed stall: flagged after the threshold, within a poll and an evaluation of it.
      expect(r.stalledAt).not.toBeNull();
      const detect = r.stalledAt! - r.lastWriteAt;
      expect(detect).toBeGreaterThan(STALL);
      expect(detect).toBeLessThanOrEqual(STALL + 2 * POLL);
      expect(r.before.every((s) => s === 'running' || s === 'late')).toBe(true);
      recordPass({
        fault: `remote clock ${label} (±3600 s)`,
        expected: 'no false stall in 20 min of progress; stall flagged 5 min (+ a poll) after it stops',
        observed: `statuses while training: ${[...r.seen].join(',')}; stalled ${(detect / 1000).toFixed(0)} s after the last record (fake clock)`,
        detectionMs: detect,
        rssBeforeMb: rss0,
      });
    });
  }
});
