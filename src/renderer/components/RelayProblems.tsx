// Alerts that are not getting through (alerts.notify): which target, why and what to do, how many
// wait in the outbox. Silent while every target delivers: a relay is only news when it fails.

import { formatDuration } from '../../shared/human';
import type { RelayTargetState } from '../../shared/model';

export function RelayProblems({ targets, now }: { targets: RelayTargetState[]; now: number }) {
  const failing = targets.filter((t) => t.state === 'failing' || t.dropped > 0);
  if (failing.length === 0) return null;
  return (
    <section className="relay-problems" role="alert" aria-labelledby="relay-problems-title">
      <h2 id="relay-problems-title">Alerts are not getting through</h2>
      <ul>
        {failing.map((t) => (
          <li key={t.id}>
            <strong>{t.label}</strong>
            {t.state === 'failing' && (
              <>
                {' '}
                — failing
                {t.failingSince ? ` for ${formatDuration(now - Date.parse(t.failingSince))}` : ''}
                {t.pending > 0 ? `, ${t.pending} waiting` : ''}: {t.error}
              </>
            )}
            {t.dropped > 0 && ` (${t.dropped} dropped: the outbox was full or the receiver refused them)`}
          </li>
        ))}
      </ul>
    </section>
  );
}
