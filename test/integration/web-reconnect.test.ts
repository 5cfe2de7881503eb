// The web UI's wire over the real `vigil serve` server and a real WebSocket: the server goes away and
// comes back on the same address, and the page's stores follow (reconnecting, then live with a fresh
// snapshot) without a reload.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type HeadlessServer, startServer, WS_PATH } from '../../src/main/headless/server';
import { connectStores, followLink } from '../../src/renderer/stores/connect';
import { createStores } from '../../src/renderer/stores/stores';
import { createClient } from '../../src/shared/channel';
import { createReconnectingTransport, type LinkState } from '../../src/shared/channel-reconnect';
import type { WebSocketLike } from '../../src/shared/channel-websocket';
import { systemClock } from '../../src/shared/clock';
import { createFakeBackend } from '../../src/shared/contract-fake';

const staticDir = mkdtempSync(join(tmpdir(), 'vigil-static-'));
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Vigil</title>');
afterAll(() => rmSync(staticDir, { recursive: true, force: true }));

async function until(ok: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the web UI reconnects to a restarted server', () => {
  it('says it is reconnecting while the server is down, and is live again with fresh values once it is back', async () => {
    const token = 'a-fixed-token-for-this-test';
    const first = createFakeBackend({ now: Date.parse('2025-05-01T12:00:00Z') });
    let server: HeadlessServer = await startServer({
      backend: first,
      staticDir,
      token,
      statusJson: () => ({}),
    });
    const port = server.port;
    const states: LinkState['state'][] = [];
    let onLink: (s: LinkState) => void = () => {};
    const transport = createReconnectingTransport({
      clock: systemClock,
      backoff: () => 150,
      onState: (s) => {
        states.push(s.state);
        onLink(s);
      },
      open: () =>
        new WebSocket(`ws://127.0.0.1:${port}${WS_PATH}?token=${token}`, {
          origin: `http://127.0.0.1:${port}`,
        }) as unknown as WebSocketLike,
    });
    const client = createClient(transport, { timeoutMs: 3_000 });
    const stores = createStores();
    const signal = new AbortController().signal;
    connectStores(client, stores, signal);
    onLink = followLink(client, stores, signal);
    try {
      await until(() => stores.fleet.getState().link === 'live', 'the first snapshot');
      expect(stores.fleet.getState().snapshot?.workers.map((w) => w.name)).toContain('I3D');

      await server.close();
      await until(() => stores.fleet.getState().link === 'reconnecting', 'the UI to say it reconnects');
      expect(stores.fleet.getState().retry).toMatchObject({ attempt: 1 });
      await new Promise((r) => setTimeout(r, 600)); // a few refused tries
      expect(states.filter((s) => s === 'reconnecting').length).toBeGreaterThan(1);

      // Back on the same address, with something new to show.
      const second = createFakeBackend({ now: Date.parse('2025-05-01T13:00:00Z') });
      second.setSnapshot({ ...second.snapshot(), workers: second.snapshot().workers.slice(0, 1) });
      server = await startServer({ backend: second, staticDir, token, port, statusJson: () => ({}) });
      await until(() => stores.fleet.getState().snapshot?.workers.length === 1, 'a fresh snapshot');
      expect(stores.fleet.getState()).toMatchObject({ link: 'live', retry: null });
      expect(states.at(-1)).toBe('open');
    } finally {
      transport.dispose();
      client.dispose();
      await server.close();
    }
  });
});
