// Above the list: compare the ticked workers, or all of them. Ticked workers that have left the
// config (a reload) are not counted.

import type { HostSnapshot, WorkerSnapshot } from '../../../shared/model';
import { groupByHost } from '../../format/host-format';
import { useSlice, useStores } from '../../stores/context';

export function CompareBar({
  workers,
  hosts = [],
}: {
  workers: readonly WorkerSnapshot[];
  hosts?: readonly HostSnapshot[];
}) {
  const stores = useStores();
  const ticked = useSlice(
    (s) => s.navigation,
    (n) => n.ticked,
  );
  if (workers.length < 2) return null;
  const present = ticked.filter((name) => workers.some((w) => w.name === name));
  // "Compare all" in the list's order, so the legend reads as the list does.
  const all = groupByHost(workers, hosts).flatMap((g) => g.workers.map((w) => w.name));
  const nav = stores.navigation.getState();
  return (
    <div className="compare-bar">
      <button type="button" disabled={present.length < 2} onClick={() => nav.compare(present)}>
        Compare{present.length > 0 ? ` ${present.length}` : ''}
      </button>
      <button type="button" onClick={() => nav.compare(all)}>
        Compare all
      </button>
      {present.length < 2 && <span className="compare-hint">Tick two or more to compare</span>}
    </div>
  );
}
