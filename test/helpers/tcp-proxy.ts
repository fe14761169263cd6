/**
 * A TCP proxy on loopback that a fault test controls. It forwards to a real server until the
 * test breaks the path, then forwards again once restored. It stands in for a server that goes
 * down and comes back, without stopping the real one other tests use.
 *
 * Two ways to break it:
 * - {@link TcpProxy.cut}: every open connection is reset and new ones are refused, as when the
 *   server process dies (the client learns at once);
 * - {@link TcpProxy.blackHole}: connections stay open but every byte is dropped, in both
 *   directions, and new connections are accepted and then hear nothing, as after a failover or
 *   behind a stateful firewall that forgot the flow (the client learns only from its own
 *   timeouts or TCP keepalive). Connections opened while black-holed stay silent even after
 *   {@link TcpProxy.restore}, as such connections do: a client must give up on them itself.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A proxy started by {@link startTcpProxy}. */
export interface TcpProxy {
  /** The loopback port it listens on. */
  readonly port: number;
  /** Resets every open connection and refuses new ones, as a server that went down. */
  cut(): void;
  /**
   * Drops every byte on every connection, open or new, without closing any: a path that went
   * silent. Connections open at this moment never carry a byte again.
   */
  blackHole(): void;
  /** Forwards again on new connections, as a server or path that came back. */
  restore(): void;
  /** Stops listening and resets everything. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  // Each forwarding pair, so a black hole can stop the bytes without closing either side.
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let mode: 'forward' | 'cut' | 'black-hole' = 'forward';
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const silence = (socket: Socket) => {
    socket.unpipe();
    socket.removeAllListeners('data');
    // Keep reading, and drop what arrives, so the sender's writes succeed as on a real network.
    socket.on('data', () => {});
    socket.resume();
  };
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    track(client);
    if (mode === 'black-hole') {
      silence(client);
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => {
      pairs.delete(pair);
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    pairs.clear();
  };
  return {
    port: address.port,
    cut() {
      mode = 'cut';
      resetAll();
    },
    blackHole() {
      mode = 'black-hole';
      for (const { client, upstream } of pairs) {
        silence(client);
        silence(upstream);
      }
      pairs.clear();
    },
    restore() {
      mode = 'forward';
    },
    close() {
      resetAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
