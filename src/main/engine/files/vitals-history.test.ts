import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vitalsSample } from '../../../../test/support/vitals-sample';
import type { VitalsSample } from '../judge';
import { HISTORY_BOUNDS, thinSamples, VitalsHistory } from './vitals-history';

const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-vhist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const S = 1000;
const H = 3_600_000;

function sample(t: number, oomKills = 0): VitalsSample {
  const pressure = {
    memorySome10: null,
    memoryFull10: null,
    cpuSome10: null,
    ioSome10: null,
    ioFull10: null,
  };
  return vitalsSample(t, {
    bootId: 'b',
    v: { memTotalBytes: 1, memAvailableBytes: 1, load1: 0, cpus: 1, oomKills, uptimeSeconds: 1, pressure },
    workers: { a: { rssBytes: 5, cpuPct: 1, gpuMemBytes: null } },
    pids: { a: [1, 2] },
  });
}

describe('thinning', () => {
  it('keeps the last day whole, one reading per 5 minutes for a week, nothing older', () => {
    const now = 10 * 24 * H;
    const every10s = Array.from({ length: (9 * 24 * H) / (10 * S) }, (_, i) => ({
      t: now - 9 * 24 * H + i * 10 * S,
    }));
    const kept = thinSamples(every10s, now, HISTORY_BOUNDS);
    const lastDay = kept.filter((s) => now - s.t <= 24 * H);
    const week = kept.filter((s) => now - s.t > 24 * H);
    expect(lastDay.length).toBe(8640);
    expect(week.length).toBe(6 * 24 * 12);
    expect(Math.min(...kept.map((s) => s.t))).toBeGreaterThanOrEqual(now - 7 * 24 * H);
  });
});

describe('the vitals history file', () => {
  it('survives a restart: what was appended is there again, pids excepted, a torn line skipped', async () => {
    const dir = path.join(root, 'restart');
    let now = 100 * H;
    const h = new VitalsHistory(dir, 'ec2/a10g', { everyMs: 10 * S, now: () => now });
    for (let i = 0; i < 5; i++) h.append(sample(now - (4 - i) * 10 * S, i));
    await h.flush();
    appendFileSync(h.file, '{"t": 12, "vit');
    // A name that is not a safe file name is made one, with a hash of the exact name (never two hosts in one file).
    expect(path.basename(h.file)).toMatch(/^ec2_a10g~[0-9a-f]{10}\.jsonl$/);
    now += 60 * S;
    const again = new VitalsHistory(dir, 'ec2/a10g', { everyMs: 10 * S, now: () => now });
    await again.restore();
    expect(again.recent().map((s) => s.vitals.oomKills)).toEqual([0, 1, 2, 3, 4]);
    expect(again.last()?.pids).toBeUndefined();
  });

  it('holds one hour in memory and thins the file when it outgrows its bound', async () => {
    const dir = path.join(root, 'bound');
    const bounds = { fullMs: 60 * S, thinEveryMs: 60 * S, keepMs: 10 * 60 * S, memoryMs: 30 * S };
    let now = 0;
    const h = new VitalsHistory(dir, 'gpu', { everyMs: 10 * S, bounds, now: () => now });
    for (let i = 0; i < 200; i++) {
      now = i * 10 * S;
      h.append(sample(now));
    }
    await h.flush();
    expect(h.recent().length).toBe(4); // 30 s back, both ends
    const lines = readFileSync(h.file, 'utf8').trim().split('\n').length;
    const bound = 60 / 10 + (10 * 60 - 60) / 60; // 15
    expect(lines).toBeLessThanOrEqual(Math.ceil(bound * 1.25) + 1);
  });

  it('read-only (`vigil status` beside the running app) never writes', async () => {
    const dir = path.join(root, 'ro');
    const h = new VitalsHistory(dir, 'x', { everyMs: 10 * S, readOnly: true });
    h.append(sample(Date.now()));
    await h.flush();
    expect(() => readFileSync(h.file)).toThrow();
    expect(h.last()).not.toBeNull();
  });
});
