// A host at a glance above its workers: RAM, swap, disks, and per GPU its utilization and memory as
// small bars coloured by threshold (each with its words), then its warnings, why it is silent, or what
// happened while it was.

import type { HostSnapshot } from '../../shared/model';
import { formatRelative } from '../format/format';
import { type Bar, hostBars, warningHeadline } from '../format/host-format';

function Meter({ bar }: { bar: Bar }) {
  const pct = bar.fraction === null ? null : Math.round(Math.min(1, Math.max(0, bar.fraction)) * 100);
  return (
    <span className={`meter level-${bar.level}`} title={`${bar.label}: ${bar.text}`}>
      <span className="meter-label">{bar.label}</span>
      {pct !== null ? (
        // The words beside it say the same: the bar is for the eye.
        <span className="meter-bar" aria-hidden="true" data-pct={pct}>
          <span className="meter-fill" style={{ width: `${pct}%` }} />
        </span>
      ) : null}
      <span className="meter-text">{bar.short}</span>
    </span>
  );
}

export function HostStrip({ host, name, now }: { host: HostSnapshot | null; name: string; now: number }) {
  const headingId = `host-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  if (!host) {
    return (
      <div className="host-strip">
        <h2 className="host-name" id={headingId}>
          {name}
        </h2>
      </div>
    );
  }
  const silent = host.connection !== 'ok' && host.connection !== 'degraded';
  const bars = hostBars(host);
  return (
    <section className={`host-strip${silent ? ' stale' : ''}`} aria-labelledby={headingId}>
      <div className="host-head">
        <h2 className="host-name" id={headingId}>
          {host.name}
        </h2>
        {host.connection !== 'ok' && <span className="host-connection">{host.connection}</span>}
        {silent && host.vitalsAt && (
          <span className="stale-mark">last known, {formatRelative(host.vitalsAt, now)}</span>
        )}
      </div>
      {bars.length > 0 && (
        <div className="meters">
          {bars.map((b) => (
            <Meter key={b.key} bar={b} />
          ))}
        </div>
      )}
      {host.vitalsNote && <p className="host-note">{host.vitalsNote}</p>}
      {host.gpuNote && <p className="host-note host-bad">{host.gpuNote}</p>}
      {host.silence && <p className="host-silence">{host.silence}</p>}
      {host.returned && <p className="host-returned">{host.returned.text}</p>}
      {host.warnings.length > 0 && (
        <ul className="host-warnings" aria-label={`Warnings on ${host.name}`}>
          {host.warnings.map((w) => {
            const { headline, rest } = warningHeadline(w.text);
            return (
              <li key={`${w.kind}:${w.text.slice(0, 40)}`}>
                <span aria-hidden="true">⚠ </span>
                <strong>{headline}</strong>
                {rest && <span className="warning-rest">: {rest}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
