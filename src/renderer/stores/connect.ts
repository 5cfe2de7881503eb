// Feeds the stores from the contract: the first snapshot by request, then every pushed event.

import type { ContractClient } from '../../shared/channel';
import type { LinkState } from '../../shared/channel-reconnect';
import type { Stores } from './stores';

export function connectStores(client: ContractClient, stores: Stores, signal: AbortSignal): void {
  const options = { signal };
  client.on(
    'snapshot',
    (snapshot) => stores.fleet.setState({ snapshot, link: 'live', retry: null, loadError: null }),
    options,
  );
  client.on('alert', (alert) => stores.alerts.getState().push(alert), options);
  client.on('progress', (event) => stores.progress.getState().update(event), options);
  client.on('focusWorker', ({ worker }) => stores.navigation.getState().open(worker), options);
  fetchSnapshot(client, stores, signal);
}

function fetchSnapshot(client: ContractClient, stores: Stores, signal: AbortSignal): void {
  client.getSnapshot().then(
    (snapshot) => {
      if (signal.aborted) return;
      // A pushed snapshot may already be newer than this answer.
      const current = stores.fleet.getState().snapshot;
      if (!current || current.generatedAt <= snapshot.generatedAt) stores.fleet.setState({ snapshot });
      stores.fleet.setState({ link: 'live', retry: null, loadError: null });
    },
    (error: Error) => {
      if (!signal.aborted) stores.fleet.setState({ loadError: error.message });
    },
  );
}

/**
 * Follows the web UI's socket: while it is down the UI says so (and when it tries again); once it is
 * back, a fresh snapshot replaces what may have changed meanwhile.
 */
export function followLink(client: ContractClient, stores: Stores, signal: AbortSignal) {
  return (link: LinkState): void => {
    if (signal.aborted) return;
    if (link.state === 'reconnecting') {
      stores.fleet.setState({ link: 'reconnecting', retry: { attempt: link.attempt, at: link.retryAt } });
    } else if (link.state === 'open' && link.reconnected) {
      fetchSnapshot(client, stores, signal);
    }
  };
}
