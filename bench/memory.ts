/**
 * What live sessions cost in the memory store: the resident memory of N sessions (a typical
 * logged-in session of about 200 bytes of JSON, each written through the lifecycle as a
 * request would), beside the JSON bytes they hold. Each count runs in a fresh child process
 * (`node --expose-gc bench/memory.ts fill N`), so one measurement cannot inflate the next.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSessions } from '../src/middleware/lifecycle.ts';
import { memoryStore } from '../src/stores/memory.ts';

const SELF = fileURLToPath(import.meta.url);
const SECRET = 'memory-benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const COUNTS = [1_000, 100_000];

const format = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

interface Fill {
  sessions: number;
  jsonBytes: number;
  rssBytes: number;
  heapBytes: number;
}

async function fill(count: number): Promise<Fill> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  // Full collections until the heap stops shrinking: one pass can leave garbage of the startup.
  const collect = () => {
    for (let last = Number.POSITIVE_INFINITY, used = 0; ; last = used) {
      gc();
      used = process.memoryUsage().heapUsed;
      if (used >= last) return;
    }
  };
  const sessions = createSessions({
    secretKey: SECRET,
    engine: memoryStore({ maxSessions: count }),
  });
  collect();
  const before = process.memoryUsage();
  let jsonBytes = 0;
  for (let i = 0; i < count; i++) {
    const ctx = sessions.begin(undefined);
    const session = await ctx.session();
    session.set('_auth_user_id', String(100_000 + i));
    session.set('_auth_user_backend', 'django.contrib.auth.backends.ModelBackend');
    session.set('_auth_user_hash', 'f'.repeat(64));
    session.set('cart', [i, i + 1, i + 2]);
    session.set('theme', 'dark');
    jsonBytes += Buffer.byteLength(JSON.stringify(session.toJSON()));
    await ctx.finish({ status: 200 });
  }
  collect();
  const after = process.memoryUsage();
  // The sessions must outlive the measurement: unreferenced, the collection above frees them.
  await sessions.close();
  return {
    sessions: count,
    jsonBytes,
    rssBytes: after.rss - before.rss,
    heapBytes: after.heapUsed - before.heapUsed,
  };
}

export function runMemoryBench(): void {
  console.log('\nMemory store: resident memory of live sessions (fresh process per count)');
  console.log(
    `  ${'sessions'.padStart(9)}  ${'JSON bytes/session'.padStart(18)}  ${'RSS bytes/session'.padStart(17)}  ${'heap bytes/session'.padStart(18)}  RSS ÷ JSON`,
  );
  for (const count of COUNTS) {
    const output = execFileSync(process.execPath, ['--expose-gc', SELF, 'fill', String(count)], {
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as Fill;
    const per = (bytes: number) => bytes / result.sessions;
    console.log(
      `  ${format.format(count).padStart(9)}  ${format.format(per(result.jsonBytes)).padStart(18)}  ${format.format(per(result.rssBytes)).padStart(17)}  ${format.format(per(result.heapBytes)).padStart(18)}  ${(result.rssBytes / result.jsonBytes).toFixed(2)}x`,
    );
  }
}

if (process.argv[2] === 'fill') {
  console.log(JSON.stringify(await fill(Number(process.argv[3]))));
}
