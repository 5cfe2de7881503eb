// A loopback TCP proxy in front of a real server (usually the test sshd) to make the network slow or
// broken on demand: a delay on every chunk, or every current connection cut at once.
import { connect, createServer, type Socket } from 'node:net';

export interface ProxyOptions {
  targetPort: number;
  /** Delay added to every chunk, both directions. Default 0. */
  delayMs?: number;
}

export interface TcpProxy {
  readonly port: number;
  setDelay(ms: number): void;
  /** Destroys every current connection (both sides); new ones are still accepted. */
  cutAll(): void;
  /** Bytes forwarded so far: up = client → target, down = target → client. */
  bytes(): { up: number; down: number };
  /** Connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

export async function startProxy(opts: ProxyOptions): Promise<TcpProxy> {
  let delayMs = opts.delayMs ?? 0;
  const counts = { up: 0, down: 0 };
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;

  // Pipes one direction. Each chunk is due at max(now + delay, previous due time) and waits in one
  // FIFO queue drained by one timer, so chunks keep their order even when the delay shrinks
  // mid-stream (separate timers due in the same millisecond may fire in any order, which would
  // scramble an encrypted SSH stream); the end (FIN) follows the last chunk.
  function pipe(from: Socket, to: Socket, direction: 'up' | 'down'): void {
    let lastDue = 0;
    const queue: { due: number; fn: () => void }[] = [];
    let timer: NodeJS.Timeout | null = null;
    const drain = (): void => {
      timer = null;
      while (queue.length > 0 && queue[0]!.due <= Date.now()) queue.shift()!.fn();
      if (queue.length > 0) timer = setTimeout(drain, queue[0]!.due - Date.now());
    };
    const later = (fn: () => void): void => {
      const due = Math.max(Date.now() + delayMs, lastDue);
      lastDue = due;
      queue.push({ due, fn });
      if (timer === null) drain();
    };
    from.on('data', (chunk: Buffer) => {
      later(() => {
        if (to.destroyed) return;
        counts[direction] += chunk.length;
        to.write(chunk);
      });
    });
    // Half-open sockets: the client's FIN is passed on after its data, and the answer still flows back.
    // When `from` is gone for good (reset, cut), `to` is ended too — after what is already queued.
    from.on('end', () => later(() => to.end()));
    from.on('close', () => later(() => to.end()));
  }

  const server = createServer({ allowHalfOpen: true }, (client) => {
    accepted += 1;
    const target = connect({ host: '127.0.0.1', port: opts.targetPort, allowHalfOpen: true });
    const pair: [Socket, Socket] = [client, target];
    pairs.add(pair);
    // An error on either side is a dead connection: drop both at once, like a reset would.
    const teardown = (): void => {
      client.destroy();
      target.destroy();
      pairs.delete(pair);
    };
    for (const socket of pair) {
      socket.on('error', teardown);
      socket.on('close', () => {
        if (client.closed && target.closed) pairs.delete(pair);
      });
    }
    pipe(client, target, 'up');
    pipe(target, client, 'down');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');

  const cutAll = (): void => {
    for (const [client, target] of pairs) {
      client.destroy();
      target.destroy();
    }
    pairs.clear();
  };
  return {
    port: address.port,
    setDelay: (ms) => {
      delayMs = ms;
    },
    cutAll,
    bytes: () => ({ ...counts }),
    connections: () => accepted,
    stop: async () => {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
