// The preload's one job: hand the renderer a narrow, contract-only Transport over Electron IPC.
// Electron objects are passed in, so this is tested without Electron.

import { IPC_CHANNEL, isAllowedOutgoing, type VigilPreloadApi } from '../shared/channel-electron';

export interface IpcRendererLike {
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ContextBridgeLike {
  exposeInMainWorld(key: string, api: unknown): void;
}

export function createPreloadApi(ipcRenderer: IpcRendererLike): VigilPreloadApi {
  return {
    send(message) {
      if (!isAllowedOutgoing(message)) throw new Error('vigil: only contract requests may be sent');
      ipcRenderer.send(IPC_CHANNEL, message);
    },
    onMessage(listener) {
      // Never hand the IpcRendererEvent to the page: it exposes `sender`, i.e. ipcRenderer itself.
      const handler = (_event: unknown, message: unknown) => listener(message);
      ipcRenderer.on(IPC_CHANNEL, handler);
      return () => {
        ipcRenderer.removeListener(IPC_CHANNEL, handler);
      };
    },
  };
}

export function exposeVigilApi(contextBridge: ContextBridgeLike, ipcRenderer: IpcRendererLike): void {
  contextBridge.exposeInMainWorld('vigil', createPreloadApi(ipcRenderer));
}
