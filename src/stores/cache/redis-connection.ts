/**
 * The Redis connection behind `redisStore`: the slice of a node-redis client the store calls,
 * and, for a client the store makes from a URL, the supervision that keeps it usable through
 * outages (a restarted server, a path that went silent).
 *
 * node-redis reconnects by itself after a socket error, but not when the socket stays open and
 * silent (a failover, a firewall that forgot the flow): every later command would wait behind
 * the first. So a command that times out, or a handshake that never completes, makes the store
 * drop that client and connect a new one.
 *
 * @module
 */

import { ImproperlyConfigured, StoreUnavailable } from '../../errors.ts';
import type { SessionLogger } from '../../session/logger.ts';

/** Options of node-redis's SET, as the store passes them. */
export interface RedisSetOptions {
  condition?: 'NX' | 'XX';
  expiration: { type: 'PX'; value: number };
}

/** Arguments of node-redis's EVAL and EVALSHA. */
export interface RedisScriptOptions {
  keys: string[];
  arguments: (string | Buffer)[];
}

/**
 * The commands the store sends, on a view of the client whose blob strings come back as
 * Buffers (pickled values are bytes, not text). Every one names a single key, so a Redis
 * Cluster client routes each to the node that holds the key.
 */
export interface RedisCommands {
  get(key: string): Promise<unknown>;
  set(key: string, value: Buffer, options: RedisSetOptions): Promise<unknown>;
  del(key: string): Promise<unknown>;
  exists(key: string): Promise<unknown>;
  pTTL(key: string): Promise<unknown>;
  evalSha(sha1: string, options: RedisScriptOptions): Promise<unknown>;
  eval(script: string, options: RedisScriptOptions): Promise<unknown>;
}

/**
 * The slice of a node-redis client (from `createClient` or `createCluster`) the store needs.
 * Declared here so coatcheck imports nothing from `redis` unless it makes the client itself.
 */
export interface RedisClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: node-redis's generic type map is not nameable here
  withTypeMapping(typeMapping: any): unknown;
}

/** A client that can be watched: node-redis clients are EventEmitters. */
interface Observable {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** What the store knows about its own client from the `redis` module. */
interface OwnedClient extends RedisClientLike, Observable {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  close?(): Promise<void>;
  quit?(): Promise<unknown>;
}

interface RedisModule {
  createClient(options: Record<string, unknown>): OwnedClient;
}

// RESP_TYPES.BLOB_STRING: the `$` that starts a bulk string in RESP.
const BLOB_STRING = 36;

/** Options of a connection the store makes itself. */
export interface OwnedConnectionOptions {
  url: string;
  /** How long a command, or a (re)connection, may take before the client is replaced. */
  timeoutMs: number;
  /** Sent to Redis as the client's name (`CLIENT LIST` shows it). */
  name?: string | undefined;
}

/** Where a connection's commands go, and how it is closed. */
export interface RedisConnection {
  /** `host:port` (or "the application's client"), for messages; never a password. */
  readonly where: string;
  /** The view of the client to send commands on; throws `StoreUnavailable` while it is down. */
  commands(): RedisCommands | Promise<RedisCommands>;
  /** Called when a command got no answer in time: the client may be stuck on a silent socket. */
  stalled(view: RedisCommands): void;
  useLogger(logger: SessionLogger): void;
  close(): Promise<void>;
}

async function loadRedis(): Promise<RedisModule> {
  try {
    const module = (await import('redis')) as unknown as { default?: RedisModule } & RedisModule;
    return typeof module.createClient === 'function' ? module : (module.default ?? module);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ImproperlyConfigured(
      'coatcheck: redisStore({ url }) needs the redis package: run `npm install redis`, ' +
        'or pass your own client as redisStore({ client })',
      { cause: error },
    );
  }
}

/** `host:port` of a Redis URL, without user or password. */
export function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host === '' ? 'localhost:6379' : parsed.host;
  } catch {
    return 'an unparsable URL';
  }
}

const viewOf = (client: RedisClientLike): RedisCommands =>
  client.withTypeMapping({ [BLOB_STRING]: Buffer }) as RedisCommands;

/** The application's client: used as it is, never closed, never replaced. */
export class PassedConnection implements RedisConnection {
  readonly where = "the application's client";
  readonly #view: RedisCommands;

  constructor(client: RedisClientLike) {
    this.#view = viewOf(client);
  }

  commands(): RedisCommands {
    return this.#view;
  }

  stalled(): void {
    // The application owns the client and its reconnection policy.
  }

  useLogger(): void {}

  async close(): Promise<void> {}
}

/**
 * A client made from a URL, owned by the store: offline queue off (a command while disconnected
 * fails at once), TCP keepalive, reconnection every 50-200 ms for as long as it takes, and a new
 * client whenever the current one stops answering.
 */
export class OwnedConnection implements RedisConnection {
  readonly where: string;
  readonly #options: OwnedConnectionOptions;
  #logger: SessionLogger | undefined;
  #client: OwnedClient | undefined;
  #view: RedisCommands | undefined;
  #connecting: Promise<RedisCommands> | undefined;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  // An outage is logged once, when it starts; the next 'ready' ends it.
  #down = false;
  #closed = false;
  // What the current client last failed with, for the message when it cannot connect.
  #lastError: unknown;
  #everReady = false;

  constructor(options: OwnedConnectionOptions) {
    this.#options = options;
    this.where = hostOf(options.url);
  }

  useLogger(logger: SessionLogger): void {
    this.#logger = logger;
  }

  commands(): RedisCommands | Promise<RedisCommands> {
    const client = this.#client;
    if (client?.isReady && this.#view !== undefined) return this.#view;
    if (this.#closed) {
      throw new StoreUnavailable(`coatcheck: the redis store at ${this.where} is closed`);
    }
    // The first connection of a client (at startup, or after a replacement) is waited for, up to
    // the timeout; a client that was connected and lost its server fails at once, so requests
    // get their 503 while node-redis reconnects in the background.
    if (this.#connecting !== undefined) return this.#connecting;
    if (client === undefined) return this.#connect();
    throw new StoreUnavailable(
      `coatcheck: the redis store at ${this.where} is not connected (reconnecting)`,
    );
  }

  stalled(view: RedisCommands): void {
    // Only the client that stalled is replaced, once, however many of its commands timed out.
    if (view !== this.#view || this.#closed) return;
    this.#outage(new Error(`no reply within ${this.#options.timeoutMs} ms`));
    this.#replace();
  }

  #outage(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    const what = this.#everReady ? 'lost its connection to' : 'cannot connect to';
    this.#logger?.error(
      `the redis store ${what} ${this.where}; requests get 503 until it answers`,
      error,
    );
  }

  #connect(): Promise<RedisCommands> {
    const connecting = (async () => {
      const { createClient } = await loadRedis();
      if (this.#closed) {
        throw new StoreUnavailable(`coatcheck: the redis store at ${this.where} is closed`);
      }
      const client = createClient({
        url: this.#options.url,
        name: this.#options.name,
        disableOfflineQueue: true,
        socket: {
          keepAlive: true,
          noDelay: true,
          connectTimeout: this.#options.timeoutMs,
          // Forever, and never more than 200 ms apart: a restarted server is used again within
          // moments of its return.
          reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 200),
        },
      });
      const view = viewOf(client);
      this.#client = client;
      this.#view = view;
      // Without a listener, node-redis's 'error' event would end the process.
      client.on('error', (error) => {
        if (this.#client !== client) return;
        this.#lastError = error;
        this.#outage(error);
      });
      client.on('ready', () => {
        if (this.#client !== client) return;
        this.#clearWatchdog();
        this.#down = false;
        this.#everReady = true;
        this.#lastError = undefined;
      });
      // A reconnection whose handshake hangs (a silent path) would leave the client not ready
      // for good: give each (re)connection the timeout, then start over with a new client.
      client.on('reconnecting', () => {
        if (this.#client === client) this.#armWatchdog();
      });
      this.#armWatchdog();
      client.connect().catch(() => {
        // Reported through 'error'; a client that never connects is replaced by the watchdog.
      });
      await new Promise<void>((resolve, reject) => {
        if (client.isReady) return resolve();
        const onReady = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          client.off('ready', onReady);
          const cause = this.#lastError;
          const why = cause instanceof Error && cause.message !== '' ? ` (${cause.message})` : '';
          reject(
            new StoreUnavailable(
              `coatcheck: the redis store could not connect to ${this.where} within ${this.#options.timeoutMs} ms${why}`,
              cause === undefined ? undefined : { cause },
            ),
          );
        }, this.#options.timeoutMs);
        client.on('ready', onReady);
      });
      return view;
    })();
    this.#connecting = connecting;
    const settle = () => {
      if (this.#connecting === connecting) this.#connecting = undefined;
    };
    connecting.then(settle, settle);
    return connecting;
  }

  #armWatchdog(): void {
    this.#clearWatchdog();
    const client = this.#client;
    this.#watchdog = setTimeout(() => {
      this.#watchdog = undefined;
      if (this.#client === client && client !== undefined && !client.isReady) this.#replace();
    }, this.#options.timeoutMs);
    this.#watchdog.unref();
  }

  #clearWatchdog(): void {
    if (this.#watchdog !== undefined) clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  #replace(): void {
    const old = this.#client;
    this.#client = undefined;
    this.#view = undefined;
    this.#connecting = undefined;
    this.#clearWatchdog();
    if (old !== undefined) {
      try {
        old.destroy();
      } catch {
        // Already closed.
      }
    }
    if (this.#closed) return;
    this.#connect().catch(() => {
      // The next request sees the outcome; the watchdog keeps trying meanwhile.
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#clearWatchdog();
    const client = this.#client;
    this.#client = undefined;
    this.#view = undefined;
    if (client === undefined) return;
    // A graceful close waits for the replies still due, which a silent connection never sends:
    // past the timeout, the socket is simply dropped.
    if (client.isReady && client.close !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        client.close().catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.#options.timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    try {
      client.destroy();
    } catch {
      // Closed already.
    }
  }
}
