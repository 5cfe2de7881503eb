// The outbox file (`outbox.jsonl` in the data folder): every record appended and fsynced before the
// call returns, so an alert is on disk before its first delivery starts and a delivery is on disk
// before the next one starts. Synchronous on purpose: records are rare (alerts, not metrics), small,
// and their order on disk must be the order they happened in. Compaction rewrites the file atomically.

import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import {
  applyRecord,
  compacted,
  type DropReason,
  OUTBOX_MAX_ALERTS,
  type OutboxEntry,
  type OutboxRecord,
  type OutboxState,
  overflow,
  replay,
  shouldCompact,
} from './outbox-log';
import type { RelayAlert } from './types';

export const OUTBOX_FILE = 'outbox.jsonl';

export class Outbox {
  private fd: number;
  private records: number;

  private constructor(
    readonly file: string,
    private readonly state: OutboxState,
    records: number,
    private readonly max: number,
  ) {
    this.records = records;
    this.fd = openSync(file, 'a');
  }

  /** Opens (or creates) the outbox in `dataDir` and replays it: the deliveries still owed. */
  static open(dataDir: string, max?: number): Outbox {
    const file = path.join(dataDir, OUTBOX_FILE);
    let text = '';
    if (existsSync(file)) {
      text = readFileSync(file, 'utf8');
      // A crash mid-append leaves a line without its newline: cut it, or the next record would join it.
      const end = text.lastIndexOf('\n') + 1;
      if (end < Buffer.byteLength(text)) {
        const fd = openSync(file, 'r+');
        try {
          ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        text = text.slice(0, end);
      }
    }
    const { state, records } = replay(text);
    return new Outbox(file, state, records, max ?? OUTBOX_MAX_ALERTS);
  }

  /** Alerts still owed to some target, oldest first. */
  entries(): OutboxEntry[] {
    return [...this.state.entries.values()];
  }

  get(key: string): OutboxEntry | undefined {
    return this.state.entries.get(key);
  }

  dropped(): Readonly<Record<string, number>> {
    return this.state.dropped;
  }

  /**
   * Adds an alert owed to `targets` (none: nothing to do). The oldest alerts are dropped first when the
   * outbox is full; returns them. An alert whose key is already waiting is not added twice.
   */
  add(alert: RelayAlert, targets: string[], now: number): OutboxEntry[] {
    if (targets.length === 0 || this.state.entries.has(alert.key)) return [];
    const dropped: OutboxEntry[] = [];
    for (const key of overflow(this.state, this.max)) {
      dropped.push(this.state.entries.get(key)!);
      this.write({ op: 'drop', key, target: null, why: 'outbox full' });
    }
    this.write({ op: 'add', alert, targets, queuedAt: now });
    return dropped;
  }

  sent(key: string, target: string, now: number): void {
    if (this.state.entries.get(key)?.pending.includes(target))
      this.write({ op: 'sent', key, target, at: now });
  }

  drop(key: string, target: string, why: DropReason): void {
    if (this.state.entries.get(key)?.pending.includes(target)) this.write({ op: 'drop', key, target, why });
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Set when a record could not be written (a full disk): delivery goes on from memory meanwhile. */
  writeError: string | null = null;

  private write(r: OutboxRecord): void {
    if (this.fd < 0) throw new Error('the outbox is closed');
    try {
      writeSync(this.fd, `${JSON.stringify(r)}\n`);
      fsyncSync(this.fd);
      this.writeError = null;
    } catch (e) {
      // Better sent without a durable record than not sent: the alert is still delivered from memory.
      this.writeError = `${this.file}: ${(e as Error).message}`;
    }
    applyRecord(this.state, r);
    this.records++;
    if (shouldCompact(this.records, this.state)) this.compact();
  }

  /** Rewrites the file with only what is still owed: temp file, fsync, rename, fsync the folder. */
  private compact(): void {
    const records = compacted(this.state);
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    try {
      const dir = openSync(path.dirname(this.file), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch {
      // Some platforms cannot fsync a folder; the rename is still atomic.
    }
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.records = records.length;
  }

  /** Bytes on disk (tests, and the bench). */
  size(): number {
    return this.fd < 0 ? 0 : fstatSync(this.fd).size;
  }
}
