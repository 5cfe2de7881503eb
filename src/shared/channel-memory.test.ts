import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
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

describe('command timeouts', () => {
  it('run on the injected clock: a call nobody answers rejects when the fake clock passes its bound', async () => {
    const clock = new FakeClock();
    const [clientSide] = createMemoryTransportPair(); // nothing serves the other side
    const client = createClient(clientSide, { timeoutMs: 30_000, clock });
    let outcome: string | null = null;
    client.getSnapshot().then(
      () => (outcome = 'answered'),
      (e: Error) => (outcome = e.message),
    );
    await clock.advance(29_999);
    expect(outcome).toBeNull();
    await clock.advance(1);
    expect(outcome).toBe('getSnapshot: no answer after 30000 ms');
  });
});
