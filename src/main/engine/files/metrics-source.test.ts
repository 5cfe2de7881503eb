import { promises as fsp, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkerConfig } from '../config';
import { PaceTracker } from '../judge';
import type { ProbeResult } from '../remote';
import { MetricsSource } from './metrics-source';

const read = async (p: string, offset: number, max: number) => {
  const fh = await fsp.open(p, 'r');
  const buf = Buffer.alloc(max);
  const { bytesRead } = await fh.read(buf, 0, max, offset);
  await fh.close();
  return new Uint8Array(buf.subarray(0, bytesRead));
};

function probeOf(pattern: string, files: string[]): ProbeResult {
  return {
    files: new Map(
      files.map((f) => {
        const s = statSync(f);
        return [
          f,
          { kind: 'ok', stat: { inode: s.ino, size: s.size, mtimeSec: Math.floor(s.mtimeMs / 1000) } },
        ] as const;
      }),
    ),
    globs: new Map([[pattern, files]]),
    pids: new Map(),
    patterns: new Map(),
    remoteNowSec: null,
    stray: [],
    error: null,
  };
}

describe('MetricsSource with a glob', () => {
  it('merges files in name order, even when an older-named file shows up later, and survives a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-'));
    const cfg = {
      name: 'W',
      host: 'h',
      dir,
      metrics: { path: 'part-*.jsonl' },
      sync: [],
    } as unknown as WorkerConfig;
    const mirror = mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-mirror-'));
    const rec = (e: number) => `${JSON.stringify({ epoch: e, loss: e / 10 })}\n`;
    const b = path.join(dir, 'part-b.jsonl');
    writeFileSync(b, rec(3) + rec(4));
    const src = new MetricsSource(cfg, mirror, new PaceTracker());
    const pattern = path.join(dir, 'part-*.jsonl');
    await src.update(probeOf(pattern, [b]), pattern, read, 1 << 20);
    expect(src.view().heldEpochs()).toEqual([3, 4]);

    const a = path.join(dir, 'part-a.jsonl');
    writeFileSync(a, rec(1) + rec(2));
    await src.update(probeOf(pattern, [a, b]), pattern, read, 1 << 20);
    expect(src.view().heldEpochs()).toEqual([1, 2, 3, 4]);
    expect(src.view().latest('loss')).toBe(0.4);

    const again = new MetricsSource(cfg, mirror, new PaceTracker());
    await again.restore(src.saved());
    expect(again.view().heldEpochs()).toEqual([1, 2, 3, 4]);
  });

  it('says so when nothing matches yet', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-'));
    const cfg = {
      name: 'W',
      host: 'h',
      dir,
      metrics: { path: 'events.*' },
      sync: [],
    } as unknown as WorkerConfig;
    const src = new MetricsSource(cfg, mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-m-')), new PaceTracker());
    const pattern = path.join(dir, 'events.*');
    const out = await src.update(probeOf(pattern, []), pattern, read, 1 << 20);
    expect(out.fileError).toBe(`no metrics file matches ${pattern}`);
  });

  it('gives each matched file its own mirror: names equal but for case, hostile names; kept across a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-'));
    const cfg = { name: 'W', host: 'h', dir, metrics: { path: 'm_*' }, sync: [] } as unknown as WorkerConfig;
    const mirror = mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-mirror-'));
    const files = ['m_Run.jsonl', 'm_run.jsonl', 'm_b\nC 1.jsonl', 'm_a:b.jsonl', 'm_a_b.jsonl'].map(
      (n, i) => {
        const f = path.join(dir, n);
        writeFileSync(f, `${JSON.stringify({ epoch: i + 1, loss: i })}\n`);
        return f;
      },
    );
    const pattern = path.join(dir, 'm_*');
    const src = new MetricsSource(cfg, mirror, new PaceTracker());
    await src.update(probeOf(pattern, files), pattern, read, 1 << 20);
    const names = readdirSync(mirror);
    expect(names).toHaveLength(5);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(5); // one file each, even on macOS
    expect(names).toContain('m_Run.jsonl'); // the first of two names that differ by case keeps its own
    expect(names).toContain('m_a_b.jsonl');
    expect(names.some((n) => n.includes('\n'))).toBe(false);
    const again = new MetricsSource(cfg, mirror, new PaceTracker());
    await again.restore(src.saved());
    // In remote-name order: m_Run, m_a:b, m_a_b, m_b⏎C 1, m_run.
    expect(again.view().heldEpochs()).toEqual([1, 4, 5, 3, 2]);
  });

  it("holds the worker's bound across all its files: 40 files of 2,000 records hold about it, not 40 times it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-'));
    const cfg = {
      name: 'W',
      host: 'h',
      dir,
      metrics: { path: 'part-*.jsonl' },
      sync: [],
    } as unknown as WorkerConfig;
    const files = Array.from({ length: 40 }, (_, i) => {
      const f = path.join(dir, `part-${String(i).padStart(2, '0')}.jsonl`);
      let text = '';
      for (let r = 0; r < 2000; r++) text += `{"step": ${i * 2000 + r}, "loss": ${r}}\n`;
      writeFileSync(f, text);
      return f;
    });
    const pattern = path.join(dir, 'part-*.jsonl');
    const src = new MetricsSource(
      cfg,
      mkdtempSync(path.join(os.tmpdir(), 'vigil-ms-m-')),
      new PaceTracker(),
      1000,
    );
    await src.update(probeOf(pattern, files), pattern, read, 1 << 20);
    const merged = src.view();
    expect(merged.count).toBe(80_000);
    const units = (src as unknown as { units: Map<string, { store: { held: number } }> }).units;
    const perFile = [...units.values()].reduce((n, u) => n + u.store.held, 0);
    expect(merged.held + perFile).toBeLessThanOrEqual(2 * 1000 + 40 * 8);
  });
});
