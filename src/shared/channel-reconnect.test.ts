import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../../test/support/fake-clock';
import { createClient, serveBackend } from './channel';
import {
  createReconnectingTransport,
  defaultBackoff,
  type LinkState,
  MAX_BACKOFF_MS,
} from './channel-reconnect';
import { createWebSocketTransport, type WebSocketLike } from './channel-websocket';
import { createFakeBackend } from './contract-fake';

type Listener = (event: { data?: unknown }) => void;

/** A socket pair in memory: the page's end and the server's end, opened and dropped by the test. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  peer: FakeSocket | null = null;
  private listeners = new Map<string, Set<Listener>>();
  addEventListener(type: string, l: Listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(l);
  }
  removeEventListener(type: string, l: Listener) {
    this.listeners.get(type)?.delete(l);
  }
  fire(type: string, event: { data?: unknown } = {}) {
    for (const l of [...(this.listeners.get(type) ?? [])]) l(event);
  }
  send(data: string) {
    if (this.readyState !== 1) throw new Error('not open');
    const peer = this.peer!;
    queueMicrotask(() => peer.fire('message', { data }));
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire('close');
    if (this.peer && this.peer.readyState !== 3) this.peer.close();
  }
  open() {
    this.readyState = 1;
    this.fire('open');
  }
}

function setup() {
  const clock = new FakeClock();
  const backend = createFakeBackend({ now: Date.parse('2025-05-01T12:00:00Z') });
  const pages: FakeSocket[] = [];
  const servers: FakeSocket[] = [];
  const states: LinkState[] = [];
  const transport = createReconnectingTransport({
    clock,
    backoff: (n) => 1000 * 2 ** (n - 1),
    onState: (s) => states.push(s),
    open: () => {
      const page = new FakeSocket();
      pages.push(page);
      return page;
    },
  });
  /** The server accepts the latest page socket. */
  const accept = () => {
    const page = pages.at(-1)!;
    const server = new FakeSocket();
    server.readyState = 1;
    server.peer = page;
    page.peer = server;
    servers.push(server);
    const t = createWebSocketTransport(server);
    const s = serveBackend(t, backend);
    server.addEventListener('close', () => s.dispose());
    page.open();
  };
  const client = createClient(transport, { clock, timeoutMs: 5_000 });
  return { clock, backend, pages, servers, states, transport, client, accept };
}

describe('the web UI’s wire comes back by itself', () => {
  it('reopens a dropped socket after a growing delay, says so, and carries calls and events again', async () => {
    const t = setup();
    t.accept();
    expect(await t.client.getSnapshot()).toMatchObject({ workers: expect.any(Array) });
    const alerts: string[] = [];
    t.client.on('alert', (a) => alerts.push(a.worker));

    t.servers[0]!.close(); // the server went away
    await flush();
    expect(t.states.at(-1)).toEqual({ state: 'reconnecting', attempt: 1, retryAt: t.clock.now() + 1000 });
    await expect(t.client.getSnapshot()).rejects.toThrow(/the connection is closed/);

    await t.clock.advance(999);
    expect(t.pages).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.pages).toHaveLength(2);
    t.pages[1]!.close(); // still down: refused
    await flush();
    expect(t.states.at(-1)).toMatchObject({
      state: 'reconnecting',
      attempt: 2,
      retryAt: t.clock.now() + 2000,
    });
    await t.clock.advance(2000);
    expect(t.pages).toHaveLength(3);
    t.accept(); // back
    expect(t.states.at(-1)).toEqual({ state: 'open', reconnected: true });
    expect(await t.client.getSnapshot()).toMatchObject({ workers: expect.any(Array) });
    t.backend.alert('I3D', 'stalled', 'no progress');
    await flush();
    expect(alerts).toEqual(['I3D']); // the listener registered before the drop still hears

    // Down again: the count starts over.
    t.servers.at(-1)!.close();
    await flush();
    expect(t.states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1 });
    t.transport.dispose();
    await t.clock.advance(60_000);
    expect(t.pages).toHaveLength(3);
  });

  it('waits 1 s, 2 s, 4 s … never more than 30 s, with jitter', () => {
    expect([1, 2, 3, 6, 20].map((n) => defaultBackoff(n, () => 0.5))).toEqual([
      1000, 2000, 4000, 30_000, 30_000,
    ]);
    expect(defaultBackoff(1, () => 0)).toBe(800);
    expect(defaultBackoff(9, () => 1)).toBe(MAX_BACKOFF_MS * 1.2);
  });
});
