// Which alerts a target takes (its `kinds`). A reminder is sent where its episode's alarm would be:
// a target taking only `failed` is not reminded of a stall.

import { isNotifyKind, type NotifyKind } from '../config';

/** Host alerts go by the kind a config names: a host's warning is `warnings`, its return `recovered`. */
const HOST_KINDS: Readonly<Record<string, NotifyKind>> = { warning: 'warnings', back: 'recovered' };

export function takesAlert(kinds: readonly NotifyKind[], alertKind: string, status: string | null): boolean {
  const kind = HOST_KINDS[alertKind] ?? alertKind;
  if (!isNotifyKind(kind) || !kinds.includes(kind)) return false;
  if (kind !== 'reminder' || status === null || !isNotifyKind(status)) return true;
  return kinds.includes(status);
}
