// Which wire the UI uses: the preload's API inside Electron, else a WebSocket back to the server
// that served this page (`vigil serve`), authenticated with the token from the page URL, reopened with
// backoff when it drops.

import type { Transport } from '../../shared/channel';
import type { VigilPreloadApi } from '../../shared/channel-electron';
import { createReconnectingTransport, type LinkState } from '../../shared/channel-reconnect';
import type { WebSocketLike } from '../../shared/channel-websocket';
import { type Clock, systemClock } from '../../shared/clock';

export interface BootWindow {
  vigil?: VigilPreloadApi;
  location: { protocol: string; host: string; search: string };
}

export type PickedTransport =
  | { kind: 'electron'; transport: Transport }
  | { kind: 'websocket'; transport: Transport & { dispose(): void }; url: string }
  | { kind: 'none'; reason: string };

export function socketUrl(location: BootWindow['location']): string | null {
  const token = new URLSearchParams(location.search).get('token');
  if (!token) return null;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}

export function pickTransport(
  win: BootWindow,
  openSocket: (url: string) => WebSocketLike,
  link: { onState?: (state: LinkState) => void; clock?: Clock } = {},
): PickedTransport {
  if (win.vigil) return { kind: 'electron', transport: win.vigil };
  const url = socketUrl(win.location);
  if (!url)
    return {
      kind: 'none',
      reason: 'This page needs the address printed by `vigil serve` (it carries ?token=…).',
    };
  // A dropped socket is reopened with backoff (the same token: a restarted `vigil serve` has a new one).
  const transport = createReconnectingTransport({
    open: () => openSocket(url),
    clock: link.clock ?? systemClock,
    onState: link.onState,
  });
  return { kind: 'websocket', transport, url };
}
