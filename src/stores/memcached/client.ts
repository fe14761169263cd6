/**
 * A small Memcached client: the text-protocol commands a session store needs, over one
 * pipelined connection per server, with keys spread over the servers as Django's
 * `PyMemcacheCache` spreads them (`rendezvous.ts`).
 *
 * Values are raw bytes with the flags the caller gives, which is what sharing sessions with
 * Django needs: pymemcache marks a pickled value with flags 1, and no npm client writes those
 * flags together with compare-and-swap (docs/decisions/0008-memcached-client.md).
 *
 * @module
 */

import {
  type MemcachedAddress,
  MemcachedConnection,
  MemcachedError,
  type MemcachedValue,
} from './connection.ts';
import { rendezvousNode } from './rendezvous.ts';

export { MemcachedError, type MemcachedValue } from './connection.ts';

/** Options of {@link MemcachedClient}. */
export interface MemcachedClientOptions {
  /** `host:port`, `host` (port 11211), `[ipv6]:port`, or a Unix socket as `unix:/path` or `/path`. */
  servers: readonly string[];
  /** Milliseconds a command may wait for its reply. */
  timeout: number;
  /** Milliseconds a new connection may take. */
  connectTimeout: number;
}

/** A parsed server: its pymemcache name (what the hash ring scores) and where it listens. */
export interface MemcachedServer {
  node: string;
  address: MemcachedAddress;
}

/**
 * Reads a server as pymemcache's `normalize_server_spec` does, so the name the ring hashes is
 * the one Django hashes for the same `LOCATION`. Throws a `TypeError` naming the server.
 */
export function parseServer(spec: string): MemcachedServer {
  if (typeof spec !== 'string' || spec.trim() === '' || /\s/.test(spec)) {
    throw new TypeError(
      `coatcheck: memcachedStore servers must be "host:port" strings, got ${JSON.stringify(spec)}`,
    );
  }
  if (spec.startsWith('unix:')) return { node: spec.slice(5), address: { path: spec.slice(5) } };
  if (spec.startsWith('/')) return { node: spec, address: { path: spec } };
  let host = spec;
  let port = 11211;
  if (spec.includes(':') && !spec.endsWith(']')) {
    const at = spec.lastIndexOf(':');
    host = spec.slice(0, at);
    port = Number(spec.slice(at + 1));
  }
  if (host.startsWith('[')) host = host.replace(/^\[|\]$/g, '');
  if (!Number.isInteger(port) || port < 1 || port > 65535 || host === '') {
    throw new TypeError(
      `coatcheck: memcachedStore server ${JSON.stringify(spec)} is not "host:port" with a port from 1 to 65535`,
    );
  }
  return { node: `${host}:${port}`, address: { host, port } };
}

/** What a storage command did. */
export type StoreOutcome = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND';

const STORE_OUTCOMES = new Set<string>(['STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND']);

/** The client; see the module comment. */
export class MemcachedClient {
  readonly #nodes: string[];
  readonly #connections = new Map<string, MemcachedConnection>();

  constructor(options: MemcachedClientOptions) {
    if (!Array.isArray(options.servers) || options.servers.length === 0) {
      throw new TypeError('coatcheck: memcachedStore needs at least one server, as "host:port"');
    }
    const servers = options.servers.map(parseServer);
    this.#nodes = servers.map((server) => server.node);
    for (const server of servers) {
      this.#connections.set(
        server.node,
        new MemcachedConnection(server.address, {
          timeout: options.timeout,
          connectTimeout: options.connectTimeout,
        }),
      );
    }
  }

  /** The connection to the server that holds `key`. */
  connectionFor(key: string): MemcachedConnection {
    const node = this.#nodes.length === 1 ? this.#nodes[0] : rendezvousNode(this.#nodes, key);
    const connection = this.#connections.get(node ?? '');
    if (connection === undefined) throw new Error(`coatcheck: no memcached server for ${key}`);
    return connection;
  }

  /** Every server's connection, in the order given. */
  connections(): MemcachedConnection[] {
    return [...this.#connections.values()];
  }

  /** `get`: the item, or `undefined`. */
  async get(key: string): Promise<MemcachedValue | undefined> {
    return (await this.connectionFor(key).values(`get ${key}`))[0];
  }

  /** `gets`: the item with its CAS token, or `undefined`. */
  async gets(key: string): Promise<MemcachedValue | undefined> {
    return (await this.connectionFor(key).values(`gets ${key}`))[0];
  }

  /**
   * `set`, `add` or `replace`; or `cas` when `cas` is given. `exptime` as memcached reads it:
   * seconds up to 30 days, a Unix time beyond, negative for already expired.
   */
  async store(
    command: 'set' | 'add' | 'replace' | 'cas',
    key: string,
    value: Buffer,
    options: { flags: number; exptime: number; cas?: string | undefined },
  ): Promise<StoreOutcome> {
    const casField = command === 'cas' ? ` ${options.cas}` : '';
    const header = `${command} ${key} ${options.flags} ${options.exptime} ${value.length}${casField}\r\n`;
    const line = await this.connectionFor(key).line(
      Buffer.concat([Buffer.from(header), value, Buffer.from('\r\n')]),
    );
    if (!STORE_OUTCOMES.has(line)) {
      throw new MemcachedError(`unexpected reply to ${command}: ${line.slice(0, 80)}`, 'EPROTO');
    }
    return line as StoreOutcome;
  }

  /** `delete`: whether there was an item. */
  async delete(key: string): Promise<boolean> {
    const line = await this.connectionFor(key).line(`delete ${key}`);
    if (line !== 'DELETED' && line !== 'NOT_FOUND') {
      throw new MemcachedError(`unexpected reply to delete: ${line.slice(0, 80)}`, 'EPROTO');
    }
    return line === 'DELETED';
  }

  /** Closes every connection. */
  close(): void {
    for (const connection of this.#connections.values()) connection.close();
  }
}
