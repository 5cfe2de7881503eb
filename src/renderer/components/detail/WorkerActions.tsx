// What the user can do with one worker: sync its results now, open its local folder, snooze its
// alerts. Each answers in the status line under the buttons. "Sync now" is answered as soon as the runs
// are queued; the line then follows their progress events until every run it started has ended.

import { useEffect, useRef, useState } from 'react';
import type { ProgressEvent } from '../../../shared/contract';
import { useClient } from '../../stores/context';

const SNOOZE_MS = 3_600_000;

const ENDED = new Set(['ok', 'warning', 'error']);

/** The line once every run has ended: the worst outcome, with its message. */
export function syncOutcome(ends: ProgressEvent[]): string {
  const failed = ends.filter((e) => e.phase === 'error');
  if (failed.length > 0) return `Sync failed: ${failed.map((e) => e.message ?? 'unknown error').join('; ')}`;
  const warned = ends.filter((e) => e.phase === 'warning');
  if (warned.length > 0) return `Sync finished with a warning: ${warned.map((e) => e.message).join('; ')}`;
  return 'Sync finished';
}

export function WorkerActions({ worker }: { worker: string }) {
  const client = useClient();
  const [syncing, setSyncing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const follow = useRef<AbortController | null>(null);
  useEffect(() => () => follow.current?.abort(), []);

  const act = (label: string, run: () => Promise<void>) => {
    run().then(
      () => setNotice(label),
      (e: Error) => setNotice(`Failed: ${e.message}`),
    );
  };

  const syncNow = () => {
    follow.current?.abort();
    const stop = new AbortController();
    follow.current = stop;
    setSyncing(true);
    setNotice('Starting the sync…');
    // Runs this click started (seen queued or running), and how each ended.
    const started = new Set<string>();
    const ends = new Map<string, ProgressEvent>();
    let answered = false;
    const finishIfDone = () => {
      if (!answered || started.size === 0 || ends.size < started.size) return;
      stop.abort();
      setSyncing(false);
      setNotice(syncOutcome([...ends.values()]));
    };
    client.on(
      'progress',
      (e) => {
        if (e.worker !== worker) return;
        if (e.phase === 'queued' || e.phase === 'running') {
          started.add(e.rule);
          ends.delete(e.rule);
        } else if (e.phase && ENDED.has(e.phase) && started.has(e.rule)) {
          ends.set(e.rule, e);
          finishIfDone();
        } else if (!e.phase && started.has(e.rule)) {
          setNotice(`Syncing… ${Math.round(e.percent)} %`);
        }
      },
      { signal: stop.signal },
    );
    client.syncNow(worker).then(
      () => {
        answered = true;
        if (!stop.signal.aborted) setNotice((n) => (n === 'Starting the sync…' ? 'Syncing…' : n));
        finishIfDone();
      },
      (e: Error) => {
        stop.abort();
        setSyncing(false);
        setNotice(`Failed: ${e.message}`);
      },
    );
  };

  return (
    <>
      <div className="actions">
        <button type="button" disabled={syncing} onClick={syncNow}>
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
