import { forwardRef } from 'react';
import type { HostWarning, WorkerSnapshot } from '../../shared/model';
import { formatEpoch, formatRelative, formatValue } from '../format/format';
import { resourcesText, warningHeadline } from '../format/host-format';
import { useSlice } from '../stores/context';
import { RowEta, RowSlowdown } from './ForecastBits';
import { Sparkline } from './Sparkline';
import { StatusBadge } from './StatusBadge';
import { useSeries } from './useSeries';

const SPARK_OPTIONS = { maxPoints: 48, x: 'step' } as const;

interface Props {
  worker: WorkerSnapshot;
  /** Its host's warnings that concern it (shown in full on the host's strip). */
  warnings?: readonly HostWarning[];
  active: boolean;
  /** Ticked for the compare view. */
  ticked?: boolean;
  /** Open beside the list (a wide window). */
  shown?: boolean;
  onTick?(): void;
  onOpen(): void;
  onFocus(): void;
}

export const WorkerRow = forwardRef<HTMLDivElement, Props>(function WorkerRow(
  { worker, warnings = [], active, ticked = false, shown = false, onTick, onOpen, onFocus },
  ref,
) {
  const now = useSlice(
    (s) => s.clock,
    (c) => c.now,
  );
  const metrics = worker.lossMetric ? [worker.lossMetric] : [];
  const { result } = useSeries(worker.name, metrics, SPARK_OPTIONS, worker.records);
  // An unreachable worker keeps its last known values, marked as such: never a false all-clear.
  const stale = worker.status === 'unreachable' || worker.connection === 'unreachable';
  const resources = resourcesText(worker.resources);
  return (
    <div
      ref={ref}
      role="option"
      aria-selected={active}
      tabIndex={active ? 0 : -1}
      aria-current={shown || undefined}
      className={`worker-row${stale ? ' stale' : ''}${shown ? ' shown' : ''}`}
      data-worker={worker.name}
      onClick={onOpen}
      onFocus={onFocus}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onOpen();
        }
      }}
    >
      <div className="row-main">
        {onTick && (
          // Ticking is not opening: the click and the space key stay with the checkbox.
          <input
            type="checkbox"
            className="compare-tick"
            aria-label={`Compare ${worker.name}`}
            checked={ticked}
            onChange={onTick}
            onClick={(e) => e.stopPropagation()}
            onKeyDown={(e) => e.stopPropagation()}
          />
        )}
        <StatusBadge status={worker.status} />
        <span className="worker-name">{worker.name}</span>
        <span className="epoch" title="epoch">
          {formatEpoch(worker)}
        </span>
      </div>
      <div className="row-loss">
        <span
          className={`loss${worker.loss !== null && !Number.isFinite(worker.loss) ? ' not-a-number' : ''}`}
          title={worker.lossMetric ?? 'loss'}
        >
          {formatValue(worker.loss)}
        </span>
        <Sparkline
          points={result?.series[0]?.points ?? []}
          nonFinite={result?.series[0]?.nonFinite}
          label={`${worker.name} loss trend`}
        />
      </div>
      <div className="row-meta">
        <span>
          {stale && <span className="stale-mark">last known</span>} progress{' '}
          {formatRelative(worker.lastProgressAt, now)}
        </span>
        <RowEta worker={worker} now={now} />
        <span>contact {formatRelative(worker.lastContactAt, now)}</span>
      </div>
      <RowSlowdown worker={worker} />
      {(resources || warnings.length > 0) && (
        <div className="row-resources">
          {resources}
          {warnings.map((w) => (
            <span key={w.kind + w.text.slice(0, 30)} className="row-warning">
              {' '}
              ⚠ {warningHeadline(w.text).headline}
            </span>
          ))}
        </div>
      )}
    </div>
  );
});
