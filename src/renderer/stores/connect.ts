// Feeds the stores from the contract: the first snapshot by request, then every pushed event.

import type { ContractClient } from '../../shared/channel';
import type { Stores } from './stores';

export function connectStores(client: ContractClient, stores: Stores, signal: AbortSignal): void {
  const options = { signal };
  client.on(
    'snapshot',
    (snapshot) => stores.fleet.setState({ snapshot, link: 'live', loadError: null }),
    options,
  );
  client.on('alert', (alert) => stores.alerts.getState().push(alert), options);
  client.on('progress', (event) => stores.progress.getState().update(event), options);
  client.on('focusWorker', ({ worker }) => stores.navigation.getState().open(worker), options);
  client.getSnapshot().then(
    (snapshot) => {
      if (signal.aborted) return;
      // A pushed snapshot may already be newer than this answer.
      const current = stores.fleet.getState().snapshot;
      if (!current || current.generatedAt <= snapshot.generatedAt) stores.fleet.setState({ snapshot });
      stores.fleet.setState({ link: 'live', loadError: null });
    },
    (error: Error) => {
      if (!signal.aborted) stores.fleet.setState({ loadError: error.message });
    },
  );
}
