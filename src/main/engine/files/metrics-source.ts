// A worker's metrics: one file, or every file matching a glob (a run directory whose restarts each
// wrote an event file; a logdir whose new files appear over time). Each file is followed into its own
// mirror and parser; records are shown merged in file-name order (TensorBoard names sort by time).

import path from 'node:path';
import { formatBytes } from '../../../shared/human';
import type { MetricRecord } from '../../../shared/model';
import { folderKey, hashedSegment, type WorkerConfig } from '../config';
import type { PaceTracker } from '../judge';
import type { FileFacts } from '../parse';
import { FORMATS } from '../parse';
import { METRICS_HELD, RECORDS_HELD, RecordStore, StepUnfolder } from '../records';
import { isGlob, notRegularMessage, type ProbeResult, type RemoteFileStat } from '../remote';
import { MetricsStream } from './metrics-stream';
import { localSegment, mirrorRelativePath } from './mirror-paths';
import { type ReadRange, type SavedCursor, TrackedFile } from './tracked-file';

/**
 * Saved cursors: the single file's, or each globbed file's by its remote path, with the name of its
 * mirror in the glob's folder (absent in states saved before names were chosen: the remote name).
 */
export type SavedMetrics = {
  single?: SavedCursor;
  files?: Record<string, SavedCursor & { mirror?: string }>;
};

interface Unit {
  id: string;
  /** For a globbed file: its mirror's name in the glob's folder. */
  mirrorName: string;
  /** What the file is when it is mostly holes (see sparseNote), else null. */
  sparse: string | null;
  stream: MetricsStream;
  file: TrackedFile;
  store: RecordStore;
  /** The file's step counter as the run's step (a counter that restarts every epoch is carried on). */
  steps: StepUnfolder;
}

/**
 * The metrics file's bytes passed on to a log's tail, when the metrics file is the worker's log (a text
 * log read for its metrics): `always`, or only once it reads as a text log (not a CSV or JSON lines).
 */
export interface LogTee {
  bytes(chunk: Uint8Array): void;
  reset(): void;
  always: boolean;
}

const LOG_FORMATS = new Set(['text', 'regex']);

/** Told of every record as it is read (its number in its file, from 1), and when a file starts over. */
export interface RecordObserver {
  record(rec: MetricRecord, n: number): void;
  reset(): void;
}

export interface MetricsSourceExtras {
  /** The single file's bytes as the worker's log too (see LogTee). */
  tee?: LogTee | null;
  observer?: RecordObserver | null;
}

export interface FollowedFile {
  path: string;
  /** Rewritten whole at each save (its changes are told, its bytes read whole). */
  whole: boolean;
  /** Where its mirror stands; null before it was first read. */
  position: { inode: number | null; offset: number; tail: Uint8Array; mtimeSec: number | null } | null;
}

export interface MetricsUpdate {
  more: boolean;
  changed: boolean;
  fileError: string | null;
  localError: string | null;
}

export class MetricsSource {
  /** Every record, merged in file order. */
  readonly records: RecordStore;
  readonly glob: boolean;
  /** The mirror of the single file, or the folder of a glob's mirrors. */
  readonly mirrorPath: string;
  /** Newest mtime (remote clock, s) among the files. */
  lastMtimeSec: number | null = null;
  private readonly units = new Map<string, Unit>();
  private mergedStale = false;
  /** Pace comes from the records' own times when they carry one, else from the files' mtimes. */
  private recordsCarryTime = false;

  constructor(
    private readonly cfg: WorkerConfig,
    mirrorDir: string,
    private readonly pace: PaceTracker,
    /** Rows each store holds in memory (see RecordStore); the mirror on disk keeps every byte. */
    private readonly recordsHeld = RECORDS_HELD,
    private readonly extras: MetricsSourceExtras = {},
  ) {
    this.records = new RecordStore(recordsHeld);
    this.glob = isGlob(path.posix.basename(cfg.metrics.path));
    const mirrored = mirrorRelativePath(cfg.dir, mirrorSource(cfg.dir, cfg.metrics.path));
    this.mirrorPath = path.join(mirrorDir, this.glob ? path.dirname(mirrored) : mirrored);
    if (!this.glob) this.units.set('', this.makeUnit('', path.join(mirrorDir, mirrored), this.records));
  }

  /** The format the config forces, if any. */
  private get forced(): string | undefined {
    return this.cfg.metrics.format ?? (this.cfg.metrics.regex ? 'regex' : undefined);
  }

  /** Whether a file of this name is rewritten whole at each save (trainer_state.json), by format. */
  private wholeFile(fileName: string): boolean {
    const forced = this.forced;
    return FORMATS.some((f) => f.wholeFile && (forced ? f.id === forced : f.byName(fileName) >= 0.9));
  }

  private makeUnit(id: string, mirror: string, store: RecordStore): Unit {
    const mirrorName = path.basename(mirror);
    const fileName = path.posix.basename(id || this.cfg.metrics.path);
    const forced = this.forced;
    const unit: Unit = {
      id,
      mirrorName,
      sparse: null,
      store,
      steps: new StepUnfolder(),
      stream: new MetricsStream({
        fileName,
        format: forced,
        regex: this.cfg.metrics.regex,
        onRecords: (records) => this.take(unit, records),
        onReset: () => {
          unit.store.clear();
          unit.steps = new StepUnfolder();
          this.extras.observer?.reset();
          if (unit.store === this.records) this.pace.reset();
          this.mergedStale = true;
        },
      }),
      file: undefined as unknown as TrackedFile,
    };
    const whole = this.wholeFile(fileName);
    const tee = id === '' && !whole ? (this.extras.tee ?? null) : null;
    const consumer = tee
      ? {
          bytes: (chunk: Uint8Array) => {
            unit.stream.bytes(chunk);
            if (tee.always || LOG_FORMATS.has(unit.stream.format ?? '')) tee.bytes(chunk);
          },
          reset: (reason: string) => {
            unit.stream.reset(reason);
            tee.reset();
          },
        }
      : unit.stream;
    unit.file = new TrackedFile(mirror, consumer, whole ? 'whole' : 'append');
    return unit;
  }

  private take(unit: Unit, records: MetricRecord[]): void {
    const observer = this.extras.observer;
    const first = unit.store.count + 1;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      unit.steps.apply(r);
      observer?.record(r, first + i);
      if (r.time === null) continue;
      this.recordsCarryTime = true;
      this.pace.observe(r.time);
    }
    if (unit.store === this.records) {
      this.records.add(records);
      return;
    }
    unit.store.add(records);
    // Appends to the newest file (the usual case) extend the merged view; anything else rebuilds it.
    const ids = [...this.units.keys()].sort();
    if (!this.mergedStale && ids.at(-1) === unit.id) this.records.add(records);
    else this.mergedStale = true;
  }

  /** Brings the merged view up to date (after a reset, or records in an older file). */
  private merge(): void {
    if (!this.mergedStale || !this.glob) return;
    this.records.clear();
    for (const id of [...this.units.keys()].sort()) this.records.appendStore(this.units.get(id)!.store);
    this.mergedStale = false;
  }

  /** Flushes every mirror to disk and closes it. */
  async close(): Promise<void> {
    await Promise.all([...this.units.values()].map((u) => u.file.close()));
  }

  /** The pace is learned from the records' own times (then it is rebuilt from the mirror at restore). */
  get paceFromRecords(): boolean {
    return this.recordsCarryTime;
  }

  view(): RecordStore {
    this.merge();
    return this.records;
  }

  async restore(saved: SavedMetrics | undefined): Promise<void> {
    if (!this.glob) {
      const u = this.units.get('')!;
      await u.file.restore(saved?.single ?? null);
      u.stream.settle();
      this.lastMtimeSec = u.file.lastMtimeSec;
      return;
    }
    for (const id of Object.keys(saved?.files ?? {}).sort()) {
      const s = saved!.files![id]!;
      const u = this.unitFor(id, s.mirror ?? path.posix.basename(id));
      await u.file.restore(s);
      u.stream.settle();
      this.noteMtime(u.file.lastMtimeSec);
    }
  }

  /**
   * A globbed file's unit, made on first sight. Its mirror is named once and saved with its cursor: the
   * file's own name when safe and no other file's mirror has it (as macOS compares names: `Events.1`
   * and `events.1` are one file there), else its readable part and a hash of its remote path.
   */
  private unitFor(id: string, savedName?: string): Unit {
    let u = this.units.get(id);
    if (!u) {
      const taken = new Set([...this.units.values()].map((x) => folderKey(x.mirrorName)));
      let name = savedName ?? localSegment(path.posix.basename(id));
      if (savedName === undefined && taken.has(folderKey(name))) name = hashedSegment(id);
      u = this.makeUnit(id, path.join(this.mirrorPath, name), new RecordStore(this.recordsHeld));
      this.units.set(id, u);
      this.mergedStale = true;
      // The worker's bound holds across its files: each file's own store gets an equal part of it (400
      // files of 20,000 records had held 10,000 each, 1.3 GB); the merged view holds the bound itself.
      const share = Math.floor(this.recordsHeld / this.units.size);
      for (const x of this.units.values()) x.store.setMaxHeld(share);
    }
    return u;
  }

  private noteMtime(sec: number | null): void {
    if (sec !== null && (this.lastMtimeSec === null || sec > this.lastMtimeSec)) this.lastMtimeSec = sec;
  }

  saved(): SavedMetrics {
    if (!this.glob) return { single: this.units.get('')!.file.saved() };
    const files: Record<string, SavedCursor & { mirror?: string }> = {};
    for (const [id, u] of this.units) files[id] = { ...u.file.saved(), mirror: u.mirrorName };
    return { files };
  }

  /**
   * The files a follower should watch for these metrics (the single file, or the glob's matches in
   * `probe`), each with where its mirror stands and whether it is appended to or rewritten whole.
   */
  followed(probe: ProbeResult, target: string): FollowedFile[] {
    const paths = this.glob ? (probe.globs.get(target) ?? []) : [target];
    return paths.map((remote) => {
      const file = this.units.get(this.glob ? remote : '')?.file;
      const whole = file ? file.mode === 'whole' : this.wholeFile(path.posix.basename(remote));
      return { path: remote, whole, position: file?.position() ?? null };
    });
  }

  /** `target` is the absolute remote path, or the absolute glob pattern. */
  async update(
    probe: ProbeResult,
    target: string,
    read: ReadRange,
    maxBytes: number,
  ): Promise<MetricsUpdate> {
    const out: MetricsUpdate = { more: false, changed: false, fileError: null, localError: null };
    const paths = this.glob ? (probe.globs.get(target) ?? []) : [target];
    if (this.glob && paths.length === 0) {
      // Files already read stay shown: a run directory that was cleaned up loses nothing here.
      out.fileError = this.units.size === 0 ? `no metrics file matches ${target}` : null;
      return out;
    }
    // The bytes a poll may bring are the worker's, not each file's: a glob of 400 files shares them.
    const perFile = Math.max(MIN_BYTES_PER_FILE, Math.floor(maxBytes / paths.length));
    for (const remote of paths) {
      const p = probe.files.get(remote);
      if (!p || p.kind === 'missing') out.fileError = `metrics file not found: ${remote}`;
      else if (p.kind === 'unreadable')
        out.fileError = `metrics file is not readable (permission denied): ${remote}`;
      else if (p.kind === 'not-regular') out.fileError = notRegularMessage(remote, p.what);
      else if (p.kind === 'error') out.fileError = `cannot stat ${remote}: ${p.message}`;
      if (p?.kind !== 'ok') continue;
      const u = this.glob ? this.unitFor(remote) : this.units.get('')!;
      u.sparse = sparseNote(path.posix.basename(remote), p.stat);
      try {
        const r = await u.file.sync(remote, p.stat, read, perFile);
        if (r.bytes > 0 || r.reset) out.changed = true;
        if (r.bytes > 0 && !this.recordsCarryTime) this.pace.observe(p.stat.mtimeSec * 1000);
        if (!r.more) u.stream.settle();
        if (this.glob) this.noteMtime(p.stat.mtimeSec);
        else this.lastMtimeSec = p.stat.mtimeSec;
        out.more ||= r.more;
      } catch (e) {
        const err = e as Error & { kind?: string };
        if (err.name === 'LocalStoreError') out.localError = err.message;
        else if (err.name === 'SshError' && err.kind === 'lost') throw e;
        else out.fileError = `cannot read ${remote}: ${err.message}`;
      }
    }
    return out;
  }

  /** What the files say beyond numbers (totals, completion), the first that says it. */
  facts(): FileFacts {
    const merged: FileFacts = {};
    for (const id of [...this.units.keys()].sort()) {
      const f = this.units.get(id)!.stream.facts();
      merged.totalEpochs ??= f.totalEpochs;
      merged.totalSteps ??= f.totalSteps;
      if (f.completed) merged.completed = true;
    }
    return merged;
  }

  /** What happened to the files that the numbers alone do not show (started over, lines skipped). */
  note(): string | null {
    const notes: string[] = [];
    for (const id of [...this.units.keys()].sort()) {
      const u = this.units.get(id)!;
      if (u.sparse) notes.push(u.sparse);
      const n = u.stream.note();
      if (n) notes.push(id ? `${path.posix.basename(id)}: ${n}` : n);
    }
    const d = this.view().droppedMetrics();
    if (d.values > 0) {
      const which = d.example ? ` (such as "${d.example}")` : '';
      notes.push(`${d.values} values of metric names past the first ${METRICS_HELD} dropped${which}`);
    }
    return notes.length > 0 ? notes.join('; ') : null;
  }

  get format(): string | null {
    for (const u of this.units.values()) if (u.stream.format) return u.stream.format;
    return null;
  }

  /**
   * Why the metrics cannot be read (bad forced format, bad regex, unknown format), or why a file stopped
   * being read (a corrupt TensorBoard record length): shown, never silently nothing.
   */
  get configError(): string | null {
    for (const u of this.units.values()) {
      const why = u.stream.error ?? u.stream.facts().error;
      if (why) return u.id ? `${u.id}: ${why}` : why;
    }
    return null;
  }
}

const SPARSE_MIN_BYTES = 64 << 20;
const MIN_BYTES_PER_FILE = 64 << 10;

/**
 * A file mostly made of holes (2 GB long, a few KB on disk): what a log truncated under a writer that
 * kept its offset looks like. It is read like any file (its holes read as zeros, which no parser takes
 * for data), its runs of zeros stay holes in the mirror, and this says what it is.
 */
export function sparseNote(name: string, stat: RemoteFileStat): string | null {
  if (stat.allocated === undefined || stat.size < SPARSE_MIN_BYTES || stat.allocated >= stat.size / 8)
    return null;
  return (
    `${name} is a sparse file: ${formatBytes(stat.size)} long, ${formatBytes(stat.allocated)} of it on disk, ` +
    'the rest zeros (truncated under a writer that kept its offset?); the zeros are skipped, and kept as holes in the mirror'
  );
}

/** The path used to name a file's mirror: relative to dir when it is, else absolute as written. */
export function mirrorSource(dir: string, p: string): string {
  if (p.startsWith('/') || p.startsWith('~')) return p;
  return `${dir.replace(/\/+$/, '')}/${p}`;
}
