// The Electron IPC wire with fake ipcMain / ipcRenderer / webContents wired back to back, the way
// Electron routes them: the real preload API on one end, the real main-side transport on the other.

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createPreloadApi } from '../../preload/api';
import { createClient, serveBackend } from '../../shared/channel';
import { describeContract } from '../../shared/channel-contract-suite';
import { IPC_CHANNEL } from '../../shared/channel-electron';
import { createFakeBackend } from '../../shared/contract-fake';
import { createIpcMainTransport } from './ipc-transport';

const APP_URL = 'file:///app/out/renderer/index.html';

function fakeElectron(frameUrl = APP_URL) {
  const ipcMain = new EventEmitter();
  const ipcRenderer = new EventEmitter() as EventEmitter & {
    send(channel: string, ...args: unknown[]): void;
  };
  const webContents = {
    id: 1,
    isDestroyed: () => false,
    // main → renderer: Electron structured-clones the payload and hands the renderer an event object.
    send: (channel: string, message: unknown) => {
      const copy = structuredClone(message);
      setTimeout(() => ipcRenderer.emit(channel, { sender: 'ipcRenderer' }, copy), 0);
    },
  };
  ipcRenderer.send = (channel, message) => {
    const copy = structuredClone(message);
    setTimeout(
      () => ipcMain.emit(channel, { sender: { id: webContents.id }, senderFrame: { url: frameUrl } }, copy),
      0,
    );
  };
  return { ipcMain, ipcRenderer, webContents };
}

describeContract('Electron IPC (fake ipcMain / ipcRenderer)', async (clientOptions) => {
  const backend = createFakeBackend({ now: Date.parse('2025-05-01T12:00:00Z') });
  const { ipcMain, ipcRenderer, webContents } = fakeElectron();
  const server = serveBackend(createIpcMainTransport({ ipcMain, webContents, appUrl: APP_URL }), backend);
  const client = createClient(createPreloadApi(ipcRenderer), clientOptions);
  return { backend, client, close: () => server.dispose() };
});

describe('the Electron wire refuses what is not ours', () => {
  it('drops messages from a frame that is not our renderer', async () => {
    const backend = createFakeBackend();
    const { ipcMain, ipcRenderer, webContents } = fakeElectron('https://evil.example/');
    const untrusted: unknown[] = [];
    serveBackend(
      createIpcMainTransport({
        ipcMain,
        webContents,
        appUrl: APP_URL,
        onUntrusted: (e) => untrusted.push(e),
      }),
      backend,
    );
    const client = createClient(createPreloadApi(ipcRenderer), { timeoutMs: 100 });
    await expect(client.getSnapshot()).rejects.toThrow(/no answer/);
    expect(untrusted).toHaveLength(1);
    expect(backend.calls).toEqual([]);
  });

  it('the preload sends only contract requests and never hands the page the IPC event', () => {
    const { ipcRenderer } = fakeElectron();
    const api = createPreloadApi(ipcRenderer);
    expect(() => api.send({ type: 'request', id: 1, command: 'exec', args: ['rm -rf /'] })).toThrow(
      /only contract requests/,
    );
    expect(() => api.send({ type: 'event', event: 'snapshot', payload: {} })).toThrow();
    const received: unknown[][] = [];
    const off = api.onMessage((...args) => received.push(args));
    ipcRenderer.emit(IPC_CHANNEL, { sender: 'secret' }, { type: 'event' });
    off();
    ipcRenderer.emit(IPC_CHANNEL, { sender: 'secret' }, { type: 'event' });
    expect(received).toEqual([[{ type: 'event' }]]);
  });
});
