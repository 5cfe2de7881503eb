// The WebSocket wire, written against the small part of the WebSocket API that both the browser's
// WebSocket and the `ws` package provide, so the renderer and the headless server share it.

import type { ChannelMessage, Transport } from './channel';
import { decodeWire, encodeWire } from './channel-codec';

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: 'open' | 'close' | 'message' | 'error',
    listener: (event: { data?: unknown }) => void,
  ): void;
  removeEventListener(
    type: 'open' | 'close' | 'message' | 'error',
    listener: (event: { data?: unknown }) => void,
  ): void;
}

/** Stands for a frame that did not parse (never the frame itself: it may be a megabyte). */
const NOT_JSON = 'not JSON';

const CONNECTING = 0;
const OPEN = 1;

export function createWebSocketTransport(socket: WebSocketLike): Transport & { closed: Promise<void> } {
  // Messages sent before the socket opens wait here instead of throwing.
  const queue: string[] = [];
  const flush = () => {
    for (const text of queue.splice(0)) socket.send(text);
  };
  socket.addEventListener('open', flush);
  const closed = new Promise<void>((resolve) => socket.addEventListener('close', () => resolve()));
  return {
    closed,
    send(message: ChannelMessage) {
      const text = encodeWire(message);
      if (socket.readyState === OPEN) socket.send(text);
      else if (socket.readyState === CONNECTING) queue.push(text);
      else throw new Error('the connection is closed');
    },
    onMessage(listener) {
      const handler = (event: { data?: unknown }) => {
        const data = event.data;
        const text =
          typeof data === 'string'
            ? data
            : data instanceof ArrayBuffer
              ? new TextDecoder().decode(data)
              : String(data);
        let message: unknown;
        try {
          message = decodeWire(text);
        } catch {
          // Not JSON: handed on as what it is (a string is no message), so the server refuses it out
          // loud and the client ignores it.
          message = NOT_JSON;
        }
        listener(message);
      };
      socket.addEventListener('message', handler);
      return () => socket.removeEventListener('message', handler);
    },
  };
}
