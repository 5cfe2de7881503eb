// The worker's sync rules: a progress bar for each running transfer, else when it last ran and how.

import type { ProgressEvent } from '../../shared/contract';
import { formatBytes } from '../../shared/human';
import type { SyncRuleState } from '../../shared/model';
import { formatRelative } from '../format/format';

function eta(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return ` · ${Math.round(seconds)} s left`;
  return ` · ${Math.round(seconds / 60)} min left`;
}

interface Props {
  rules: SyncRuleState[];
  progress: Record<string, ProgressEvent>;
  now: number;
}

export function SyncPanel({ rules, progress, now }: Props) {
  if (rules.length === 0) return null;
  return (
    <section aria-label="Results sync">
      <h3>Results sync</h3>
      <ul className="sync-rules">
        {rules.map((r) => {
          const p = r.state === 'running' ? progress[r.to] : undefined;
          return (
            <li key={r.to}>
              <span className="sync-to" title={r.to}>
                {r.to}
              </span>
              {p ? (
                <span className="sync-progress">
                  <progress max={100} value={p.percent} aria-label={`Sync to ${r.to}`} />
                  {` ${Math.round(p.percent)} % · ${formatBytes(p.bytes)} · ${formatBytes(p.rate)}/s${eta(p.eta)}`}
                </span>
              ) : r.state === 'running' ? (
                <span className="sync-progress">starting…</span>
              ) : r.state === 'queued' ? (
                <span className="sync-progress">queued (one transfer per host at a time)</span>
              ) : r.lastSyncAt ? (
                <span className={`sync-result${r.result === 'ok' ? '' : ' sync-problem'}`}>
                  {formatRelative(r.lastSyncAt, now)} — {r.result}
                </span>
              ) : (
                <span className="sync-result">not synced yet</span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
