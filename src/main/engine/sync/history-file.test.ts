import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSyncHistory, mergeSyncHistory, saveSyncHistory } from './history-file';
import type { SyncHistory } from './manager';

const entry = (to: string, at: number): SyncHistory[string] => ({
  to,
  last: { ok: true, severity: 'ok', failure: null, message: 'ok', bytes: 1, durationMs: 1 } as never,
  lastSyncAt: at,
  lastOkAt: at,
});

describe('the sync history file', () => {
  it('vigil sync beside the app keeps the entries the app saved meanwhile', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-sync-history-'));
    await saveSyncHistory(dir, { 'A/0': entry('/a', 1), 'B/0': entry('/b', 1) });
    // The app saves a newer B while `vigil sync A` runs with what it read before.
    await saveSyncHistory(dir, { 'A/0': entry('/a', 1), 'B/0': entry('/b', 50) });
    await mergeSyncHistory(dir, { 'A/0': entry('/a', 60) });
    const h = await loadSyncHistory(dir);
    expect(h['A/0']!.lastSyncAt).toBe(60);
    expect(h['B/0']!.lastSyncAt).toBe(50);
  });
});
