// What Vigil makes of one host's vitals over time: the local history, the warnings (one alert per
// episode), the post-mortem while it is silent and, once it answers again and its workers have caught
// up, one summary of what happened meanwhile. The decisions are the judge's pure functions; this holds
// their state and says when to call them.

import type {
  HostSnapshot,
  HostWarning,
  ProcessState,
  WorkerResources,
  WorkerStatus,
} from '../../../shared/model';
import { VitalsHistory } from '../files';
import {
  DEFAULT_WARNING_SETTINGS,
  diagnoseSilence,
  initialWarningState,
  stepWarnings,
  summarizeReturn,
  type VitalsSample,
  type WarningState,
} from '../judge';

export interface HostAlert {
  kind: 'warning' | 'back';
  message: string;
  workers: string[];
}

export interface HostWatchOptions {
  host: string;
  workers: string[];
  /** Where the history file lives; read only when another Vigil owns the data folder. */
  history: { dir: string; readOnly: boolean } | null;
  everyMs: number;
  statusOf: (worker: string) => WorkerStatus | undefined;
  recordsOf: (worker: string) => number;
  processOf: (worker: string) => ProcessState;
  /** Where a worker's run is now ("epoch 105/200"), told with what was back-filled. */
  whereOf?: (worker: string) => string | null;
  onAlert: (alert: HostAlert) => void;
  /** Local time of day for texts; tests pass a fixed one. */
  clock?: (t: number, seconds?: boolean) => string;
}

const RETURNED_SHOWN_MS = 3_600_000;
/** A host that comes and goes is not announced back more than once in this long. */
const BACK_FLAP_MS = 10 * 60_000;

function localClock(t: number, seconds?: boolean): string {
  return new Date(t).toTimeString().slice(0, seconds ? 8 : 5);
}

export class HostWatch {
  readonly history: VitalsHistory | null;
  private warnings: WarningState = initialWarningState;
  private active: HostWarning[] = [];
  private previous: VitalsSample | null = null;
  /** The newest reading, from this process or the history. */
  last: VitalsSample | null = null;
  note: string | null = null;
  /** While silent: since when, and the post-mortem (null when there is nothing to go on). */
  private silence: { since: number; text: string | null } | null = null;
  /** The last snapshot given and what it was made of (see snapshot()). */
  private shown: { key: unknown[]; snap: HostSnapshot } | null = null;
  private returning: {
    silentSince: number;
    before: VitalsSample | null;
    records: Record<string, number>;
    away: boolean;
    sampled: boolean;
  } | null = null;
  private returned: { at: number; text: string } | null = null;
  private readonly clock: (t: number, seconds?: boolean) => string;
  private sampledThisRun = false;

  constructor(private readonly opts: HostWatchOptions) {
    this.clock = opts.clock ?? localClock;
    this.history = opts.history
      ? new VitalsHistory(opts.history.dir, opts.host, {
          everyMs: opts.everyMs,
          readOnly: opts.history.readOnly,
        })
      : null;
  }

  async restore(): Promise<void> {
    await this.history?.restore();
    this.last = this.history?.last() ?? null;
  }

  /** The connection is gone (or never came): what the last vitals say, once per silence. */
  silent(now: number, lastContactAt: number | null): void {
    if (this.silence) return;
    const lastAnswer = lastContactAt ?? this.last?.t ?? null;
    const since = lastAnswer ?? now;
    // Never answered and never read: nothing to say beyond the connection's own error.
    const known = lastAnswer !== null || this.last !== null;
    this.silence = {
      since,
      text: known
        ? diagnoseSilence(this.last, this.history?.recent() ?? [], {
            silentSince: since,
            lastAnswerAt: lastAnswer,
            clock: this.clock,
          })
        : null,
    };
    // A return is measured from here: what the workers held when it went silent.
    this.returning = null;
  }

  /** The post-mortem while silent, else null. */
  get silenceText(): string | null {
    return this.silence?.text ?? null;
  }

  /** The host answered: after a silence, a summary is due once its workers have caught up. */
  contacted(now: number): void {
    if (!this.silence) return;
    this.returning = {
      silentSince: this.silence.since,
      before: this.last,
      records: Object.fromEntries(this.opts.workers.map((w) => [w, this.opts.recordsOf(w)])),
      away: false,
      sampled: false,
    };
    this.silence = null;
    void now;
  }

  sample(sample: VitalsSample | null, note: string | null, now: number): void {
    this.note = note;
    // A reading that failed (no /proc, a timeout) still ends the wait: the return is told without it.
    if (sample === null) {
      if (this.returning) this.returning.sampled = true;
      return;
    }
    // The first reading of this process after a reboot Vigil did not see: say so like a return.
    if (!this.sampledThisRun && !this.returning && this.last?.bootId && sample.bootId) {
      if (this.last.bootId !== sample.bootId) {
        this.returning = {
          silentSince: this.last.t,
          before: this.last,
          records: Object.fromEntries(this.opts.workers.map((w) => [w, this.opts.recordsOf(w)])),
          away: true,
          sampled: false,
        };
      }
    }
    this.sampledThisRun = true;
    if (this.returning) this.returning.sampled = true;
    const recent = this.history?.recent(now - 15 * 60_000) ?? [];
    const step = stepWarnings(
      this.warnings,
      {
        now,
        sample,
        previous: this.previous,
        recent,
        workers: this.opts.workers.map((name) => ({ name, status: this.opts.statusOf(name) ?? 'unknown' })),
      },
      { ...DEFAULT_WARNING_SETTINGS, clock: (t) => this.clock(t) },
    );
    this.warnings = step.state;
    this.active = step.active;
    this.previous = sample;
    this.last = sample;
    this.history?.append(sample);
    for (const n of step.notices) {
      this.opts.onAlert({ kind: 'warning', message: `${this.opts.host}: ${n.text}`, workers: n.workers });
    }
  }

  /** The host answers and every worker has read what was waiting: the summary of the silence, once. */
  caughtUp(now: number, vitalsOn: boolean): void {
    const r = this.returning;
    if (!r || (vitalsOn && !r.sampled)) return;
    this.returning = null;
    const after = this.last;
    const backfilled: Record<string, number> = {};
    for (const w of this.opts.workers)
      backfilled[w] = Math.max(0, this.opts.recordsOf(w) - (r.records[w] ?? 0));
    let text = summarizeReturn(r.before, after !== r.before ? after : null, {
      silentSince: r.silentSince,
      backAt: now,
      backfilled,
      processGone: this.opts.workers.filter((w) => this.opts.processOf(w) === 'exited'),
      where: Object.fromEntries(this.opts.workers.map((w) => [w, this.opts.whereOf?.(w) ?? null])),
      clock: this.clock,
    });
    if (r.away) text = text.replace(/^back after (.*?) of silence/, 'since Vigil last read it, $1 ago');
    const flapping = this.returned !== null && now - this.returned.at < BACK_FLAP_MS;
    this.returned = { at: now, text };
    if (!flapping)
      this.opts.onAlert({ kind: 'back', message: `${this.opts.host}: ${text}`, workers: this.opts.workers });
  }

  /**
   * Whether this watch tells (or just told) the end of the host's silence itself: it saw the silence
   * in this process. After a restart during a silence it did not, and each worker's own recovery is
   * then the only notice of the end.
   */
  tellsReturn(now: number): boolean {
    return (
      this.silence !== null ||
      this.returning !== null ||
      (this.returned !== null && now - this.returned.at < 60_000)
    );
  }

  resourcesOf(worker: string): WorkerResources | undefined {
    return this.last?.workers[worker];
  }

  warningsNow(): HostWarning[] {
    return this.active;
  }

  /**
   * The host's part of the fleet snapshot. The fleet asks for it at every evaluation (up to 10 a second,
   * 50 hosts), and it changes only every few seconds: the last one is kept while nothing it shows changed.
   */
  snapshot(
    base: { name: string; connection: HostSnapshot['connection']; lastContactAt: number | null },
    now: number,
    vitalsOff: boolean,
  ): HostSnapshot {
    const s = this.last;
    const returned = this.returned && now - this.returned.at < RETURNED_SHOWN_MS ? this.returned : null;
    const key = [
      base.name,
      base.connection,
      base.lastContactAt,
      vitalsOff,
      s,
      this.note,
      this.active,
      this.silence?.text ?? null,
      returned,
    ];
    if (this.shown && key.every((k, i) => k === this.shown!.key[i])) return this.shown.snap;
    const snap: HostSnapshot = {
      name: base.name,
      connection: base.connection,
      lastContactAt: base.lastContactAt === null ? null : new Date(base.lastContactAt).toISOString(),
      bootId: s?.bootId ?? null,
      vitalsAt: s ? new Date(s.t).toISOString() : null,
      vitals: s?.vitals ?? null,
      vitalsNote: vitalsOff ? 'vitals are off for this host (vitals: false)' : this.note,
      disks: (s?.disks ?? []).map(({ fsid: _f, ...d }) => d),
      gpus: s?.gpus ?? [],
      gpuNote: s?.gpuNote ?? null,
      warnings: this.active,
      silence: this.silence?.text ?? null,
      returned: returned ? { at: new Date(returned.at).toISOString(), text: returned.text } : null,
      workers: this.opts.workers,
    };
    this.shown = { key, snap };
    return snap;
  }

  flush(): Promise<void> {
    return this.history?.flush() ?? Promise.resolve();
  }
}
