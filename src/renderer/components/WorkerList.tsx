// The fleet at a glance: workers under their host (its strip of RAM, swap, disks, GPUs and warnings),
// hosts and workers with problems first. A listbox: arrows move through every worker, Home/End jump,
// Enter opens.

import { useRef, useState } from 'react';
import type { HostSnapshot, WorkerSnapshot } from '../../shared/model';
import { groupByHost } from '../format/host-format';
import { useSlice, useStores } from '../stores/context';
import { HostStrip } from './HostStrip';
import { WorkerRow } from './WorkerRow';

interface Props {
  workers: readonly WorkerSnapshot[];
  hosts?: readonly HostSnapshot[];
  /** The row that starts out active (the worker last opened). */
  initialActive: string | null;
  /** Beside a detail or a comparison (a wide window): the workers shown there, marked in the list. */
  shown?: readonly string[];
  onOpen(name: string): void;
}

export function WorkerList({ workers, hosts = [], initialActive, shown = [], onOpen }: Props) {
  const now = useSlice(
    (s) => s.clock,
    (c) => c.now,
  );
  const stores = useStores();
  // Ticked for the compare view (compare/CompareBar.tsx); a checkbox per row once there are two.
  const ticked = useSlice(
    (s) => s.navigation,
    (n) => n.ticked,
  );
  const groups = groupByHost(workers, hosts);
  const sorted = groups.flatMap((g) => g.workers);
  const [activeName, setActiveName] = useState<string | null>(initialActive);
  const rows = useRef(new Map<string, HTMLDivElement>());
  const activeIndex = Math.max(
    0,
    sorted.findIndex((w) => w.name === activeName),
  );

  const move = (index: number) => {
    const target = sorted[Math.min(Math.max(index, 0), sorted.length - 1)];
    if (!target) return;
    setActiveName(target.name);
    rows.current.get(target.name)?.focus();
  };

  return (
    <div
      className="worker-list"
      role="listbox"
      aria-label="Workers"
      onKeyDown={(e) => {
        const keys: Record<string, number> = {
          ArrowDown: activeIndex + 1,
          ArrowUp: activeIndex - 1,
          Home: 0,
          End: sorted.length - 1,
        };
        const to = keys[e.key];
        if (to === undefined) return;
        e.preventDefault();
        move(to);
      }}
    >
      {groups.map((g) => (
        // biome-ignore lint/a11y/useSemanticElements: ARIA groups a listbox's options with role=group (a fieldset is for form controls)
        <div key={g.name} className="host-group" role="group" aria-label={`Host ${g.name}`}>
          <HostStrip host={g.host} name={g.name} now={now} />
          {g.workers.map((w) => (
            <WorkerRow
              key={w.name}
              ref={(el) => {
                if (el) rows.current.set(w.name, el);
                else rows.current.delete(w.name);
              }}
              worker={w}
              warnings={(g.host?.warnings ?? []).filter((x) => x.workers.includes(w.name))}
              active={sorted.indexOf(w) === activeIndex}
              ticked={ticked.includes(w.name)}
              shown={shown.includes(w.name)}
              onTick={
                workers.length > 1 ? () => stores.navigation.getState().toggleTicked(w.name) : undefined
              }
              onOpen={() => onOpen(w.name)}
              onFocus={() => setActiveName(w.name)}
            />
          ))}
        </div>
      ))}
    </div>
  );
}
