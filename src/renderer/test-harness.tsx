// Renders the real App over the in-memory transport with the fake backend: components talk to the
// contract exactly as they do in production, only the wire is in-process.

import { act, render } from '@testing-library/react';
import { FakeClock } from '../../test/support/fake-clock';
import { createClient, serveBackend } from '../shared/channel';
import { createMemoryTransportPair } from '../shared/channel-memory';
import { createFakeBackend, type FakeBackendOptions } from '../shared/contract-fake';
import { App } from './App';
import { connectStores } from './stores/connect';
import { ServicesProvider } from './stores/context';
import { createStores } from './stores/stores';

export const NOW = Date.parse('2025-05-01T12:00:00Z');

export function renderApp(options: FakeBackendOptions = {}) {
  const backend = createFakeBackend({ now: NOW, ...options });
  const [clientSide, serverSide] = createMemoryTransportPair();
  const server = serveBackend(serverSide, backend);
  const client = createClient(clientSide);
  const stores = createStores({ now: NOW });
  const abort = new AbortController();
  connectStores(client, stores, abort.signal);
  const clock = new FakeClock(NOW);
  const view = render(
    <ServicesProvider client={client} stores={stores}>
      <App clock={clock} />
    </ServicesProvider>,
  );
  return {
    ...view,
    backend,
    stores,
    /** Moves the UI's clock (its ticking ages) forward. */
    advance(ms: number): Promise<void> {
      return act(() => clock.advance(ms));
    },
    cleanup() {
      abort.abort();
      client.dispose();
      server.dispose();
      view.unmount();
    },
  };
}
