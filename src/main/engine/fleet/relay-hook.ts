// Where the engine service meets the relay (alerts.notify): opened with the data folder (its outbox
// lives there, one writer at a time), configured on each config load, fed every grouped alert, and
// shown in each snapshot. Kept apart from service.ts so the service only calls these few functions.

import type { FleetSnapshot } from '../../../shared/model';
import type { Clock } from '../ports';
import { Relay, type RelayPorts } from '../relay';

export async function openRelay(
  dataDir: string,
  clock: Clock,
  ports: RelayPorts | undefined,
  onChange: () => void,
): Promise<Relay> {
  const relay = await Relay.open({ ...ports, dataDir, clock });
  relay.onChange(onChange);
  return relay;
}

/** The snapshot with the relay targets' states, when there are any. */
export function withRelay(snap: FleetSnapshot, relay: Relay | null): FleetSnapshot {
  const states = relay?.states() ?? [];
  return states.length === 0 ? snap : { ...snap, relay: states };
}
