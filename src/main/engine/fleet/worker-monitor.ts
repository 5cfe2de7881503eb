// Everything Vigil knows about one worker: its files followed into the mirror, its records, its
// process, its pace. Turns a host probe into updated facts; never throws into the other workers.

import path from 'node:path';
import { countedEpoch } from '../../../shared/epoch';
import { chooseLossMetric } from '../../../shared/loss';
import type { ProcessState, WorkerSnapshot } from '../../../shared/model';
import { type WorkerConfig, workerFolders } from '../config';
import {
  type FollowedFile,
  MetricsSource,
  type ReadRange,
  readJson,
  type SavedCursor,
  type SavedMetrics,
  type TrackedFile,
  writeAtomically,
} from '../files';
import {
  DEFAULT_DIVERGE,
  type DivergenceFact,
  evaluateHealth,
  type Health,
  LossWatch,
  PaceTracker,
  ProgressLog,
  type SlowdownState,
  thresholds,
  type WorkerFacts,
} from '../judge';
import type { LogScanner } from '../parse';
import { type Clock, systemClock } from '../ports';
import type { RecordStore } from '../records';
import { notRegularMessage, type ProbeResult, splitGlob } from '../remote';
import { remotePath } from '../ssh';
import { type Outlook, outlook, PaceMemo } from './outlook';
import { PathHints } from './path-hints';
import { workerLog } from './worker-log';

export interface HostView {
  name: string;
  connection: WorkerFacts['connection'];
  connectionReason: string | null;
  lastContactAt: number | null;
  /** While a follower streams this host's files: when it last spoke (its files were checked). */
  followHeardAt?: number | null;
  /** remote clock − local clock, ms. */
  clockOffsetMs: number;
  contactStaleAfterMs: number;
  contactOverdueAfterMs: number;
}

export interface RemotePaths {
  /** The metrics file, or the glob pattern when its file name has wildcards. */
  metrics: string;
  metricsIsGlob: boolean;
  log: string | null;
  pidFile: string | null;
}

interface SavedWorker {
  version: 1;
  /** Before multi-file runs: the single metrics file's cursor. */
  metrics?: SavedCursor;
  metricsSource?: SavedMetrics;
  log?: SavedCursor;
  /** Intervals (ms) between the metrics file's mtimes as they grew, when its records carry no time. */
  pace?: number[];
}

const STATE_FILE = '.vigil-state.json';
const STATE_SAVE_EVERY_MS = 5 * 60_000;

/**
 * What of the saved state must reach the disk at once when it changes: the files the cursors follow
 * (inode, generation), not how far (the mirror says how far), and the learned pace, coarsely. A string,
 * built at every append: cheaper than serialising the cursors.
 */
function identities(m: SavedMetrics, log: SavedCursor | undefined, paceBucket: number | null): string {
  const one = (c: SavedCursor | undefined) => (c ? `${c.inode}:${c.generation}` : '-');
  let id = `${paceBucket}|${one(log)}|${one(m.single)}`;
  for (const [k, c] of Object.entries(m.files ?? {})) id += `|${JSON.stringify(k)}=${one(c)}`;
  return id;
}

export class WorkerMonitor {
  readonly pace = new PaceTracker();
  readonly mirrorDir: string;
  private readonly metrics: MetricsSource;
  private readonly logScanner: LogScanner | null;
  private readonly logFile: TrackedFile | null;
  private readonly statePath: string;
  private remote: RemotePaths | null = null;

  fileError: string | null = null;
  localError: string | null = null;
  logError: string | null = null;
  process: ProcessState;
  processDetail: string | null = null;
  /** Local time of the probe whose answer this worker last finished applying (see WorkerFacts). */
  progressCheckedAt: number | null = null;
  /** Bytes were left to read at the last answer (a back-fill under way): a recovery waits for them. */
  catchingUp = false;
  private seenRunning = false;
  private dirty = false;
  private savedIdentity = '';
  private savedAt = 0;
  private readonly hints = new PathHints();
  /** Every loss-like metric's divergence, kept up to date as records are read (judge/divergence.ts). */
  private readonly lossWatch: LossWatch;
  /** The share of the run a rise must last; false: never judged diverged (`diverge: false`). */
  private readonly divergeShare: number | false;
  /** Recent progress points for the forecast and the slowdown (judge/forecast.ts). */
  readonly progress = new ProgressLog();
  /** Records when the last time-less point was taken (see samplePoint). */
  private sampledRecords = 0;
  slowdown: SlowdownState | null = null;
  /** The current pace of its peers (same host, same steps per epoch), set by the Fleet. */
  peerRates: number[] = [];
  /** Its own pace at the last snapshot, for its peers (fleet/peers.ts). */
  lastPace: { rate: number | null; stepsPerEpoch: number | null } = { rate: null, stepsPerEpoch: null };
  /** Its forecast and paces: worked out again at most every PACE_REFRESH_MS while its log grows (outlook.ts). */
  private readonly paceMemo = new PaceMemo();

  constructor(
    readonly cfg: WorkerConfig,
    dataDir: string,
    /** Records held in memory for the charts (default RECORDS_HELD); the mirror keeps them all. */
    recordsHeld?: number,
    /** Paces the saving of cursors. */
    private readonly clock: Clock = systemClock,
    /**
     * Another data folder whose saved pace to learn from when this one has none: `vigil status` reads
     * into a private folder while the app owns the data folder, and judges with the app's pace.
     */
    private readonly paceFrom: string | null = null,
    /** Its folder among the config's workers (workerFolders); alone, its name decides it. */
    private readonly folder = workerFolders([cfg.name]).get(cfg.name)!,
  ) {
    this.mirrorDir = path.join(dataDir, 'mirror', folder);
    this.statePath = path.join(this.mirrorDir, STATE_FILE);
    const log = workerLog(cfg, this.mirrorDir);
    this.logScanner = log.scanner;
    this.logFile = log.file;
    const diverge = cfg.diverge === false ? null : { ...DEFAULT_DIVERGE, ...cfg.diverge };
    this.divergeShare = diverge === null ? false : diverge.share;
    const watch = new LossWatch(diverge?.factor ?? DEFAULT_DIVERGE.factor, cfg.metrics.loss);
    this.lossWatch = watch;
    this.metrics = new MetricsSource(cfg, this.mirrorDir, this.pace, recordsHeld, {
      tee: log.tee,
      observer: {
        record: (r, n) => {
          watch.observe(r, n);
          if (r.time !== null) this.progress.add({ t: r.time, step: r.step, epoch: r.epoch, n });
        },
        reset: () => {
          watch.reset();
          this.progress.reset();
          this.sampledRecords = 0;
        },
      },
    });
    this.process = cfg.process ? 'unknown' : 'not-configured';
  }

  /** The records held for charts and judgement, in file order (bounded and thinned; the mirror has them all). */
  get records(): RecordStore {
    return this.metrics.view();
  }

  /** The metrics file's mirror (or the folder of a glob's mirrors). */
  get metricsMirror(): string {
    return this.metrics.mirrorPath;
  }

  get configError(): string | null {
    return this.metrics.configError;
  }

  get format(): string | null {
    return this.metrics.format;
  }

  /** Mtime (remote clock, s) of the newest metrics file. */
  get lastProgressRemoteSec(): number | null {
    return this.metrics.lastMtimeSec;
  }

  /** Flushes the mirrors to disk and closes them (at stop; a later update opens them again). */
  async close(): Promise<void> {
    await Promise.all([this.metrics.close(), this.logFile?.close()]);
  }

  /** Replays the mirror so the last known values show before the host answers. */
  async restore(): Promise<void> {
    const saved = await readJson<SavedWorker>(this.statePath);
    try {
      await this.metrics.restore(
        saved?.metricsSource ?? (saved?.metrics ? { single: saved.metrics } : undefined),
      );
      if (this.logFile) await this.logFile.restore(saved?.log ?? null);
    } catch (e) {
      this.localError = (e as Error).message;
    }
    // Records with times rebuilt the pace as they were replayed; a file's mtimes were seen only once each.
    if (!this.metrics.paceFromRecords) {
      let kept = saved?.pace;
      if (!kept?.length && this.paceFrom !== null) {
        const other = path.join(this.paceFrom, 'mirror', this.folder, STATE_FILE);
        kept = (await readJson<SavedWorker>(other).catch(() => null))?.pace;
      }
      if (Array.isArray(kept)) this.pace.restore(kept);
    }
  }

  /** Absolute remote paths, once the remote $HOME is known. */
  remotePaths(home: string): RemotePaths {
    if (!this.remote) {
      const dir = remotePath(this.cfg.dir, home);
      const at = (p: string) => remotePath(p, home, dir);
      const metrics = at(this.cfg.metrics.path);
      if (this.metrics.glob) splitGlob(metrics); // refuses what the shell must not see, before any probe
      this.remote = {
        metrics,
        metricsIsGlob: this.metrics.glob,
        log: this.cfg.log && this.logFile ? at(this.cfg.log) : null,
        pidFile: this.cfg.process && 'pidFile' in this.cfg.process ? at(this.cfg.process.pidFile) : null,
      };
    }
    return this.remote;
  }

  get pattern(): string | null {
    return this.cfg.process && 'match' in this.cfg.process ? this.cfg.process.match : null;
  }

  /** The files a follower should watch for this worker (metrics, log), in a probe's terms. */
  followed(probe: ProbeResult, home: string): FollowedFile[] {
    const paths = this.remotePaths(home);
    const out = this.metrics.followed(probe, paths.metrics);
    if (this.logFile && paths.log)
      out.push({ path: paths.log, whole: false, position: this.logFile.position() });
    return out;
  }

  /** Applies one probe: process state, then new bytes of each file. Returns true when bytes remain. */
  async update(probe: ProbeResult, home: string, read: ReadRange, maxBytes: number): Promise<boolean> {
    const paths = this.remotePaths(home);
    this.applyProcess(probe, paths);
    let more = false;
    // Assigned once, after the last await: a snapshot taken mid-update must not see a full disk's
    // error cleared and the worker "running" for the length of a read.
    let localError: string | null = null;
    const m = await this.metrics.update(probe, paths.metrics, read, maxBytes);
    this.fileError = m.fileError;
    localError = m.localError;
    if (m.changed) this.dirty = true;
    more ||= m.more;
    if (this.logFile && paths.log) {
      const l = probe.files.get(paths.log);
      if (!l || l.kind === 'missing') this.logError = `log file not found: ${paths.log}`;
      else if (l.kind === 'not-regular') this.logError = `log: ${notRegularMessage(paths.log, l.what)}`;
      else if (l.kind !== 'ok') this.logError = `log file cannot be read: ${paths.log}`;
      else {
        this.logError = null;
        try {
          const out = await this.logFile.sync(paths.log, l.stat, read, maxBytes);
          if (out.bytes > 0 || out.reset) this.dirty = true;
          more ||= out.more;
        } catch (e) {
          localError = this.noteReadError(e, paths.log) ?? localError;
        }
      }
    }
    if (this.dirty && this.saveDue()) localError = (await this.save()) ?? localError;
    this.localError = localError;
    return more;
  }

  /** Missing paths whose nearest existing sibling has not been looked up yet (see path-hints.ts). */
  pathsToExplain(): string[] {
    return this.hints.toExplain(this.fileError);
  }

  explainPath(missing: string, nearest: string | null): void {
    this.hints.explain(missing, nearest);
  }

  /** A local store failure's message (the caller keeps it), else notes a remote read failure. */
  private noteReadError(e: unknown, file: string): string | null {
    const err = e as Error & { kind?: string };
    if (err.name === 'LocalStoreError') return err.message;
    if (err.name === 'SshError' && err.kind === 'lost') throw e;
    this.fileError = `cannot read ${file}: ${err.message}`;
    return null;
  }

  /** The host answered, but its answer could not be read: nothing is known of this worker this time. */
  probeFailed(why: string): void {
    this.fileError = why;
    if (this.process !== 'not-configured') this.setProcess('unknown', why);
  }

  private applyProcess(probe: ProbeResult, paths: RemotePaths): void {
    if (paths.pidFile) {
      const file = paths.pidFile;
      const p = probe.pids.get(file);
      if (p?.kind === 'running') this.setProcess('running', `pid ${p.pid}`);
      else if (p?.kind === 'dead') this.setProcess('exited', `pid ${p.pid}`);
      else if (p?.kind === 'bad') this.setProcess('unknown', `pid file ${file} holds "${p.content}"`);
      else if (p?.kind === 'not-regular')
        this.setProcess('unknown', `pid file ${notRegularMessage(file, p.what)}`);
      else if (p?.kind === 'unreadable') this.setProcess('unknown', `pid file ${file} is not readable`);
      else if (p?.kind === 'no-file')
        this.setProcess(this.seenRunning ? 'exited' : 'unknown', `pid file ${file} not found`);
      else this.setProcess('unknown', `no answer about the pid file ${file}`);
    } else if (this.pattern !== null) {
      const found = probe.patterns.get(this.pattern);
      const detail = `"${this.pattern}"`;
      this.setProcess(found === true ? 'running' : found === false ? 'exited' : 'unknown', detail);
    }
  }

  private setProcess(state: ProcessState, detail: string): void {
    this.process = state;
    this.processDetail = detail;
    if (state === 'running') this.seenRunning = true;
  }

  /**
   * The state file is rewritten (and fsynced) when a file's identity changes — a new inode, a new
   * generation — or a newly learned pace, and otherwise at most every 5 minutes: after a crash the
   * mirror's own length is the offset to resume from, so saving every append would only cost an fsync
   * per worker per poll (once a minute was still 3 atomic rewrites a second at 200 workers).
   */
  private saveDue(): boolean {
    const identity = identities(this.metrics.saved(), this.logFile?.saved(), this.paceBucket());
    if (identity !== this.savedIdentity) return true;
    return this.clock.now() - this.savedAt >= STATE_SAVE_EVERY_MS;
  }

  /** The learned pace, coarsely (null, or a power of two in ms): a newly learned pace is saved at once. */
  private paceBucket(): number | null {
    const typical = this.pace.typicalIntervalMs();
    return typical === null ? null : Math.round(Math.log2(Math.max(1, typical)));
  }

  /** Saves the cursors; returns why it could not, or null. */
  private async save(): Promise<string | null> {
    const state: SavedWorker = {
      version: 1,
      metricsSource: this.metrics.saved(),
      log: this.logFile?.saved(),
      pace: this.metrics.paceFromRecords ? undefined : this.pace.saved(),
    };
    try {
      await writeAtomically(this.statePath, JSON.stringify(state));
      this.dirty = false;
      this.savedIdentity = identities(state.metricsSource!, state.log, this.paceBucket());
      this.savedAt = this.clock.now();
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /**
   * Local time of the newest progress. The mtime is whole seconds: the middle of its second is the
   * unbiased guess (its start put progress half a second early, and a stall that much too soon). Never
   * later than the answer it came from: half a second, or an estimate of the remote clock, must not make
   * progress newer than the contact that reported it.
   */
  private progressAt(host: HostView): number | null {
    if (this.lastProgressRemoteSec === null) return null;
    const at = this.lastProgressRemoteSec * 1000 + 500 - host.clockOffsetMs;
    const answeredAt = this.checkedAt(host) ?? host.lastContactAt;
    return answeredAt === null ? at : Math.min(at, answeredAt);
  }

  /**
   * When progress was last checked: the last answer applied, or, while a follower streams the files and
   * this worker is not behind, the follower's last word (it reports a change the moment it happens).
   */
  private checkedAt(host: HostView): number | null {
    const heard = host.followHeardAt ?? null;
    const own = this.progressCheckedAt;
    if (heard === null || own === null || this.catchingUp) return own;
    return Math.max(own, heard);
  }

  facts(host: HostView): WorkerFacts {
    const th = thresholds(this.cfg.stallAfterMs, this.pace.typicalIntervalMs());
    const fileFacts = this.metrics.facts();
    const records = this.records;
    return {
      connection: host.connection,
      connectionReason: host.connectionReason,
      lastContactAt: host.lastContactAt,
      configError: this.configError ?? this.localError,
      fileError: this.hints.explained(this.fileError),
      process: this.process,
      processDetail: this.processDetail,
      lastProgressAt: this.progressAt(host),
      progressCheckedAt: this.checkedAt(host),
      records: records.count,
      epoch: records.latestEpoch(),
      totalEpochs: this.cfg.totalEpochs ?? fileFacts.totalEpochs ?? null,
      epochBase: records.epochBase(),
      completed: fileFacts.completed === true,
      fatal: this.logScanner?.fatal()?.line ?? null,
      fileNote: this.metrics.note(),
      divergence: this.divergence(),
      stallAfterMs: th.stallAfterMs,
      lateAfterMs: th.lateAfterMs,
      contactStaleAfterMs: host.contactStaleAfterMs,
      contactOverdueAfterMs: host.contactOverdueAfterMs,
    };
  }

  /** Where the run is now, as people count it ("epoch 105/200"), or null when its file has no epochs. */
  where(): string | null {
    const epoch = countedEpoch(this.records.latestEpoch(), this.records.epochBase());
    if (epoch === null) return null;
    const e = Number.isInteger(epoch) ? String(epoch) : String(Number(epoch.toFixed(2)));
    const total = this.cfg.totalEpochs ?? this.metrics.facts().totalEpochs ?? null;
    return `epoch ${total === null ? e : `${e}/${total}`}`;
  }

  /** Whether the loss is NaN/Inf or far above its best, and since where (judge/divergence.ts). */
  divergence(): DivergenceFact | null {
    const metric = this.lossMetric();
    return metric === null ? null : this.lossWatch.judge(metric, this.divergeShare);
  }

  health(host: HostView, now: number): Health {
    return evaluateHealth(this.facts(host), now);
  }

  lossMetric(): string | null {
    return chooseLossMetric(this.records.names(), this.cfg.metrics.loss);
  }

  /**
   * Files without times: a point at the local time of the newest progress (the file's mtime), once per
   * growth seen — "the time Vigil read them". Files with times give their points as records are read.
   */
  private samplePoint(lastProgressAt: number | null): void {
    const count = this.records.count;
    if (this.metrics.paceFromRecords || lastProgressAt === null || count === this.sampledRecords) return;
    if (count < this.sampledRecords) this.progress.reset();
    this.sampledRecords = count;
    this.progress.add({
      t: lastProgressAt,
      step: this.records.latestStep(),
      epoch: this.records.latestEpoch(),
      n: count,
    });
  }

  /** Throughput, ETA and slowdown as of now (see outlook.ts); steps the slowdown episode. */
  outlook(facts: WorkerFacts, status: WorkerSnapshot['status'], now: number): Outlook {
    this.samplePoint(facts.lastProgressAt);
    const o = outlook(
      {
        log: this.progress,
        facts,
        status,
        host: this.cfg.host,
        configEpochs: this.cfg.totalEpochs ?? null,
        fileSteps: this.metrics.facts().totalSteps ?? null,
        peerRates: this.peerRates,
        slowdown: this.slowdown,
        now,
      },
      this.paceMemo,
    );
    this.slowdown = o.slowdownState;
    this.lastPace = { rate: o.rateNow, stepsPerEpoch: o.forecast.stepsPerEpoch };
    return o;
  }

  snapshot(host: HostView, now: number): WorkerSnapshot {
    const facts = this.facts(host);
    const h = evaluateHealth(facts, now);
    const o = this.outlook(facts, h.status, now);
    const lossMetric = this.lossMetric();
    return {
      name: this.cfg.name,
      host: this.cfg.host,
      status: h.status,
      reason: h.reason,
      // As people count it (1-based): the one conversion, shared/epoch.ts.
      epoch: countedEpoch(facts.epoch, facts.epochBase),
      totalEpochs: facts.totalEpochs,
      step: this.records.latestStep(),
      loss: lossMetric === null ? null : this.records.latest(lossMetric),
      lossMetric,
      metrics: this.records.latestAll(),
      records: this.records.count,
      lastProgressAt: facts.lastProgressAt === null ? null : new Date(facts.lastProgressAt).toISOString(),
      lastContactAt: host.lastContactAt === null ? null : new Date(host.lastContactAt).toISOString(),
      mirror: this.metricsMirror,
      connection: host.connection,
      process: this.process,
      format: this.format,
      logTail: this.logScanner?.tail().slice(-50) ?? [],
      sync: [], // filled by the Fleet, which knows the sync rules' state
      ...o.fields,
    };
  }
}
