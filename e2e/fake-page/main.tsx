// The real App over the in-memory transport and the fake backend (src/shared/contract-fake.ts), for
// screenshots of states a live host rarely shows at will: a memory warning, an idle GPU, a silent host
// with its post-mortem. Bundled by e2e/hosts.spec.ts.

import { createRoot } from 'react-dom/client';
import { App } from '../../src/renderer/App';
import { connectStores } from '../../src/renderer/stores/connect';
import { ServicesProvider } from '../../src/renderer/stores/context';
import { createStores } from '../../src/renderer/stores/stores';
import { createClient, serveBackend } from '../../src/shared/channel';
import { createMemoryTransportPair } from '../../src/shared/channel-memory';
import { systemClock } from '../../src/shared/clock';
import { createFakeBackend } from '../../src/shared/contract-fake';

const NOW = Date.parse('2026-11-28T19:57:00Z');
const backend = createFakeBackend({ now: NOW });
const [clientSide, serverSide] = createMemoryTransportPair();
serveBackend(serverSide, backend);
const client = createClient(clientSide);
const stores = createStores({ now: NOW });
connectStores(client, stores, new AbortController().signal);
createRoot(document.getElementById('root')!).render(
  <ServicesProvider client={client} stores={stores}>
    <App clock={{ ...systemClock, now: () => NOW }} />
  </ServicesProvider>,
);
(window as unknown as { alertNow: () => void }).alertNow = () =>
  backend.emit('alert', {
    worker: 'I3D',
    workers: ['I3D', 'SlowFast', 'Transformer'],
    host: 'ec2',
    kind: 'warning',
    message:
      'ec2: memory nearly exhausted: 2.6 of 64 GB free, no swap, memory pressure 6.1 % — the OOM killer or a freeze comes next: lower the batch size or the DataLoader workers',
    at: new Date(NOW).toISOString(),
  });
