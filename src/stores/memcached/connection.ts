/**
 * One connection to one Memcached server, speaking the text protocol: commands are pipelined
 * on a single socket and their replies matched in order.
 *
 * Failure is bounded and never queued: a command that gets no reply within the timeout, a
 * connection that cannot be made within the connect timeout, or a socket error fails every
 * command in flight and drops the socket (its byte stream can no longer be trusted); the next
 * command opens a new one. Nothing waits for a server to come back, so an outage costs each
 * request at most the timeout, and the first command after the server returns succeeds.
 *
 * @module
 */

import { connect, type Socket } from 'node:net';

/** One item of a `get` or `gets` reply. */
export interface MemcachedValue {
  key: string;
  flags: number;
  value: Buffer;
  /** The CAS token (`gets` only), as the server printed it. */
  cas: string | undefined;
}

/** Where a server listens: TCP or a Unix socket. */
export type MemcachedAddress = { host: string; port: number } | { path: string };

/** What a reply is made of, by the command that asked. */
type Reply =
  | { kind: 'line'; resolve(line: string): void }
  | { kind: 'values'; resolve(values: MemcachedValue[]): void; values: MemcachedValue[] }
  | { kind: 'stats'; resolve(stats: Record<string, string>): void; stats: Record<string, string> };

type Pending = Reply & {
  reject(error: Error): void;
  timer: NodeJS.Timeout;
};

/** An error of the connection or the server, with a `code` a caller can test. */
export class MemcachedError extends Error {
  override name = 'MemcachedError';
  /** `ETIMEDOUT`, `ECONNREFUSED`, `ECONNRESET`, `ECLOSED`, `SERVER_ERROR`, `CLIENT_ERROR`, ... */
  readonly code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

const CRLF = Buffer.from('\r\n');

/** A pipelined text-protocol connection; see the module comment. */
export class MemcachedConnection {
  /** `host:port` or the socket path, for messages. */
  readonly name: string;
  readonly #address: MemcachedAddress;
  readonly #timeout: number;
  readonly #connectTimeout: number;
  #socket: Socket | undefined;
  #pending: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  // The item being read: its header, once its line has arrived and until its bytes have.
  #item: { key: string; flags: number; bytes: number; cas: string | undefined } | undefined;
  #closed = false;

  constructor(address: MemcachedAddress, options: { timeout: number; connectTimeout: number }) {
    this.#address = address;
    this.name = 'path' in address ? address.path : `${address.host}:${address.port}`;
    this.#timeout = options.timeout;
    this.#connectTimeout = options.connectTimeout;
  }

  /** Sends a command that answers with one line (`STORED`, `DELETED`, ...). */
  line(command: Buffer | string): Promise<string> {
    return new Promise((resolve, reject) => this.#send(command, { kind: 'line', resolve }, reject));
  }

  /** Sends `get` or `gets`: the items found, possibly none. */
  values(command: string): Promise<MemcachedValue[]> {
    return new Promise((resolve, reject) =>
      this.#send(command, { kind: 'values', resolve, values: [] }, reject),
    );
  }

  /** Sends `stats` (or `stats <group>`). */
  stats(command = 'stats'): Promise<Record<string, string>> {
    return new Promise((resolve, reject) =>
      this.#send(command, { kind: 'stats', resolve, stats: {} }, reject),
    );
  }

  /** Closes the socket; commands in flight fail. */
  close(): void {
    this.#closed = true;
    this.#fail(new MemcachedError(`the connection to ${this.name} was closed`, 'ECLOSED'));
  }

  #send(command: Buffer | string, reply: Reply, reject: (error: Error) => void): void {
    if (this.#closed) {
      reject(new MemcachedError(`the connection to ${this.name} is closed`, 'ECLOSED'));
      return;
    }
    const socket = this.#socket ?? this.#open();
    const timer = setTimeout(() => {
      this.#fail(
        new MemcachedError(`${this.name} sent no reply within ${this.#timeout} ms`, 'ETIMEDOUT'),
      );
    }, this.#timeout);
    this.#pending.push({ ...reply, reject, timer } as Pending);
    socket.write(typeof command === 'string' ? `${command}\r\n` : command);
  }

  #open(): Socket {
    const socket =
      'path' in this.#address
        ? connect({ path: this.#address.path })
        : connect({ host: this.#address.host, port: this.#address.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    const connectTimer = setTimeout(() => {
      if (this.#socket !== socket) return;
      this.#fail(
        new MemcachedError(
          `could not connect to ${this.name} within ${this.#connectTimeout} ms`,
          'ETIMEDOUT',
        ),
      );
    }, this.#connectTimeout);
    socket.once('connect', () => clearTimeout(connectTimer));
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    socket.on('error', (error: Error & { code?: string }) => {
      clearTimeout(connectTimer);
      if (this.#socket !== socket) return;
      this.#fail(
        new MemcachedError(`${this.name}: ${error.message}`, error.code ?? 'ESOCKET', {
          cause: error,
        }),
      );
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.#socket !== socket) return;
      this.#fail(new MemcachedError(`${this.name} closed the connection`, 'ECONNRESET'));
    });
    this.#socket = socket;
    return socket;
  }

  // Fails every command in flight and drops the socket: after a timeout or an error, which
  // reply belongs to which command is no longer known.
  #fail(error: MemcachedError): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#buffer = Buffer.alloc(0);
    this.#item = undefined;
    socket?.destroy();
    const pending = this.#pending;
    this.#pending = [];
    for (const request of pending) {
      clearTimeout(request.timer);
      request.reject(error);
    }
  }

  #settle(): Pending | undefined {
    const request = this.#pending.shift();
    if (request !== undefined) clearTimeout(request.timer);
    return request;
  }

  #parse(): void {
    for (;;) {
      const head = this.#pending[0];
      if (head === undefined) {
        if (this.#buffer.length > 0) {
          this.#fail(new MemcachedError(`${this.name} sent an unexpected reply`, 'EPROTO'));
        }
        return;
      }
      const item = this.#item;
      if (item !== undefined) {
        if (this.#buffer.length < item.bytes + 2) return;
        const value = Buffer.from(this.#buffer.subarray(0, item.bytes));
        this.#buffer = this.#buffer.subarray(item.bytes + 2);
        this.#item = undefined;
        if (head.kind === 'values') {
          head.values.push({ key: item.key, flags: item.flags, value, cas: item.cas });
        }
        continue;
      }
      const end = this.#buffer.indexOf(CRLF);
      if (end === -1) return;
      const line = this.#buffer.toString('latin1', 0, end);
      this.#buffer = this.#buffer.subarray(end + 2);
      if (line === 'ERROR' || line.startsWith('CLIENT_ERROR')) {
        // The server may have read the command differently from what was meant (a value
        // taken for a command); what follows on this socket cannot be trusted.
        this.#settle();
        this.#fail(new MemcachedError(`${this.name} refused a command: ${line}`, 'CLIENT_ERROR'));
        head.reject(new MemcachedError(`${this.name} refused a command: ${line}`, 'CLIENT_ERROR'));
        return;
      }
      if (line.startsWith('SERVER_ERROR')) {
        // The server read the whole command and its data, and failed it (too large, out of
        // memory): the stream is still in step.
        this.#settle();
        head.reject(new MemcachedError(`${this.name}: ${line}`, 'SERVER_ERROR'));
        continue;
      }
      switch (head.kind) {
        case 'line':
          this.#settle();
          head.resolve(line);
          break;
        case 'values':
          if (line === 'END') {
            this.#settle();
            head.resolve(head.values);
          } else if (line.startsWith('VALUE ')) {
            const [, key = '', flags = '0', bytes = '0', cas] = line.split(' ');
            this.#item = { key, flags: Number(flags), bytes: Number(bytes), cas };
          } else {
            this.#protocolError(line);
            return;
          }
          break;
        case 'stats':
          if (line === 'END') {
            this.#settle();
            head.resolve(head.stats);
          } else if (line.startsWith('STAT ')) {
            const space = line.indexOf(' ', 5);
            head.stats[line.slice(5, space)] = line.slice(space + 1);
          } else {
            this.#protocolError(line);
            return;
          }
          break;
      }
    }
  }

  #protocolError(line: string): void {
    this.#fail(
      new MemcachedError(`${this.name} sent an unexpected reply: ${line.slice(0, 80)}`, 'EPROTO'),
    );
  }
}
