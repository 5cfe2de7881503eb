// The detail's header facts: status and reason, a "last known" note when the host is silent, and the
// epoch, step, last progress and host.

import { formatCount } from '../../../shared/human';
import type { WorkerSnapshot } from '../../../shared/model';
import { etaText, finishClock, paceText } from '../../format/forecast-format';
import { formatEpoch, formatRelative, formatValue } from '../../format/format';
import { StatusBadge } from '../StatusBadge';

export function WorkerHeader({ worker, onBack }: { worker: WorkerSnapshot; onBack: () => void }) {
  return (
    <header className="detail-header">
      <button type="button" className="back" onClick={onBack} aria-label="Back to all workers">
        ←
      </button>
      <h2 id="detail-title">{worker.name}</h2>
      <StatusBadge status={worker.status} />
    </header>
  );
}

export function WorkerFacts({ worker, now }: { worker: WorkerSnapshot; now: number }) {
  const stale = worker.status === 'unreachable' || worker.connection === 'unreachable';
  return (
    <>
      <p className="reason">{worker.reason}</p>
      {stale && (
        <p className="stale-note">
          Last known values — {worker.host} last answered {formatRelative(worker.lastContactAt, now)}.
        </p>
      )}
      <dl className="facts">
        <dt>Epoch</dt>
        <dd>{formatEpoch(worker)}</dd>
        <dt>Step</dt>
        <dd>{worker.step === null ? '—' : formatCount(worker.step)}</dd>
        <dt>Last progress</dt>
        <dd>{formatRelative(worker.lastProgressAt, now)}</dd>
        <dt>Finish</dt>
        <dd>
          {worker.etaAt ? `${etaText(worker, now)} (${finishClock(Date.parse(worker.etaAt), now)})` : '—'}
        </dd>
        <dt>Pace</dt>
        <dd>
          {paceText(worker) ?? '—'}
          {worker.slowdown && <span className="row-slowdown"> ⚠ {worker.slowdown.text}</span>}
        </dd>
        <dt>Host</dt>
        <dd>
          {worker.host} ({worker.connection})
        </dd>
      </dl>
    </>
  );
}

export function LatestValues({ worker }: { worker: WorkerSnapshot }) {
  return (
    <>
      <h3>Latest values</h3>
      <table className="metrics">
        <tbody>
          {Object.keys(worker.metrics).map((m) => (
            <tr key={m}>
              <th scope="row">{m}</th>
              <td className={Number.isFinite(worker.metrics[m]) ? undefined : 'not-a-number'}>
                {formatValue(worker.metrics[m])}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
