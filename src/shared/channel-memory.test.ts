import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
import { createClient, serveBackend } from './channel';
import { describeContract } from './channel-contract-suite';
import { createMemoryTransportPair } from './channel-memory';
import { COMMAND_TIMEOUT_MS } from './contract';
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

  it('gives each command its own bound: a config reload may take longer than a snapshot', async () => {
    const clock = new FakeClock();
    const [clientSide] = createMemoryTransportPair();
    const client = createClient(clientSide, { clock });
    const outcomes: string[] = [];
    const note = (p: Promise<unknown>) => p.catch((e: Error) => outcomes.push(e.message));
    note(client.getSnapshot());
    note(client.syncNow('I3D'));
    note(client.reloadConfig());
    await clock.advance(COMMAND_TIMEOUT_MS.syncNow);
    expect(outcomes).toEqual([`syncNow: no answer after ${COMMAND_TIMEOUT_MS.syncNow} ms`]);
    await clock.advance(COMMAND_TIMEOUT_MS.getSnapshot - COMMAND_TIMEOUT_MS.syncNow);
    expect(outcomes).toHaveLength(2);
    await clock.advance(COMMAND_TIMEOUT_MS.reloadConfig);
    expect(outcomes.at(-1)).toBe(`reloadConfig: no answer after ${COMMAND_TIMEOUT_MS.reloadConfig} ms`);
    // One override for one command, the others keep theirs.
    const quick = createClient(clientSide, { clock, timeoutMs: { reloadConfig: 5 } });
    const late: string[] = [];
    quick.reloadConfig().catch((e: Error) => late.push(e.message));
    await clock.advance(5);
    expect(late).toEqual(['reloadConfig: no answer after 5 ms']);
  });
});
