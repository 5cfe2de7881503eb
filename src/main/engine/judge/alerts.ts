// Alert episodes as a pure function. An episode opens when a worker enters an alarm status, is
// reminded after the repeat interval, and closes with one "recovered" (or "finished") notice.
// A flapping worker does not flood: each kind of notice goes out at most once per flap window.

import type { AlertKind } from '../../../shared/contract';
import { ALARM_STATUSES, type WorkerStatus } from '../../../shared/model';

export type { AlertKind };

export interface AlertNotice {
  kind: AlertKind;
  /** The status the worker is in now. */
  status: WorkerStatus;
  message: string;
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
};

const isAlarm = (s: WorkerStatus) => ALARM_STATUSES.includes(s);

export function stepAlerts(
  prev: AlertState,
  status: WorkerStatus,
  reason: string,
  now: number,
  settings: AlertSettings,
): { state: AlertState; notices: AlertNotice[] } {
  const state: AlertState = { ...prev, lastSent: { ...prev.lastSent } };
  const notices: AlertNotice[] = [];
  const snoozed = settings.snoozedUntil !== null && now < settings.snoozedUntil;

  const send = (kind: AlertKind, message: string, rateLimited: boolean) => {
    const last = state.lastSent[kind];
    const flapping = rateLimited && last !== undefined && now - last < settings.flapWindowMs;
    state.lastSent[kind] = now;
    state.lastNotifiedAt = now;
    if (!flapping && !snoozed) notices.push({ kind, status, message });
  };

  if (isAlarm(status)) {
    if (state.open !== status) {
      state.open = status;
      state.openedAt = now;
      send(status as AlertKind, reason, true);
    } else if (state.lastNotifiedAt !== null && now - state.lastNotifiedAt >= settings.repeatMs) {
      send('reminder', `still ${status}: ${reason}`, false);
    }
    return { state, notices };
  }

  // 'unknown' tells nothing new: an open episode stays open until the worker is seen well again.
  if (status === 'unknown') return { state, notices };

  const wasOpen = state.open !== null;
  state.open = null;
  state.openedAt = null;
  if (status === 'finished') {
    if (!state.finishedAnnounced) {
      state.finishedAnnounced = true;
      send('finished', reason, false);
    }
    return { state, notices };
  }
  state.finishedAnnounced = false;
  if (wasOpen) send('recovered', reason, true);
  return { state, notices };
}
