// Transport-neutral messaging for the contract (in the spirit of VS Code's base/parts/ipc): a
// Transport only moves messages; the client turns the contract into typed async calls and event
// listeners, the server dispatches to a ContractBackend after validating. Everything above the
// Transport is the same for the in-memory, WebSocket and Electron IPC wires.

import { type Clock, systemClock } from './clock';
import {
  COMMAND_NAMES,
  COMMAND_TIMEOUT_MS,
  type CommandArgs,
  type CommandName,
  type ContractBackend,
  type ContractCalls,
  type EventName,
  type Events,
  type Unsubscribe,
} from './contract';
import {
  ContractError,
  isCommandName,
  isEventName,
  parseCommandArgs,
  parseCommandResult,
  parseEventPayload,
} from './schemas';

export type RequestMessage = { type: 'request'; id: number; command: string; args: unknown[] };
export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string };
export type EventMessage = { type: 'event'; event: string; payload: unknown };
export type ChannelMessage = RequestMessage | ResponseMessage | EventMessage;

/** The only thing a wire has to provide. Incoming messages are untrusted (`unknown`). */
export interface Transport {
  send(message: ChannelMessage): void;
  onMessage(listener: (message: unknown) => void): Unsubscribe;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The answer to anything that is not a well-formed request. */
export const MALFORMED =
  'malformed message: expected {"type":"request","id":<number>,"command":<string>,"args":[...]}';

export function isRequestMessage(v: unknown): v is RequestMessage {
  return (
    isRecord(v) &&
    v.type === 'request' &&
    typeof v.id === 'number' &&
    typeof v.command === 'string' &&
    Array.isArray(v.args)
  );
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------- client

export interface ListenOptions {
  /** Aborting removes the listener. */
  signal?: AbortSignal;
}

export interface ContractClient extends ContractCalls {
  on<E extends EventName>(
    event: E,
    listener: (payload: Events[E]) => void,
    options?: ListenOptions,
  ): Unsubscribe;
  /** Rejects calls still waiting and stops listening to the transport. */
  dispose(): void;
}

export interface ClientOptions {
  /**
   * A call with no answer after this long rejects: one bound for every command, or some commands'
   * own (default: COMMAND_TIMEOUT_MS, each command its own).
   */
  timeoutMs?: number | Partial<Record<CommandName, number>>;
  /** Called when a pushed event fails validation (default: console.warn). */
  onInvalidEvent?: (error: Error) => void;
  /** Times the calls out (default: the system clock). */
  clock?: Clock;
}

export function createClient(transport: Transport, options: ClientOptions = {}): ContractClient {
  const timeoutOf = (command: CommandName): number => {
    const t = options.timeoutMs;
    if (typeof t === 'number') return t;
    return t?.[command] ?? COMMAND_TIMEOUT_MS[command];
  };
  const clock = options.clock ?? systemClock;
  const onInvalidEvent = options.onInvalidEvent ?? ((e: Error) => console.warn(e.message));
  const pending = new Map<
    number,
    { command: CommandName; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let nextId = 1;
  let disposed = false;

  const stop = transport.onMessage((message) => {
    if (!isRecord(message)) return;
    if (message.type === 'response' && typeof message.id === 'number') {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.ok === true) {
        try {
          call.resolve(parseCommandResult(call.command, message.result));
        } catch (e) {
          call.reject(e as Error);
        }
      } else {
        call.reject(new Error(typeof message.error === 'string' ? message.error : `${call.command} failed`));
      }
      return;
    }
    if (message.type === 'event' && isEventName(message.event)) {
      const set = listeners.get(message.event);
      if (!set || set.size === 0) return;
      let payload: unknown;
      try {
        payload = parseEventPayload(message.event, message.payload);
      } catch (e) {
        onInvalidEvent(e as Error);
        return;
      }
      for (const listener of [...set]) (listener as (p: unknown) => void)(payload);
    }
  });

  function call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<unknown> {
    if (disposed) return Promise.reject(new Error(`${command}: the connection is closed`));
    const id = nextId++;
    const timeoutMs = timeoutOf(command);
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        if (pending.delete(id)) reject(new Error(`${command}: no answer after ${timeoutMs} ms`));
      }, timeoutMs);
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          timer.cancel();
          fn(v);
        };
      pending.set(id, { command, resolve: settle(resolve), reject: settle(reject) });
      // Trailing undefined (an omitted optional) does not survive every wire; drop it here.
      const trimmed = [...args];
      while (trimmed.length > 0 && trimmed[trimmed.length - 1] === undefined) trimmed.pop();
      try {
        transport.send({ type: 'request', id, command, args: trimmed });
      } catch (e) {
        pending.get(id)?.reject(new Error(`${command}: ${errorText(e)}`));
        pending.delete(id);
      }
    });
  }

  const calls = Object.fromEntries(
    COMMAND_NAMES.map((command) => [command, (...args: never[]) => call(command, args as never)]),
  ) as unknown as ContractCalls;

  return {
    ...calls,
    on(event, listener, listenOptions = {}) {
      const { signal } = listenOptions;
      if (signal?.aborted) return () => {};
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = listener as (payload: never) => void;
      set.add(entry);
      const off = () => {
        set.delete(entry);
        signal?.removeEventListener('abort', off);
      };
      signal?.addEventListener('abort', off, { once: true });
      return off;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      stop();
      for (const [, p] of pending) p.reject(new Error(`${p.command}: the connection is closed`));
      pending.clear();
      listeners.clear();
    },
  };
}

// ---------------------------------------------------------------------------------------- server

export interface ServerOptions {
  /** Pushes backend events to this connection (default true). */
  forwardEvents?: boolean;
}

/** Serves one connection: answers its requests from the backend and pushes the backend's events. */
export function serveBackend(
  transport: Transport,
  backend: ContractBackend,
  options: ServerOptions = {},
): { dispose(): void } {
  const stopMessages = transport.onMessage((message) => {
    void handle(message);
  });
  const stopEvents =
    options.forwardEvents === false
      ? () => {}
      : backend.subscribe((event, payload) => {
          safeSend({ type: 'event', event, payload });
        });

  function safeSend(message: ChannelMessage): void {
    try {
      transport.send(message);
    } catch {
      // The peer went away; its transport's close handler disposes this server.
    }
  }

  async function handle(message: unknown): Promise<void> {
    if (!isRequestMessage(message)) {
      // Refused out loud, never dropped in silence: under the message's own id when it has a usable
      // one, else under 0, which no client call uses. The content is not echoed back.
      const id = isRecord(message) && Number.isSafeInteger(message.id) ? (message.id as number) : 0;
      safeSend({ type: 'response', id, ok: false, error: MALFORMED });
      return;
    }
    const { id, command } = message;
    try {
      if (!isCommandName(command)) throw new ContractError(`unknown command ${JSON.stringify(command)}`);
      const args = parseCommandArgs(command, message.args);
      const method = backend[command] as (...a: unknown[]) => unknown;
      const result = await method.apply(backend, args);
      safeSend({ type: 'response', id, ok: true, result: result ?? null });
    } catch (e) {
      safeSend({ type: 'response', id, ok: false, error: errorText(e) });
    }
  }

  return {
    dispose() {
      stopMessages();
      stopEvents();
    },
  };
}
