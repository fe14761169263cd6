/**
 * The scaling section's server: coatcheck/node's visit counter on a store already holding the
 * live sessions. `node bench/scaling/server.ts memory <keys file> <bytes>` fills its memory
 * store from the keys file first; `sqlite <file>` and `postgres <table>` open what the section
 * filled. Listens on a free loopback port and prints it.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { memoryStore } from '../../src/stores/memory.ts';
import { postgresStore } from '../../src/stores/sql/postgres.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { coatcheck } from '../http/frameworks/node.ts';
import { BENCH_POSTGRES } from '../lib/stores.ts';
import { sessionData } from './fill.ts';

async function filledMemoryStore(keysFile: string, bytes: number): Promise<SessionStore> {
  const keys = readFileSync(keysFile, 'utf8').split('\n').filter(Boolean);
  const store = memoryStore({ maxSessions: keys.length + 1000 });
  const record = { data: sessionData(bytes), expiresAt: new Date(Date.now() + 14 * 86_400_000) };
  for (const key of keys) await store.create(key, record);
  return store;
}

const [kind, where = '', bytes = '0'] = process.argv.slice(2);
const store =
  kind === 'memory'
    ? await filledMemoryStore(where, Number(bytes))
    : kind === 'sqlite'
      ? sqliteStore({ path: where })
      : postgresStore({ url: BENCH_POSTGRES }, { table: where });
const server = coatcheck(store);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
