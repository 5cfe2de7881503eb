// The main-process end of the Electron wire: one window's webContents ⇄ the contract server.
// Messages from any other sender, or from a frame that is not our renderer, are dropped.

import type { ChannelMessage, Transport } from '../../shared/channel';
import { IPC_CHANNEL } from '../../shared/channel-electron';
import { type IpcSenderEvent, isTrustedSender } from './trusted-sender';

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void): unknown;
}

export interface WebContentsLike {
  id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export function createIpcMainTransport(deps: {
  ipcMain: IpcMainLike;
  webContents: WebContentsLike;
  /** The URL the window loads: frames elsewhere are not trusted. */
  appUrl: string;
  onUntrusted?: (event: IpcSenderEvent) => void;
}): Transport {
  const { ipcMain, webContents, appUrl } = deps;
  return {
    send(message: ChannelMessage) {
      if (webContents.isDestroyed()) throw new Error('the window is gone');
      webContents.send(IPC_CHANNEL, message);
    },
    onMessage(listener) {
      const handler = (event: IpcSenderEvent, message: unknown) => {
        if (!isTrustedSender(event, { webContentsId: webContents.id, appUrl })) {
          deps.onUntrusted?.(event);
          return;
        }
        listener(message);
      };
      ipcMain.on(IPC_CHANNEL, handler as (event: IpcSenderEvent, ...args: unknown[]) => void);
      return () => {
        ipcMain.removeListener(IPC_CHANNEL, handler as (event: IpcSenderEvent, ...args: unknown[]) => void);
      };
    },
  };
}
