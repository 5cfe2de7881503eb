// Which alerts a target takes (its `kinds`). A reminder is sent where its episode's alarm would be:
// a target taking only `failed` is not reminded of a stall.

import { isNotifyKind, type NotifyKind } from '../config';

export function takesAlert(kinds: readonly NotifyKind[], kind: string, status: string | null): boolean {
  if (!isNotifyKind(kind) || !kinds.includes(kind)) return false;
  if (kind !== 'reminder' || status === null || !isNotifyKind(status)) return true;
  return kinds.includes(status);
}
