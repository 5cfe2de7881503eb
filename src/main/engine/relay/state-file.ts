// The relay's target states outlive the process in `relay-state.json`, so `vigil status` (another
// process, or a later one) can say that alerts are not getting through, and why. Never holds a secret:
// what it stores is what the UI shows, already redacted.

import path from 'node:path';
import type { RelayTargetState } from '../../../shared/model';
import { readJson, writeAtomically } from '../files';

const FILE = 'relay-state.json';

export interface SavedRelayState {
  /** When the engine wrote it. */
  savedAt: string;
  targets: RelayTargetState[];
}

export async function loadRelayState(dataDir: string): Promise<SavedRelayState | null> {
  const saved = await readJson<SavedRelayState>(path.join(dataDir, FILE));
  return saved && Array.isArray(saved.targets) ? saved : null;
}

/** Coalesced atomic writes: one in flight, then one more with the newest states. */
export class RelayStateFile {
  private chain: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(private readonly dataDir: string) {}

  save(states: () => RelayTargetState[]): void {
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain.then(async () => {
      this.queued = false;
      const saved: SavedRelayState = { savedAt: new Date().toISOString(), targets: states() };
      await writeAtomically(path.join(this.dataDir, FILE), JSON.stringify(saved)).catch(() => {
        // Only `vigil status` reads it; the running engine's own state is in memory.
      });
    });
  }

  flushed(): Promise<void> {
    return this.chain;
  }
}
