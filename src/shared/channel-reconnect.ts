// A WebSocket wire that comes back by itself: when the socket closes (the server restarted, the laptop
// slept through a tunnel's drop), it opens a new one after a growing, jittered delay (1 s, 2 s, 4 s … at
// most 30 s) and keeps the same listeners, so the client above never notices more than calls that
// failed while it was down. Every state change is reported, so the UI can say what it is doing.
// Timers run on the injected Clock.

import type { Transport } from './channel';
import { createWebSocketTransport, type WebSocketLike } from './channel-websocket';
import type { Clock, TimerHandle } from './clock';
import type { Unsubscribe } from './contract';

export type LinkState =
  | { state: 'connecting' }
  | { state: 'open'; reconnected: boolean }
  /** Closed; the next try (number `attempt`, from 1) is at `retryAt` (clock time). */
  | { state: 'reconnecting'; attempt: number; retryAt: number };

export interface ReconnectOptions {
  open: () => WebSocketLike;
  clock: Clock;
  onState?: (state: LinkState) => void;
  /** The delay before try number `attempt` (default: 1 s doubling to 30 s, ±20 % jitter). */
  backoff?: (attempt: number) => number;
}

export const MAX_BACKOFF_MS = 30_000;

export function defaultBackoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function createReconnectingTransport(o: ReconnectOptions): Transport & { dispose(): void } {
  const listeners = new Set<(message: unknown) => void>();
  const backoff = o.backoff ?? ((n: number) => defaultBackoff(n));
  let current: ReturnType<typeof createWebSocketTransport>;
  let socket: WebSocketLike;
  let detach: Unsubscribe = () => {};
  let attempt = 0;
  let everOpen = false;
  let timer: TimerHandle | null = null;
  let disposed = false;

  const connect = () => {
    socket = o.open();
    current = createWebSocketTransport(socket);
    const mine = socket;
    // A failed connect fires 'error' then 'close'; 'close' is what counts. (Node's `ws` also throws an
    // 'error' nobody listens to.)
    mine.addEventListener('error', () => {});
    // One forwarding listener per socket: the client's listeners stay registered here across sockets.
    detach = current.onMessage((message) => {
      for (const l of [...listeners]) l(message);
    });
    mine.addEventListener('open', () => {
      if (disposed || mine !== socket) return;
      const reconnected = everOpen || attempt > 0;
      everOpen = true;
      attempt = 0;
      o.onState?.({ state: 'open', reconnected });
    });
    void current.closed.then(() => {
      if (disposed || mine !== socket) return;
      detach();
      attempt++;
      const delay = backoff(attempt);
      o.onState?.({ state: 'reconnecting', attempt, retryAt: o.clock.now() + delay });
      timer = o.clock.setTimeout(() => {
        timer = null;
        if (!disposed) connect();
      }, delay);
    });
  };

  o.onState?.({ state: 'connecting' });
  connect();

  return {
    send(message) {
      // Throws while the socket is closed: the call fails at once instead of waiting for its timeout.
      current.send(message);
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      disposed = true;
      timer?.cancel();
      detach();
      socket.close(1000, 'closed by the page');
    },
  };
}
