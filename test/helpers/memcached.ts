/**
 * A Memcached server of a test file's own: Debian's `/usr/bin/memcached` on a free loopback
 * port, started by the test and stopped after it, so fault tests can kill it without touching
 * anything another test uses. Without the binary the suites skip with the reason; under
 * `CI=true` they fail (CI installs it, and a silent skip would hide a broken setup).
 *
 * Also a raw command line to the server (`stats`, the meta command `mg`), for tests that look
 * at what the store wrote, byte for byte, without the store's own client.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort, killChild } from './child-servers.ts';

export const MEMCACHED_BINARY = process.env.COATCHECK_TEST_MEMCACHED ?? '/usr/bin/memcached';

const IN_CI = process.env.CI === 'true';
const problem = existsSync(MEMCACHED_BINARY)
  ? false
  : `${MEMCACHED_BINARY} is missing (apt-get install memcached)`;

/** The `skip` option for a suite that needs memcached; `false` under CI, which then fails. */
export const skipWithoutMemcached: string | false = IN_CI ? false : problem;

/** A memcached started by {@link startMemcached}. */
export interface MemcachedServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, as `memcachedStore({ servers })` and Django's `LOCATION` take it. */
  readonly address: string;
  /** Kills the process with SIGKILL, as a crash; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty, as after a crash). */
  restart(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`memcached did not listen on ${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** Starts memcached on a free loopback port (TCP only). */
export async function startMemcached(): Promise<MemcachedServer> {
  if (problem !== false) throw new Error(`${problem}; CI=true requires it`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    // -u: memcached refuses to run as root without it (CI runs as root); ignored otherwise.
    const started = spawn(
      MEMCACHED_BINARY,
      ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-u', 'nobody'],
      { stdio: 'ignore' },
    );
    child = started;
    await waitForPort(port, Date.now() + 5000);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    await killChild(running);
  };
  await launch();
  return {
    port,
    address: `127.0.0.1:${port}`,
    kill,
    restart: launch,
    stop: kill,
  };
}

/**
 * Sends one raw command line on a connection of its own and resolves with the reply once
 * `complete` says it has all of it. For `stats` and `mg`.
 */
export function memcachedCommand(
  port: number,
  line: string,
  complete: (reply: string) => boolean,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      if (complete(reply.toString('latin1'))) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.write(`${line}\r\n`);
  });
}

/** `stats` as a record of numbers (the counters tests compare). */
export async function memcachedStats(port: number): Promise<Record<string, number>> {
  const reply = await memcachedCommand(port, 'stats', (text) => text.endsWith('END\r\n'));
  const text = reply.toString('latin1');
  const stats: Record<string, number> = {};
  for (const match of text.matchAll(/^STAT (\S+) (\S+)\r$/gm)) {
    stats[match[1] ?? ''] = Number(match[2]);
  }
  return stats;
}

/** What the meta command `mg <key> t f v` reports: remaining TTL, flags and the value bytes. */
export async function metaGet(
  port: number,
  key: string,
): Promise<{ ttl: number; flags: number; value: Buffer } | null> {
  const reply = await memcachedCommand(port, `mg ${key} t f v`, (text) => {
    if (text.startsWith('EN\r\n')) return true;
    const header = /^VA (\d+)[^\r]*\r\n/.exec(text);
    return header !== null && text.length >= header[0].length + Number(header[1]) + 2;
  });
  const text = reply.toString('latin1');
  if (text.startsWith('EN')) return null;
  const header = /^VA (\d+) ([^\r]*)\r\n/.exec(text);
  if (header === null) throw new Error(`unexpected mg reply: ${text.slice(0, 80)}`);
  const fields = Object.fromEntries(
    (header[2] ?? '').split(' ').map((field) => [field[0], Number(field.slice(1))]),
  );
  const start = header[0].length;
  return {
    ttl: fields.t ?? Number.NaN,
    flags: fields.f ?? Number.NaN,
    value: reply.subarray(start, start + Number(header[1])),
  };
}
