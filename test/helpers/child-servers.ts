/**
 * What the helpers that start servers of their own (Memcached, Redis, a Redis Cluster) share:
 * a free loopback port to start one on, and a way to kill one and wait until it is gone.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A port the OS says is free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Kills a server with SIGKILL (a crash, as a fault test wants it) and waits for its exit. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
