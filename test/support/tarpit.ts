// A TCP port that accepts connections and never sends a byte: an SSH client waits for a banner that
// never comes, which is what a hung host or a black-holing firewall looks like after the handshake.
import { createServer, type Socket } from 'node:net';

export interface Tarpit {
  readonly port: number;
  /** Connections accepted so far (including closed ones). */
  connections(): number;
  stop(): Promise<void>;
}

export async function startTarpit(): Promise<Tarpit> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    // Read and discard whatever the client sends so it never blocks on a full buffer; answer nothing.
    socket.resume();
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tarpit: no port');
  return {
    port: address.port,
    connections: () => accepted,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
