// A host's vitals history in the data folder: one JSON line per reading, appended as it comes, so it
// survives restarts (the post-mortem of a silence that began while Vigil was closed, a reboot seen at the
// next start). Bounded: the last day at full cadence, then one reading per 5 minutes for a week, older
// dropped; the file is rewritten thinned when it outgrows that by a quarter. Only the last hour is held
// in memory (charts, rates, the post-mortem).

import { closeSync, promises as fs, writeSync } from 'node:fs';
import path from 'node:path';
import type { VitalsSample } from '../judge';
import { openInSync, writeAtomically } from './mirror';
import { localSegment } from './mirror-paths';

export interface HistoryBounds {
  /** Readings younger than this are all kept. */
  fullMs: number;
  /** Older ones are thinned to one per this. */
  thinEveryMs: number;
  /** Older than this are dropped. */
  keepMs: number;
  /** What stays in memory. */
  memoryMs: number;
}

export const HISTORY_BOUNDS: HistoryBounds = {
  fullMs: 24 * 3_600_000,
  thinEveryMs: 5 * 60_000,
  keepMs: 7 * 24 * 3_600_000,
  memoryMs: 3_600_000,
};

/** The readings to keep at `now` (oldest first): all of the last `fullMs`, one per stretch before. */
export function thinSamples<T extends { t: number }>(
  samples: readonly T[],
  now: number,
  b: HistoryBounds,
): T[] {
  const out: T[] = [];
  let lastBucket = Number.NEGATIVE_INFINITY;
  for (const s of samples) {
    const age = now - s.t;
    if (age > b.keepMs) continue;
    if (age <= b.fullMs) {
      out.push(s);
      continue;
    }
    const bucket = Math.floor(s.t / b.thinEveryMs);
    if (bucket !== lastBucket) out.push(s);
    lastBucket = bucket;
  }
  return out;
}

/** The most lines the file holds at the default cadence before it is thinned (10 s readings). */
function boundLines(b: HistoryBounds, everyMs: number): number {
  return Math.ceil(b.fullMs / everyMs + (b.keepMs - b.fullMs) / b.thinEveryMs);
}

/** What a line holds: the sample without what only lives in memory. */
function toLine(s: VitalsSample): string {
  const { pids: _p, gpusOf: _g, ...kept } = s;
  return `${JSON.stringify(kept)}\n`;
}

function fromLine(line: string): VitalsSample | null {
  try {
    const v = JSON.parse(line) as VitalsSample;
    return typeof v?.t === 'number' && typeof v.vitals === 'object' && v.vitals !== null ? v : null;
  } catch {
    return null; // a line cut by a crash
  }
}

export class VitalsHistory {
  readonly file: string;
  private memory: VitalsSample[] = [];
  private lines = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Why the file could not be written (the history then lives in memory only). */
  error: string | null = null;

  constructor(
    dir: string,
    host: string,
    private readonly opts: {
      everyMs: number;
      readOnly?: boolean;
      bounds?: HistoryBounds;
      now?: () => number;
    },
  ) {
    this.file = path.join(dir, 'vitals', `${localSegment(host)}.jsonl`);
  }

  private get bounds(): HistoryBounds {
    return this.opts.bounds ?? HISTORY_BOUNDS;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Reads the file (thinning it when it outgrew its bound) and keeps its last hour in memory. */
  async restore(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return; // no history yet
    }
    const all = text
      .split('\n')
      .filter((l) => l !== '')
      .map(fromLine)
      .filter((s): s is VitalsSample => s !== null)
      .sort((a, b) => a.t - b.t);
    const now = this.now();
    const kept = thinSamples(all, now, this.bounds);
    this.lines = kept.length;
    // The newest reading stays however old: it is what a post-mortem or a reboot check starts from.
    this.memory = kept.filter((s) => now - s.t <= this.bounds.memoryMs);
    if (this.memory.length === 0 && kept.length > 0) this.memory = [kept.at(-1)!];
    if (kept.length < all.length && !this.opts.readOnly) await this.rewrite(kept);
  }

  append(sample: VitalsSample): void {
    this.memory.push(sample);
    const cut = sample.t - this.bounds.memoryMs;
    let drop = 0;
    while (drop < this.memory.length && this.memory[drop]!.t < cut) drop++;
    if (drop > 0) this.memory.splice(0, drop);
    if (this.opts.readOnly) return;
    this.lines++;
    const line = toLine(sample);
    const compact = this.lines > boundLines(this.bounds, this.opts.everyMs) * 1.25;
    this.writing = this.writing.then(async () => {
      try {
        // Synchronously, as the mirrors are appended (files/mirror-appender.ts): a line into the page
        // cache costs microseconds; through fs/promises a mkdir and an open took 5 % of the engine's CPU
        // at 50 hosts.
        const fd = openInSync(this.file, 'a');
        try {
          writeSync(fd, line);
        } finally {
          closeSync(fd);
        }
        if (compact) await this.compact();
        this.error = null;
      } catch (e) {
        this.error = `cannot write the vitals history ${this.file}: ${(e as Error).message}`;
      }
    });
  }

  /** Readings held in memory (the last hour), oldest first, from `since` on. */
  recent(since = Number.NEGATIVE_INFINITY): VitalsSample[] {
    return this.memory.filter((s) => s.t >= since);
  }

  last(): VitalsSample | null {
    return this.memory.at(-1) ?? null;
  }

  /** Resolves once every append so far is on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  private async compact(): Promise<void> {
    const text = await fs.readFile(this.file, 'utf8');
    const all = text
      .split('\n')
      .map(fromLine)
      .filter((s): s is VitalsSample => s !== null);
    await this.rewrite(thinSamples(all, this.now(), this.bounds));
  }

  private async rewrite(kept: VitalsSample[]): Promise<void> {
    try {
      await writeAtomically(this.file, kept.map(toLine).join(''));
      this.lines = kept.length;
    } catch (e) {
      this.error = `cannot write the vitals history ${this.file}: ${(e as Error).message}`;
    }
  }
}
