// What the Electron wire shares between the main process and the preload: the one IPC channel name
// and the narrow API the preload exposes on `window.vigil`. The API is a Transport, so the renderer
// builds the same typed client over it as over a WebSocket.

import type { ChannelMessage } from './channel';
import { COMMAND_NAMES } from './contract';

export const IPC_CHANNEL = 'vigil:channel';

/** `window.vigil` in the Electron renderer. */
export interface VigilPreloadApi {
  send(message: ChannelMessage): void;
  /** Returns the function that removes the listener. */
  onMessage(listener: (message: unknown) => void): () => void;
}

/** The renderer may only send requests for commands of the contract; anything else stops here. */
export function isAllowedOutgoing(message: unknown): message is ChannelMessage {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  return (
    m.type === 'request' &&
    typeof m.id === 'number' &&
    Array.isArray(m.args) &&
    (COMMAND_NAMES as readonly unknown[]).includes(m.command)
  );
}
