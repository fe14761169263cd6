/**
 * A TCP proxy on loopback that a fault test controls: it forwards to a real server until the
 * test cuts it (every open connection reset, new ones refused), then forwards again once
 * restored. It stands in for a database server that goes down and comes back, without
 * stopping the real one other tests use.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A proxy started by {@link startTcpProxy}. */
export interface TcpProxy {
  /** The loopback port it listens on. */
  readonly port: number;
  /** Resets every open connection and refuses new ones, as a server that went down. */
  cut(): void;
  /** Forwards again, as a server that came back. */
  restore(): void;
  /** Stops listening and resets everything. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    track(client);
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };
  return {
    port: address.port,
    cut() {
      down = true;
      resetAll();
    },
    restore() {
      down = false;
    },
    close() {
      resetAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
