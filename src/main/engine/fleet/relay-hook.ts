// Where the engine service meets the relay (alerts.notify): opened with the data folder (its outbox
// lives there, one writer at a time), configured on each config load, fed every grouped alert, and
// shown in each snapshot. Kept apart from service.ts so the service only calls these few functions.

import type { FleetSnapshot } from '../../../shared/model';
import type { Clock } from '../ports';
import { Relay, type RelayPorts } from '../relay';

/** The relay, or null when its outbox cannot be opened: watching goes on without relaying (said in the log). */
export async function openRelay(
  dataDir: string,
  clock: Clock,
  ports: RelayPorts | undefined,
  onChange: () => void,
): Promise<Relay | null> {
  try {
    const relay = await Relay.open({ ...ports, dataDir, clock });
    relay.onChange(onChange);
    return relay;
  } catch (e) {
    ports?.log?.(
      `alerts are not relayed: the outbox in ${dataDir} cannot be opened: ${(e as Error).message}`,
    );
    return null;
  }
}

/** The snapshot with the relay targets' states, when there are any. */
export function withRelay(snap: FleetSnapshot, relay: Relay | null): FleetSnapshot {
  const states = relay?.states() ?? [];
  return states.length === 0 ? snap : { ...snap, relay: states };
}
