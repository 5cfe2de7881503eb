import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient } from '../../shared/channel';
import { describeContract } from '../../shared/channel-contract-suite';
import { createWebSocketTransport, type WebSocketLike } from '../../shared/channel-websocket';
import { createFakeBackend } from '../../shared/contract-fake';
import { type HeadlessServer, startServer, WS_PATH } from './server';

let staticDir: string;
beforeAll(() => {
  staticDir = mkdtempSync(join(tmpdir(), 'vigil-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Vigil</title>');
  writeFileSync(join(staticDir, 'app.js'), 'console.log(1)');
});
afterAll(() => rmSync(staticDir, { recursive: true, force: true }));

const STATUS = { generatedAt: '2025-05-01T12:00:00.000Z', workers: [{ name: 'I3D', loss: 'NaN' }] };

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(
  server: HeadlessServer,
  { origin, token, host }: { origin?: string; token?: string; host?: string },
) {
  const ws = new WebSocket(
    `ws://127.0.0.1:${server.port}${WS_PATH}?token=${encodeURIComponent(token ?? '')}`,
    {
      ...(origin ? { origin } : {}),
      ...(host ? { headers: { host } } : {}),
    },
  );
  return new Promise<{ ws: WebSocket; status: number | null }>((resolve) => {
    ws.on('open', () => resolve({ ws, status: null }));
    ws.on('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ ws, status: -1 }));
  });
}

describe('vigil serve (real HTTP and WebSocket on 127.0.0.1)', () => {
  let server: HeadlessServer;
  afterEach(async () => server?.close());
  const start = async () => {
    server = await startServer({ backend: createFakeBackend(), staticDir, statusJson: () => STATUS });
    return server;
  };

  it('listens on 127.0.0.1 with a fresh random token each start', async () => {
    const a = await start();
    expect(a.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${a.port}/\\?token=.{20,}`));
    const b = await startServer({ backend: createFakeBackend(), staticDir, statusJson: () => STATUS });
    expect(b.token).not.toBe(a.token);
    await b.close();
  });

  it('answers /api/status only with the right token', async () => {
    const { port, token } = await start();
    expect((await get(port, '/api/status')).status).toBe(401);
    expect((await get(port, '/api/status?token=wrong')).status).toBe(401);
    const ok = await get(port, `/api/status?token=${encodeURIComponent(token)}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual(STATUS);
  });

  it('serves the renderer with a strict CSP that only allows its own socket', async () => {
    const { port } = await start();
    const page = await get(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Vigil</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/^default-src 'none'/);
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(csp).not.toContain('unsafe');
    expect((await get(port, '/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await get(port, '/detail/I3D')).body).toContain('<title>Vigil</title>');
    expect((await get(port, '/missing.js')).status).toBe(404);
    // A path that climbs out of the directory stays inside it (and falls back to the page).
    const climbed = await get(port, '/..%2f..%2f..%2f..%2fetc%2fpasswd');
    expect(climbed.body).not.toMatch(/root:/);
    expect((await get(port, '/..%2f..%2f..%2f..%2fetc%2fhostname.txt')).status).toBe(404);
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    const { port } = await start();
    expect((await get(port, '/', { Host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses WebSocket upgrades without the token or from another origin', async () => {
    const s = await start();
    const origin = `http://127.0.0.1:${s.port}`;
    expect((await openSocket(s, { origin })).status).toBe(401);
    expect((await openSocket(s, { origin, token: 'nope' })).status).toBe(401);
    expect((await openSocket(s, { origin: 'https://evil.example', token: s.token })).status).toBe(403);
    expect((await openSocket(s, { token: s.token })).status).toBe(403);
    const ok = await openSocket(s, { origin, token: s.token });
    expect(ok.status).toBeNull();
    ok.ws.close();
  });
});

describe('/metrics and --listen', () => {
  let server: HeadlessServer | undefined;
  afterEach(async () => server?.close());
  const EXPOSITION = '# TYPE vigil_config_ok gauge\nvigil_config_ok 1\n';

  it('/metrics answers only with the token as a Bearer header (401 otherwise, never in the URL)', async () => {
    server = await startServer({
      backend: createFakeBackend(),
      staticDir,
      statusJson: () => STATUS,
      metrics: () => EXPOSITION,
    });
    const { port, token } = server;
    const none = await get(port, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="vigil"');
    expect((await get(port, '/metrics', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get(port, `/metrics?token=${encodeURIComponent(token)}`)).status).toBe(401);
    const ok = await get(port, '/metrics', { Authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.body).toBe(EXPOSITION);
    // /api/status takes the same header.
    expect((await get(port, '/api/status', { Authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('binds 127.0.0.1 unless told; with --listen any name reaches it, the token is still required', async () => {
    server = await startServer({ backend: createFakeBackend(), staticDir, statusJson: () => STATUS });
    expect((await get(server.port, '/', { Host: 'vigil-box.lan' })).status).toBe(421);
    await server.close();
    server = await startServer({
      backend: createFakeBackend(),
      staticDir,
      statusJson: () => STATUS,
      metrics: () => EXPOSITION,
      host: '0.0.0.0',
      token: 'a-fixed-token-from-a-file-0123',
    });
    expect(server.host).toBe('0.0.0.0');
    expect(server.url).toBe(`http://${os.hostname()}:${server.port}/?token=a-fixed-token-from-a-file-0123`);
    const name = `vigil-box.lan:${server.port}`;
    const page = await get(server.port, '/', { Host: name });
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toContain(`connect-src 'self' ws://${name}`);
    expect((await get(server.port, '/', { Host: 'bad"name;script-src *' })).status).toBe(421);
    expect((await get(server.port, '/api/status', { Host: name })).status).toBe(401);
    expect((await get(server.port, '/metrics', { Host: name })).status).toBe(401);
    const token = server.token;
    expect((await openSocket(server, { host: name, origin: `http://${name}` })).status).toBe(401);
    expect((await openSocket(server, { host: name, origin: 'http://evil.example', token })).status).toBe(403);
    const ok = await openSocket(server, { host: name, origin: `http://${name}`, token });
    expect(ok.status).toBeNull();
    ok.ws.close();
  });
});

describe('vigil serve under load and with a broken config', () => {
  it('answers /api/status 503 with configError when the config did not load', async () => {
    let configError: string | null = 'config.yaml:3:5: workers[0].host: unknown host "gpu"';
    const server = await startServer({
      backend: createFakeBackend(),
      staticDir,
      statusJson: () => ({ generatedAt: STATUS.generatedAt, workers: [] }),
      configError: () => configError,
    });
    try {
      const url = `/api/status?token=${encodeURIComponent(server.token)}`;
      const broken = await get(server.port, url);
      expect(broken.status).toBe(503);
      expect(JSON.parse(broken.body)).toEqual({ generatedAt: STATUS.generatedAt, workers: [], configError });
      configError = null;
      expect((await get(server.port, url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('drops a client that asks for series without reading them; other clients are served', async () => {
    const big = { series: [{ metric: 'loss', points: 'x'.repeat(1 << 20) }] };
    const backend = { ...createFakeBackend(), getSeries: () => big } as unknown as ReturnType<
      typeof createFakeBackend
    >;
    const server = await startServer({ backend, staticDir, statusJson: () => STATUS });
    const origin = `http://127.0.0.1:${server.port}`;
    try {
      const greedy = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${server.token}`, {
        origin,
      });
      await new Promise((r) => greedy.once('open', r));
      greedy.pause(); // never reads a reply
      const closed = new Promise<void>((r) => greedy.once('close', () => r()));
      const rss0 = process.memoryUsage().rss;
      for (let id = 1; id <= 300; id++) {
        greedy.send(
          JSON.stringify({
            type: 'request',
            id,
            command: 'getSeries',
            args: ['I3D', ['loss'], { maxPoints: 10, x: 'step' }],
          }),
        );
      }
      // 300 MB of replies asked for and none read: the server gives up on this client past 16 MiB queued.
      await new Promise((r) => setTimeout(r, 3000));
      const grown = process.memoryUsage().rss - rss0;
      let replies = 0;
      greedy.on('message', () => {
        replies++;
      });
      greedy.resume();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 20_000))]);
      expect(greedy.readyState).toBe(WebSocket.CLOSED);
      expect(replies).toBeLessThan(300);
      expect(grown).toBeLessThan(200 << 20);
      const ok = await openSocket(server, { origin, token: server.token });
      expect(ok.status).toBeNull();
      ok.ws.close();
    } finally {
      await server.close();
    }
  });
});

describeContract('WebSocket (real server)', async (clientOptions) => {
  const backend = createFakeBackend({ now: Date.parse('2025-05-01T12:00:00Z') });
  const server = await startServer({ backend, staticDir, statusJson: () => STATUS });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${server.token}`, {
    origin: `http://127.0.0.1:${server.port}`,
  });
  const client = createClient(createWebSocketTransport(ws as unknown as WebSocketLike), clientOptions);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    backend,
    client,
    close: async () => {
      ws.close();
      await server.close();
    },
  };
});
