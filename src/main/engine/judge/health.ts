// The health model as one pure function: a worker's facts and "now" → status + reason. The first rule
// that matches decides; ARCHITECTURE.md (Health) lists them in this order.
// Unknown is a state, not a green light: whenever Vigil cannot know, it says so.

import { countedEpoch } from '../../../shared/epoch';
import { formatAge, formatDuration } from '../../../shared/human';
import type { ConnectionState, ProcessState, WorkerStatus } from '../../../shared/model';
import { type DivergenceFact, describeDivergence } from './divergence';

export interface WorkerFacts {
  connection: ConnectionState;
  /** Why the connection is in that state (the SSH error message, with its fix). */
  connectionReason: string | null;
  /** Local time of the last successful probe of the host, null if never. */
  lastContactAt: number | null;
  /** The worker's own configuration cannot work (bad format, bad regex). */
  configError: string | null;
  /** The metrics file cannot be read (missing, unreadable, undetectable format). */
  fileError: string | null;
  process: ProcessState;
  /** e.g. "pid 1234" or the pattern. */
  processDetail: string | null;
  /** Local time of the newest progress (the metrics file's mtime, corrected for the remote clock). */
  lastProgressAt: number | null;
  /**
   * Local time of the answer that lastProgressAt was last brought up to date with: a probe is answered
   * before its worker's new bytes are read, and until they are, progress must be judged as of the
   * answer it came from, not the newer one. null: no answer applied yet in this process (what the
   * mirror restored is old news). Omitted: lastContactAt.
   */
  progressCheckedAt?: number | null;
  records: number;
  /** The newest epoch as the file writes it (see epochBase). */
  epoch: number | null;
  totalEpochs: number | null;
  /** 0 when the file counts epochs from 0 (Keras, Lightning): epoch 49 of 50 is then the last one. */
  epochBase: 0 | 1;
  /** The format itself says the run completed (e.g. global_step reached max_steps). */
  completed: boolean;
  /** A fatal line in the log tail (traceback, CUDA OOM, Killed), if any. */
  fatal: string | null;
  /** What happened to the metrics file that the numbers alone do not show (restarted, lines skipped). */
  fileNote?: string | null;
  /** The loss is NaN/Inf, or far above its best, and since when (judge/divergence.ts); null: it is not. */
  divergence?: DivergenceFact | null;
  stallAfterMs: number;
  lateAfterMs: number;
  /** With no contact for this long, Vigil no longer trusts what it last saw. */
  contactStaleAfterMs: number;
  /** An answer missing for this long is worth saying (a few polls). */
  contactOverdueAfterMs: number;
}

export interface Health {
  status: WorkerStatus;
  reason: string;
}

const CONFIG_LIKE: ReadonlySet<ConnectionState> = new Set([
  'auth-failed',
  'host-key-mismatch',
  'host-key-unknown',
  'config-error',
]);

export function reachedEnd(
  f: Pick<WorkerFacts, 'epoch' | 'totalEpochs' | 'epochBase' | 'completed'>,
): boolean {
  if (f.completed) return true;
  const epoch = countedEpoch(f.epoch, f.epochBase);
  if (epoch === null || f.totalEpochs === null) return false;
  return epoch >= f.totalEpochs;
}

/** "epoch 30/50", as people count it; '' when the file writes no epoch. */
export function epochLabel(f: Pick<WorkerFacts, 'epoch' | 'totalEpochs' | 'epochBase'>): string {
  const epoch = countedEpoch(f.epoch, f.epochBase);
  if (epoch === null) return '';
  const shown = Number.isInteger(epoch) ? String(epoch) : String(Number(epoch.toFixed(2)));
  return f.totalEpochs !== null ? `epoch ${shown}/${f.totalEpochs}` : `epoch ${shown}`;
}

function epochText(f: WorkerFacts): string {
  const label = epochLabel(f);
  return label ? ` at ${label}` : '';
}

/**
 * A diverged loss is a problem of its own, `diverged`, ranked between `failed` and `unreachable`:
 *  - a configuration `error` stays an error (nothing else can be trusted);
 *  - a process that exited early stays `failed` (the run is over), its reason saying the loss diverged;
 *  - everything else becomes `diverged`: a run that "finished" with a NaN loss, one still burning its GPU
 *    on NaN, and one whose host went silent after its loss went NaN (the last values said so);
 *  - but not before Vigil has heard from the host at all: the mirror's NaN may be an old run's.
 */
export function evaluateHealth(f: WorkerFacts, now: number): Health {
  const base = baseHealth(f, now);
  if (!f.divergence || base.status === 'error' || f.lastContactAt === null) return base;
  const text = describeDivergence(
    f.divergence,
    (raw) => {
      const e = countedEpoch(raw, f.epochBase)!;
      return Number.isInteger(e) ? String(e) : String(Number(e.toFixed(2)));
    },
    (time) => formatAge(now - time),
  );
  if (base.status === 'failed') return { status: 'failed', reason: `${base.reason}; ${text}` };
  return { status: 'diverged', reason: `${text}; ${base.reason}` };
}

/** The run is over, as the last answer showed it (finished or failed), or null while it is not. */
function endedRun(f: WorkerFacts): Health | null {
  const gone = f.process === 'exited';
  const unsupervised = f.process === 'not-configured' || f.process === 'unknown';
  if (f.fatal && (gone || unsupervised)) return { status: 'failed', reason: `${f.fatal}${epochText(f)}` };
  if (reachedEnd(f) && (gone || unsupervised)) {
    return { status: 'finished', reason: `finished${epochText(f)}` };
  }
  if (gone) {
    const which = f.processDetail ? `process (${f.processDetail})` : 'process';
    return { status: 'failed', reason: `${which} exited before the end${epochText(f)}` };
  }
  return null;
}

function baseHealth(f: WorkerFacts, now: number): Health {
  if (f.configError) return { status: 'error', reason: f.configError };
  if (CONFIG_LIKE.has(f.connection)) return { status: 'error', reason: f.connectionReason ?? f.connection };
  // A run that had ended when its host last answered keeps its final state: the host's silence is the
  // host's news, shown with it, not a new problem of a run that is over.
  const ended = f.lastContactAt !== null && !f.fileError ? endedRun(f) : null;
  if (f.connection === 'unreachable') {
    const seen =
      f.lastContactAt === null ? 'never reached' : `last contact ${formatAge(now - f.lastContactAt)}`;
    const why = `${f.connectionReason ?? 'host did not answer'} (${seen})`;
    if (ended) return { status: ended.status, reason: `${ended.reason}; host unreachable: ${why}` };
    return { status: 'unreachable', reason: why };
  }
  if (f.lastContactAt === null) return { status: 'unknown', reason: 'not yet contacted' };
  const silentFor = now - f.lastContactAt;
  if (silentFor > f.contactStaleAfterMs) {
    const why = `no fresh answer from the host for ${formatDuration(silentFor)}`;
    if (ended) return { status: ended.status, reason: `${ended.reason}; ${why}` };
    return { status: 'unknown', reason: why };
  }
  const slow = f.connection === 'degraded' ? ` (slow link: ${f.connectionReason ?? 'probes are late'})` : '';

  if (f.fileError) {
    if (f.process === 'running') {
      return {
        status: 'unknown',
        reason: `waiting: ${f.fileError}; the process (${f.processDetail}) is running`,
      };
    }
    return { status: 'error', reason: f.fileError };
  }
  if (ended) return ended;

  const fatalNote = `${f.fatal ? `; log shows: ${f.fatal}` : ''}${f.fileNote ? `; ${f.fileNote}` : ''}`;
  const waiting =
    silentFor > f.contactOverdueAfterMs ? ` (no answer from the host for ${formatDuration(silentFor)})` : '';
  if (f.lastProgressAt === null) {
    return { status: 'unknown', reason: `no progress seen yet${fatalNote}${slow}${waiting}` };
  }
  // Progress is judged as of the last answer: a probe that hangs says nothing about the run, and must
  // not turn a healthy worker "stalled" before the connection is known to be gone. Nor must a read
  // still under way: progress and the answer it is judged at come from the same probe.
  const checkedAt = f.progressCheckedAt === undefined ? f.lastContactAt : f.progressCheckedAt;
  if (checkedAt === null) {
    return { status: 'unknown', reason: `reading what the host has${fatalNote}${slow}${waiting}` };
  }
  const age = Math.max(0, checkedAt - f.lastProgressAt);
  if (age > f.stallAfterMs) {
    return {
      status: 'stalled',
      reason: `no progress for ${formatDuration(age)} (threshold ${formatDuration(f.stallAfterMs)})${epochText(f)}${fatalNote}${slow}${waiting}`,
    };
  }
  if (age > f.lateAfterMs) {
    return {
      status: 'late',
      reason: `last progress ${formatAge(age)}, overdue${fatalNote}${slow}${waiting}`,
    };
  }
  return {
    status: 'running',
    reason: `progress ${formatAge(age)}${epochText(f)}${fatalNote}${slow}${waiting}`,
  };
}
