// Alert episodes outlive the process. Without this a restart (a crash, a `kill -9`, an upgrade of
// `vigil serve`) would open every ongoing episode again and tell a stall twice, under a new key that no
// receiver could recognise as the same alert. Written only when an episode changes, after the alerts of
// that evaluation were handed on (the relay's outbox has them before this file says they were sent).

import path from 'node:path';
import { readJson, writeAtomically } from '../files';
import type { AlertState } from '../judge';

const FILE = 'alert-episodes.json';

interface Saved {
  version: 1;
  workers: Record<string, AlertState>;
}

export class AlertMemory {
  private saving: Promise<void> = Promise.resolve();
  private pending = false;

  private constructor(
    private readonly file: string,
    readonly restored: Map<string, AlertState>,
  ) {}

  /** The saved episodes of the workers still configured (a corrupt or missing file: none). */
  static async load(dataDir: string, workers: readonly string[]): Promise<AlertMemory> {
    const file = path.join(dataDir, FILE);
    const saved = await readJson<Saved>(file);
    const restored = new Map<string, AlertState>();
    if (saved?.version === 1 && saved.workers && typeof saved.workers === 'object') {
      for (const name of workers) {
        const s = saved.workers[name];
        if (s && typeof s === 'object' && typeof s.finishedAnnounced === 'boolean') restored.set(name, s);
      }
    }
    return new AlertMemory(file, restored);
  }

  /**
   * Saves the states once the current microtasks ran (the alerts' listeners queue theirs first), and
   * coalesces: one write in flight, one more after it with the newest states.
   */
  save(states: () => Map<string, AlertState>): void {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.saving = this.saving.then(async () => {
        this.pending = false;
        const saved: Saved = { version: 1, workers: Object.fromEntries(states()) };
        await writeAtomically(this.file, JSON.stringify(saved)).catch(() => {
          // A full disk is reported by the mirror; losing this costs at most a repeated alert.
        });
      });
    });
  }

  /** Resolves when every save asked for so far is on disk. */
  flushed(): Promise<void> {
    return new Promise((resolve) => queueMicrotask(() => void this.saving.then(resolve)));
  }
}

/** True when a step changed what must survive a restart. */
export function episodeChanged(a: AlertState, b: AlertState): boolean {
  return (
    a.open !== b.open ||
    a.episode !== b.episode ||
    a.finishedAnnounced !== b.finishedAnnounced ||
    a.lastNotifiedAt !== b.lastNotifiedAt
  );
}
