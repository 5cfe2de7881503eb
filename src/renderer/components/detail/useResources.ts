// The worker's last hour of resources, fetched when the detail opens and again as new readings come
// (the snapshot's resources change); the last good answer stays while the next one loads.

import { useEffect, useState } from 'react';
import type { ResourceHistory } from '../../../shared/contract';
import { useClient } from '../../stores/context';

export const LAST_HOUR_MS = 3_600_000;

export function useResources(
  worker: string,
  /** Changes whenever a new reading may exist. */
  revision: string,
): { history: ResourceHistory | null; error: string | null } {
  const client = useClient();
  const [state, setState] = useState<{ history: ResourceHistory | null; error: string | null }>({
    history: null,
    error: null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `revision` is the refetch trigger.
  useEffect(() => {
    let current = true;
    client.getResources(worker, LAST_HOUR_MS).then(
      (history) => current && setState({ history, error: null }),
      (error: Error) => current && setState((s) => ({ history: s.history, error: error.message })),
    );
    return () => {
      current = false;
    };
  }, [client, worker, revision]);
  return state;
}
