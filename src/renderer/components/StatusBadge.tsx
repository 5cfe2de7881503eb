import type { WorkerStatus } from '../../shared/model';

/** A coloured dot and the status word: colour is never the only signal. */
export function StatusBadge({ status }: { status: WorkerStatus }) {
  return (
    <span className={`status status-${status}`}>
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  );
}
