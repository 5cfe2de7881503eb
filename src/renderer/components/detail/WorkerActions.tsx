// What the user can do with one worker: sync its results now, open its local folder, snooze its
// alerts. Each answers in the status line under the buttons.

import { useState } from 'react';
import { useClient } from '../../stores/context';

const SNOOZE_MS = 3_600_000;

export function WorkerActions({ worker }: { worker: string }) {
  const client = useClient();
  const [syncing, setSyncing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const act = (label: string, run: () => Promise<void>) => {
    run().then(
      () => setNotice(label),
      (e: Error) => setNotice(`Failed: ${e.message}`),
    );
  };
  return (
    <>
      <div className="actions">
        <button
          type="button"
          disabled={syncing}
          onClick={() => {
            setSyncing(true);
            setNotice('Syncing…');
            act('Sync finished', () => client.syncNow(worker).finally(() => setSyncing(false)));
          }}
        >
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>
        <button type="button" onClick={() => act('Opened the local folder', () => client.openMirror(worker))}>
          Open folder
        </button>
        <button
          type="button"
          onClick={() => act('Alerts snoozed for 1 hour', () => client.snooze(worker, SNOOZE_MS))}
        >
          Snooze 1 h
        </button>
      </div>
      <p className="notice" role="status">
        {notice ?? ''}
      </p>
    </>
  );
}
