import { createClient, serveBackend } from './channel';
import { describeContract } from './channel-contract-suite';
import { createMemoryTransportPair } from './channel-memory';
import { createFakeBackend } from './contract-fake';

describeContract('the in-memory transport', async (clientOptions) => {
  const backend = createFakeBackend({ now: Date.parse('2025-05-01T12:00:00Z') });
  const [clientSide, serverSide] = createMemoryTransportPair();
  const server = serveBackend(serverSide, backend);
  return { backend, client: createClient(clientSide, clientOptions), close: () => server.dispose() };
});
