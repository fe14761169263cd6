/**
 * One benchmark server per process: `node bench/http/server.ts <contender>` builds the
 * contender's server, listens on a free loopback port and prints it.
 */
import type { AddressInfo } from 'node:net';
import { contender } from './contenders.ts';

const server = await contender(process.argv[2] ?? '').server();
// Exit through process.exit so --cpu-prof can write its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port);
});
