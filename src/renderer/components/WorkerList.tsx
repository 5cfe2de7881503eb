// The fleet at a glance, problems first. A listbox: arrows move, Home/End jump, Enter opens.

import { useRef, useState } from 'react';
import type { WorkerSnapshot } from '../../shared/model';
import { sortWorkers } from '../format/format';
import { WorkerRow } from './WorkerRow';

interface Props {
  workers: readonly WorkerSnapshot[];
  /** The row that starts out active (the worker last opened). */
  initialActive: string | null;
  onOpen(name: string): void;
}

export function WorkerList({ workers, initialActive, onOpen }: Props) {
  const sorted = sortWorkers(workers);
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
      {sorted.map((w, i) => (
        <WorkerRow
          key={w.name}
          ref={(el) => {
            if (el) rows.current.set(w.name, el);
            else rows.current.delete(w.name);
          }}
          worker={w}
          active={i === activeIndex}
          onOpen={() => onOpen(w.name)}
          onFocus={() => setActiveName(w.name)}
        />
      ))}
    </div>
  );
}
