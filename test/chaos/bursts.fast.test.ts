// Bursts of malformed messages on both wires: random JSON, wrong types, unknown commands,
// huge payloads, binary frames, text that is not JSON. Each is refused with an error, the server keeps
// serving (a good request answers afterwards), and memory stays bounded.

import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, WS_PATH } from '../../src/main/headless/server';
import { createIpcMainTransport } from '../../src/main/shell/ipc-transport';
import { serveBackend } from '../../src/shared/channel';
import { IPC_CHANNEL } from '../../src/shared/channel-electron';
import { createFakeBackend } from '../../src/shared/contract-fake';
import { retainedMb } from './files-support';
import { recordPass, rssMb } from './table';

/** A deterministic stream of hostile messages (seeded, so a failure replays). */
function* hostile(seed: number): Generator<{ kind: string; value: unknown; id: number | null }> {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const randomJson = (depth: number): unknown => {
    const r = rnd();
    if (depth > 3 || r < 0.2) return Math.floor(rnd() * 1e6) - 5e5;
    if (r < 0.35) return 'x'.repeat(Math.floor(rnd() * 50));
    if (r < 0.45) return null;
    if (r < 0.55) return rnd() < 0.5;
    if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 5) }, () => randomJson(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < rnd() * 5; i++)
      o[['type', 'id', 'command', 'args', 'k'][i % 5]!] = randomJson(depth + 1);
    return o;
  };
  const commands = ['getSnapshot', 'getSeries', 'snooze', 'syncNow', 'openMirror', 'reloadConfig'];
  const unknown = [
    'exec',
    'subscribe',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '',
    'getSnapshot ',
  ];
  let id = 1000;
  for (;;) {
    const r = rnd();
    const nextId = ++id;
    if (r < 0.2) yield { kind: 'random JSON', value: randomJson(0), id: null };
    else if (r < 0.4) {
      // Right shape, wrong argument types or values.
      const command = commands[Math.floor(rnd() * 4) + 1]!;
      const args = [
        [],
        [42],
        [null, -1],
        ['I3D', 'loss', { maxPoints: 1e9, x: 'epoch' }],
        ['I3D', ['loss'], { maxPoints: 10, x: 'sideways' }],
        [{ worker: 'I3D' }],
        ['I3D', 10 ** 12],
      ][Math.floor(rnd() * 7)];
      yield { kind: 'wrong types', value: { type: 'request', id: nextId, command, args }, id: nextId };
    } else if (r < 0.55) {
      const command = unknown[Math.floor(rnd() * unknown.length)];
      yield {
        kind: 'unknown command',
        value: { type: 'request', id: nextId, command, args: [] },
        id: nextId,
      };
    } else if (r < 0.7) {
      // Envelope broken: id not a number, args not an array, wrong type tag.
      const v = [
        { type: 'request', id: String(nextId), command: 'getSnapshot', args: [] },
        { type: 'request', id: nextId, command: 'getSnapshot', args: 'none' },
        { type: 'response', id: nextId, ok: true, result: 1 },
        { type: 'event', event: 'snapshot', payload: {} },
        { type: 'request', id: nextId, command: 7, args: [] },
      ][Math.floor(rnd() * 5)];
      yield { kind: 'broken envelope', value: v, id: null };
    } else if (r < 0.8) {
      // Big, but under the 1 MiB frame limit: must be refused by validation, not choke the server.
      const names = Array.from({ length: 20_000 }, (_, i) => `m${i}`);
      yield {
        kind: 'oversized arguments',
        value: {
          type: 'request',
          id: nextId,
          command: 'getSeries',
          args: ['I3D', names, { maxPoints: 10, x: 'step' }],
        },
        id: nextId,
      };
    } else if (r < 0.9) {
      yield {
        kind: 'prototype keys',
        value: JSON.parse(
          `{"type":"request","id":${nextId},"command":"snooze","args":[null, 5],"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`,
        ),
        id: nextId,
      };
    } else yield { kind: 'not an object', value: [null, 'request', nextId][Math.floor(rnd() * 3)], id: null };
  }
}

const N = 1500;

describe('bursts of malformed messages', () => {
  const backend = createFakeBackend({ now: Date.parse('2026-11-28T03:00:00Z') });
  let server: Awaited<ReturnType<typeof startServer>>;
  let origin = '';
  beforeAll(async () => {
    const staticDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-burst-static-'));
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    server = await startServer({ backend, staticDir, statusJson: () => ({ workers: [] }) });
    origin = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  async function open(): Promise<{ ws: WebSocket; frames: unknown[]; closed: Promise<number> }> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${server.token}`, { origin });
    const frames: unknown[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return { ws, frames, closed };
  }

  const responses = (frames: unknown[]) =>
    frames.filter(
      (f): f is { type: 'response'; id: number; ok: boolean; error?: string; result?: unknown } => {
        return typeof f === 'object' && f !== null && (f as { type?: unknown }).type === 'response';
      },
    );

  async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('WebSocket: every malformed message gets an error, a good request answers after, memory bounded', async () => {
    const rss0 = rssMb();
    const retained0 = retainedMb();
    const t0 = Date.now();
    const { ws, frames } = await open();
    const sent: { kind: string; id: number | null }[] = [];
    const gen = hostile(7);
    for (let i = 0; i < N; i++) {
      const m = gen.next().value!;
      ws.send(JSON.stringify(m.value));
      sent.push({ kind: m.kind, id: m.id });
    }
    // Text that is not JSON, and binary frames (random bytes, and bytes that are not UTF-8).
    const junk = ['{', 'NaN', '\u0000', 'undefined', '[1,2', '"unterminated', `${'['.repeat(200_000)}`];
    for (const j of junk) ws.send(j);
    for (let i = 0; i < 50; i++)
      ws.send(Buffer.from(Array.from({ length: 64 }, (_, k) => (i * 31 + k * 7) % 256)));
    ws.send(Buffer.from([0xff, 0xfe, 0xfd]));
    const expected = N + junk.length + 51;
    await until(() => responses(frames).length >= expected, 30_000, `${expected} error responses`);
    const rs = responses(frames);
    // Requests with an id are answered under that id: refused, except the well-formed ones that only
    // carry extra prototype keys (a valid snooze, which must work and pollute nothing).
    const valid = new Set(sent.filter((m) => m.kind === 'prototype keys').map((m) => m.id));
    for (const m of sent) if (m.id !== null) expect(rs.some((r) => r.id === m.id)).toBe(true);
    const refused = rs.filter((r) => !valid.has(r.id));
    expect(refused.length).toBe(expected - valid.size);
    expect(refused.every((r) => r.ok === false && typeof r.error === 'string' && r.error.length > 0)).toBe(
      true,
    );
    expect(rs.filter((r) => valid.has(r.id)).every((r) => r.ok)).toBe(true);
    // Nothing leaked into prototypes.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Still serving, on the same socket.
    ws.send(JSON.stringify({ type: 'request', id: 1, command: 'getSnapshot', args: [] }));
    await until(() => responses(frames).some((r) => r.id === 1), 10_000, 'a good answer');
    const good = responses(frames).find((r) => r.id === 1)!;
    expect(good.ok).toBe(true);
    expect((good.result as { workers: unknown[] }).workers.length).toBe(4);
    ws.close();
    const retained1 = retainedMb();
    expect(retained1 - retained0).toBeLessThan(32);
    const byKind = new Map<string, number>();
    for (const m of sent) byKind.set(m.kind, (byKind.get(m.kind) ?? 0) + 1);
    recordPass({
      fault: `WebSocket burst: ${expected} malformed messages`,
      expected: 'each refused with an error response; a good request answers after; memory bounded',
      observed: `${refused.length} error responses, ${valid.size} valid answered (${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')}, ${junk.length} non-JSON, 51 binary); getSnapshot OK after; retained +${(retained1 - retained0).toFixed(1)} MB`,
      detectionMs: Date.now() - t0,
      rssBeforeMb: rss0,
    });
  });

  it('WebSocket: a frame over 1 MiB closes that socket with 1009; the server goes on serving others', async () => {
    const rss0 = rssMb();
    const a = await open();
    const b = await open();
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      const c = i === 0 ? a : await open();
      c.ws.send('x'.repeat(2 * 1024 * 1024 + i));
      expect(await c.closed).toBe(1009);
    }
    const detect = Date.now() - t0;
    b.ws.send(JSON.stringify({ type: 'request', id: 9, command: 'getSnapshot', args: [] }));
    await until(() => responses(b.frames).some((r) => r.id === 9 && r.ok), 10_000, 'b still served');
    const c = await open();
    c.ws.send(JSON.stringify({ type: 'request', id: 10, command: 'getSnapshot', args: [] }));
    await until(() => responses(c.frames).some((r) => r.id === 10 && r.ok), 10_000, 'a new socket served');
    b.ws.close();
    c.ws.close();
    recordPass({
      fault: 'WebSocket: 5 frames of 2 MiB',
      expected: 'that socket closed with 1009 (too big), others and new ones served',
      observed: '5× close 1009; an open socket and a new one answered getSnapshot',
      detectionMs: detect,
      rssBeforeMb: rss0,
    });
  });

  it('Electron IPC (fakes): malformed messages from our window get errors, other senders are dropped, a good request answers after', async () => {
    const rss0 = rssMb();
    const appUrl = 'file:///app/out/renderer/index.html';
    const ipcMain = new EventEmitter();
    const sentToRenderer: unknown[] = [];
    const webContents = {
      id: 1,
      isDestroyed: () => false,
      send: (channel: string, message: unknown) => {
        expect(channel).toBe(IPC_CHANNEL);
        sentToRenderer.push(structuredClone(message));
      },
    };
    const untrusted: unknown[] = [];
    const srv = serveBackend(
      createIpcMainTransport({ ipcMain, webContents, appUrl, onUntrusted: (e) => untrusted.push(e) }),
      backend,
      { forwardEvents: false },
    );
    const ours = { sender: { id: 1 }, senderFrame: { url: appUrl } };
    const gen = hostile(11);
    const t0 = Date.now();
    const valid = new Set<number | null>();
    for (let i = 0; i < N; i++) {
      const m = gen.next().value!;
      if (m.kind === 'prototype keys') valid.add(m.id);
      ipcMain.emit(IPC_CHANNEL, ours, structuredClone(m.value));
    }
    // Values only IPC can carry: typed arrays, Maps, Dates, undefined.
    const odd = [new Uint8Array(1 << 16), new Map([['type', 'request']]), new Date(0), undefined];
    for (const v of odd) ipcMain.emit(IPC_CHANNEL, ours, v);
    // From another webContents, or another frame of ours: dropped before the server sees them.
    for (let i = 0; i < 100; i++) {
      const req = { type: 'request', id: 5000 + i, command: 'getSnapshot', args: [] };
      ipcMain.emit(IPC_CHANNEL, { sender: { id: 2 }, senderFrame: { url: appUrl } }, req);
      ipcMain.emit(IPC_CHANNEL, { sender: { id: 1 }, senderFrame: { url: 'https://evil.example/' } }, req);
      ipcMain.emit(IPC_CHANNEL, { sender: { id: 1 }, senderFrame: null }, req);
    }
    const expected = N + odd.length;
    await until(
      () => responses(sentToRenderer).length >= expected,
      30_000,
      `${expected} IPC error responses`,
    );
    const rs = responses(sentToRenderer);
    const refused = rs.filter((r) => !valid.has(r.id));
    expect(refused.length).toBe(expected - valid.size);
    expect(refused.every((r) => r.ok === false && typeof r.error === 'string')).toBe(true);
    expect(rs.some((r) => r.id >= 5000 && r.id < 5100)).toBe(false);
    expect(untrusted.length).toBe(300);
    ipcMain.emit(IPC_CHANNEL, ours, { type: 'request', id: 1, command: 'getSnapshot', args: [] });
    await until(() => responses(sentToRenderer).some((r) => r.id === 1), 10_000, 'good IPC answer');
    expect(responses(sentToRenderer).find((r) => r.id === 1)!.ok).toBe(true);
    srv.dispose();
    recordPass({
      fault: `Electron IPC burst (fakes): ${expected} malformed + 300 untrusted`,
      expected: 'malformed refused with an error; untrusted senders dropped; a good request answers after',
      observed: `${refused.length} error responses (+${valid.size} valid answered); 300 untrusted dropped (0 answered); getSnapshot OK after`,
      detectionMs: Date.now() - t0,
      rssBeforeMb: rss0,
    });
  });
});
