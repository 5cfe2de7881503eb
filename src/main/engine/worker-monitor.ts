// Everything Vigil knows about one worker: its files followed into the mirror, its records, its
// process, its pace. Turns a host probe into updated facts; never throws into the other workers.

import path from 'node:path';
import { chooseLossMetric } from '../../shared/loss';
import type { ProcessState, WorkerSnapshot } from '../../shared/model';
import type { WorkerConfig } from './config/types';
import { evaluateHealth, type Health, type WorkerFacts } from './health';
import { MetricsStream } from './metrics-stream';
import { readJson, writeAtomically } from './mirror';
import { PaceTracker, thresholds } from './pace';
import { createLogScanner, type LogScanner } from './parse/log-facts';
import { FORMATS } from './parse/registry';
import { mirrorRelativePath, safeSegment } from './paths';
import type { ProbeResult } from './probe';
import { RecordStore } from './record-store';
import { remotePath } from './ssh/shell-quote';
import { type ReadRange, type SavedCursor, TrackedFile } from './tracked-file';

export interface HostView {
  name: string;
  connection: WorkerFacts['connection'];
  connectionReason: string | null;
  lastContactAt: number | null;
  /** remote clock − local clock, ms. */
  clockOffsetMs: number;
  contactStaleAfterMs: number;
  contactOverdueAfterMs: number;
}

export interface RemotePaths {
  metrics: string;
  log: string | null;
  pidFile: string | null;
}

interface SavedWorker {
  version: 1;
  metrics?: SavedCursor;
  log?: SavedCursor;
}

const LOG_TAIL_LINES = 200;

export class WorkerMonitor {
  readonly records = new RecordStore();
  readonly pace = new PaceTracker();
  readonly mirrorDir: string;
  readonly metricsMirror: string;
  private readonly metricsStream: MetricsStream;
  private readonly metricsFile: TrackedFile;
  private readonly logScanner: LogScanner | null;
  private readonly logFile: TrackedFile | null;
  private readonly statePath: string;
  private remote: RemotePaths | null = null;

  fileError: string | null = null;
  localError: string | null = null;
  logError: string | null = null;
  process: ProcessState;
  processDetail: string | null = null;
  private seenRunning = false;
  /** mtime (remote clock, s) of the metrics file when it last grew. */
  lastProgressRemoteSec: number | null = null;
  private dirty = false;
  /** Pace comes from the records' own times when they carry one, else from the file's mtime. */
  private recordsCarryTime = false;

  constructor(
    readonly cfg: WorkerConfig,
    dataDir: string,
  ) {
    this.mirrorDir = path.join(dataDir, 'mirror', safeSegment(cfg.name));
    this.statePath = path.join(this.mirrorDir, '.vigil-state.json');
    this.metricsMirror = path.join(
      this.mirrorDir,
      mirrorRelativePath(cfg.dir, mirrorSource(cfg.dir, cfg.metrics.path)),
    );
    const fileName = path.posix.basename(cfg.metrics.path);
    this.metricsStream = new MetricsStream({
      fileName,
      format: cfg.metrics.format ?? (cfg.metrics.regex ? 'regex' : undefined),
      regex: cfg.metrics.regex,
      onRecords: (records) => {
        this.records.add(records);
        for (const r of records) {
          if (r.time === null) continue;
          this.recordsCarryTime = true;
          this.pace.observe(r.time);
        }
      },
      onReset: () => {
        this.recordsCarryTime = false;
        this.records.clear();
        this.pace.reset();
      },
    });
    const whole = FORMATS.some(
      (f) =>
        (f as { wholeFile?: boolean }).wholeFile &&
        (cfg.metrics.format ? f.id === cfg.metrics.format : f.byName(fileName) >= 0.9),
    );
    this.metricsFile = new TrackedFile(this.metricsMirror, this.metricsStream, whole ? 'whole' : 'append');
    if (cfg.log) {
      const scanner = createLogScanner({ tailLines: LOG_TAIL_LINES });
      this.logScanner = scanner;
      this.logFile = new TrackedFile(
        path.join(this.mirrorDir, mirrorRelativePath(cfg.dir, mirrorSource(cfg.dir, cfg.log))),
        {
          bytes: (c) => scanner.push(c),
          reset: () => scanner.reset(),
        },
      );
    } else {
      this.logScanner = null;
      this.logFile = null;
    }
    this.process = cfg.process ? 'unknown' : 'not-configured';
  }

  get configError(): string | null {
    return this.metricsStream.error;
  }

  get format(): string | null {
    return this.metricsStream.format;
  }

  /** Replays the mirror so the last known values show before the host answers. */
  async restore(): Promise<void> {
    const saved = await readJson<SavedWorker>(this.statePath);
    try {
      await this.metricsFile.restore(saved?.metrics ?? null);
      this.metricsStream.settle();
      if (this.logFile) await this.logFile.restore(saved?.log ?? null);
      this.lastProgressRemoteSec = this.metricsFile.lastMtimeSec;
    } catch (e) {
      this.localError = (e as Error).message;
    }
  }

  /** Absolute remote paths, once the remote $HOME is known. */
  remotePaths(home: string): RemotePaths {
    if (!this.remote) {
      const dir = remotePath(this.cfg.dir, home);
      const at = (p: string) => remotePath(p, home, dir);
      this.remote = {
        metrics: at(this.cfg.metrics.path),
        log: this.cfg.log ? at(this.cfg.log) : null,
        pidFile: this.cfg.process && 'pidFile' in this.cfg.process ? at(this.cfg.process.pidFile) : null,
      };
    }
    return this.remote;
  }

  get pattern(): string | null {
    return this.cfg.process && 'match' in this.cfg.process ? this.cfg.process.match : null;
  }

  /** Applies one probe: process state, then new bytes of each file. Returns true when bytes remain. */
  async update(probe: ProbeResult, home: string, read: ReadRange, maxBytes: number): Promise<boolean> {
    const paths = this.remotePaths(home);
    this.applyProcess(probe, paths);
    let more = false;
    this.localError = null;
    const m = probe.files.get(paths.metrics);
    if (!m || m.kind === 'missing') this.fileError = `metrics file not found: ${paths.metrics}`;
    else if (m.kind === 'unreadable')
      this.fileError = `metrics file is not readable (permission denied): ${paths.metrics}`;
    else if (m.kind === 'error') this.fileError = `cannot stat ${paths.metrics}: ${m.message}`;
    else {
      this.fileError = null;
      try {
        const out = await this.metricsFile.sync(paths.metrics, m.stat, read, maxBytes);
        if (out.bytes > 0 || out.reset) this.dirty = true;
        if (out.bytes > 0 && !this.recordsCarryTime) this.pace.observe(m.stat.mtimeSec * 1000);
        if (!out.more) this.metricsStream.settle();
        this.lastProgressRemoteSec = m.stat.mtimeSec;
        more ||= out.more;
      } catch (e) {
        this.noteReadError(e, paths.metrics);
      }
    }
    if (this.logFile && paths.log) {
      const l = probe.files.get(paths.log);
      if (!l || l.kind === 'missing') this.logError = `log file not found: ${paths.log}`;
      else if (l.kind !== 'ok') this.logError = `log file cannot be read: ${paths.log}`;
      else {
        this.logError = null;
        try {
          const out = await this.logFile.sync(paths.log, l.stat, read, maxBytes);
          if (out.bytes > 0 || out.reset) this.dirty = true;
          more ||= out.more;
        } catch (e) {
          this.noteReadError(e, paths.log);
        }
      }
    }
    if (this.dirty) await this.save();
    return more;
  }

  private noteReadError(e: unknown, file: string): void {
    const err = e as Error & { kind?: string };
    if (err.name === 'LocalStoreError') this.localError = err.message;
    else if (err.name === 'SshError' && err.kind === 'lost') throw e;
    else this.fileError = `cannot read ${file}: ${err.message}`;
  }

  private applyProcess(probe: ProbeResult, paths: RemotePaths): void {
    if (paths.pidFile) {
      const p = probe.pids.get(paths.pidFile);
      if (p?.kind === 'running') this.setProcess('running', `pid ${p.pid}`);
      else if (p?.kind === 'dead') this.setProcess('exited', `pid ${p.pid}`);
      else if (p?.kind === 'bad')
        this.setProcess('unknown', `pid file ${paths.pidFile} holds "${p.content}"`);
      else this.setProcess(this.seenRunning ? 'exited' : 'unknown', `pid file ${paths.pidFile} not found`);
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

  private async save(): Promise<void> {
    const state: SavedWorker = { version: 1, metrics: this.metricsFile.saved(), log: this.logFile?.saved() };
    try {
      await writeAtomically(this.statePath, JSON.stringify(state));
      this.dirty = false;
    } catch (e) {
      this.localError = (e as Error).message;
    }
  }

  facts(host: HostView): WorkerFacts {
    const th = thresholds(this.cfg.stallAfterMs, this.pace.typicalIntervalMs());
    const fileFacts = this.metricsStream.facts();
    return {
      connection: host.connection,
      connectionReason: host.connectionReason,
      lastContactAt: host.lastContactAt,
      configError: this.configError ?? this.localError,
      fileError: this.fileError,
      process: this.process,
      processDetail: this.processDetail,
      lastProgressAt:
        this.lastProgressRemoteSec === null ? null : this.lastProgressRemoteSec * 1000 - host.clockOffsetMs,
      records: this.records.count,
      epoch: this.records.latestEpoch(),
      totalEpochs: this.cfg.totalEpochs ?? fileFacts.totalEpochs ?? null,
      epochBase: this.records.epochBase(),
      completed: fileFacts.completed === true,
      fatal: this.logScanner?.fatal()?.line ?? null,
      stallAfterMs: th.stallAfterMs,
      lateAfterMs: th.lateAfterMs,
      contactStaleAfterMs: host.contactStaleAfterMs,
      contactOverdueAfterMs: host.contactOverdueAfterMs,
    };
  }

  health(host: HostView, now: number): Health {
    return evaluateHealth(this.facts(host), now);
  }

  lossMetric(): string | null {
    return chooseLossMetric(this.records.names(), this.cfg.metrics.loss);
  }

  snapshot(host: HostView, now: number): WorkerSnapshot {
    const facts = this.facts(host);
    const h = evaluateHealth(facts, now);
    const lossMetric = this.lossMetric();
    return {
      name: this.cfg.name,
      host: this.cfg.host,
      status: h.status,
      reason: h.reason,
      epoch: facts.epoch,
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
    };
  }
}

/** The path used to name a file's mirror: relative to dir when it is, else absolute as written. */
function mirrorSource(dir: string, p: string): string {
  if (p.startsWith('/') || p.startsWith('~')) return p;
  return `${dir.replace(/\/+$/, '')}/${p}`;
}
