// Alert episodes as a pure function. An episode opens when a worker enters an alarm status, is
// reminded after the repeat interval, and closes with one "recovered" (or "finished") notice.
// A flapping worker does not flood: each kind of notice goes out at most once per flap window.
// Every notice carries a key (its episode's id + its kind) that stays the same however often the notice
// is retried, so a receiver that honours it shows it once; the state is plain data, kept across restarts.

import type { AlertKind } from '../../../shared/contract';
import { formatDuration } from '../../../shared/human';
import { ALARM_STATUSES, type WorkerStatus } from '../../../shared/model';

export type { AlertKind };

export interface AlertNotice {
  kind: AlertKind;
  /** The status the worker is in now. */
  status: WorkerStatus;
  message: string;
  /** Idempotency key within the worker: the episode's id and the notice's kind ("stalled-lq2x9k:stalled"). */
  key: string;
}

export interface AlertState {
  /** The alarm status of the open episode, null when none is open. */
  open: WorkerStatus | null;
  openedAt: number | null;
  lastNotifiedAt: number | null;
  /** When each kind was last sent, for flap suppression. */
  lastSent: Partial<Record<AlertKind, number>>;
  /** A finished run is announced once, until the worker runs again. */
  finishedAnnounced: boolean;
  /** Id of the open episode, or of the last one closed (its "recovered" carries it). */
  episode?: string | null;
  /** Reminders sent in the open episode (each has a key of its own). */
  reminders?: number;
  /** Since when the trouble of the open episode lasts (a silent host: its last answer before). */
  troubleSince?: number | null;
  /** Records read when the episode opened: the recovery says how many arrived since. */
  recordsAtOpen?: number | null;
}

/** What the worker looks like now, for the episode's notices. */
export interface AlertContext {
  /** Records read so far. */
  records: number;
  /** False while a read of what arrived meanwhile is still under way (a back-fill after a silence). */
  settled: boolean;
  /** Local time of the host's last answer. */
  lastContactAt: number | null;
  /** Where the run is now, e.g. "epoch 105/200"; null when the file says no epoch. */
  where: string | null;
}

export interface AlertSettings {
  repeatMs: number;
  flapWindowMs: number;
  /** Notices are dropped until this time (they still count as sent: no burst when it ends). */
  snoozedUntil: number | null;
}

export const initialAlertState: AlertState = {
  open: null,
  openedAt: null,
  lastNotifiedAt: null,
  lastSent: {},
  finishedAnnounced: false,
  episode: null,
  reminders: 0,
};

/** An episode's id: what opened it and when (ms in base 36), unique per worker since time moves on. */
export const episodeId = (what: string, at: number): string => `${what}-${Math.max(0, at).toString(36)}`;

const isAlarm = (s: WorkerStatus) => ALARM_STATUSES.includes(s);

/** How an episode is named in its recovery: "recovered after 75 s silent". */
const TROUBLE_WORD: Partial<Record<WorkerStatus, string>> = {
  unreachable: 'silent',
  stalled: 'stalled',
  diverged: 'diverged',
  failed: 'failed',
  error: 'in error',
};

function recoveryText(state: AlertState, now: number, reason: string, ctx: AlertContext | undefined): string {
  if (!ctx || state.open === null) return reason;
  const since = state.troubleSince ?? state.openedAt ?? now;
  // Seconds up to two minutes: "after 75 s silent" says more than "after 1 min".
  const took = now - since < 120_000 ? `${Math.round((now - since) / 1000)} s` : formatDuration(now - since);
  const parts = [`recovered after ${took} ${TROUBLE_WORD[state.open] ?? state.open}`];
  const arrived =
    state.recordsAtOpen === null || state.recordsAtOpen === undefined ? 0 : ctx.records - state.recordsAtOpen;
  if (arrived > 0) {
    const what = state.open === 'unreachable' ? 'back-filled' : 'new';
    parts.push(`${arrived} ${arrived === 1 ? 'record' : 'records'} ${what}`);
  }
  parts.push(`now ${ctx.where ?? reason}`);
  return parts.join('; ');
}

/**
 * `ctx` (what the worker looks like now) lets a recovery wait until what arrived meanwhile has been read,
 * and say so with the newest values: "recovered after 75 s silent; 26 records back-filled; now epoch
 * 105/200". Without it, notices carry the reason as is.
 */
export function stepAlerts(
  prev: AlertState,
  status: WorkerStatus,
  reason: string,
  now: number,
  settings: AlertSettings,
  ctx?: AlertContext,
): { state: AlertState; notices: AlertNotice[] } {
  const state: AlertState = { ...prev, lastSent: { ...prev.lastSent } };
  const notices: AlertNotice[] = [];
  const snoozed = settings.snoozedUntil !== null && now < settings.snoozedUntil;

  const send = (kind: AlertKind, message: string, rateLimited: boolean, key: string) => {
    const last = state.lastSent[kind];
    const flapping = rateLimited && last !== undefined && now - last < settings.flapWindowMs;
    state.lastSent[kind] = now;
    state.lastNotifiedAt = now;
    if (!flapping && !snoozed) notices.push({ kind, status, message, key });
  };

  if (isAlarm(status)) {
    if (state.open !== status) {
      // A new episode (or one trouble turning into another) counts from here; a silent host from its
      // last answer.
      if (state.open === null) {
        state.troubleSince = status === 'unreachable' && ctx?.lastContactAt != null ? ctx.lastContactAt : now;
        state.recordsAtOpen = ctx?.records ?? null;
      }
      state.open = status;
      state.openedAt = now;
      state.episode = episodeId(status, now);
      state.reminders = 0;
      send(status as AlertKind, reason, true, `${state.episode}:${status}`);
    } else if (state.lastNotifiedAt !== null && now - state.lastNotifiedAt >= settings.repeatMs) {
      state.reminders = (state.reminders ?? 0) + 1;
      const episode = state.episode ?? episodeId(status, state.openedAt ?? now);
      send('reminder', `still ${status}: ${reason}`, false, `${episode}:reminder-${state.reminders}`);
    }
    return { state, notices };
  }

  // 'unknown' tells nothing new: an open episode stays open until the worker is seen well again.
  if (status === 'unknown') return { state, notices };

  const wasOpen = state.open !== null;
  // Back from trouble, but what arrived meanwhile is still being read: the recovery waits for it, so it
  // is told with the newest values, not those from before the trouble.
  if (wasOpen && ctx && !ctx.settled) return { state, notices };
  const recovery = wasOpen ? recoveryText(state, now, reason, ctx) : reason;
  state.open = null;
  state.openedAt = null;
  state.troubleSince = null;
  state.recordsAtOpen = null;
  if (status === 'finished') {
    if (!state.finishedAnnounced) {
      state.finishedAnnounced = true;
      send('finished', reason, false, `${episodeId('finished', now)}:finished`);
    }
    return { state, notices };
  }
  state.finishedAnnounced = false;
  if (wasOpen) send('recovered', recovery, true, `${state.episode ?? episodeId('episode', now)}:recovered`);
  return { state, notices };
}
