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
import { formatFixed, formatRate, markdownTable } from './lib/markdown.ts';
import type { BenchOptions } from './lib/options.ts';
import type { SectionReport } from './lib/section.ts';

const SELF = fileURLToPath(import.meta.url);
const SECRET = 'memory-benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const COUNTS = [1_000, 100_000, 1_000_000];
const QUICK_COUNTS = [1_000];
// The goal: 100,000 live sessions take at most twice the JSON they hold.
const GOAL_COUNT = 100_000;
const GOAL_RATIO = 2;

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

export async function runMemoryBench(options: BenchOptions): Promise<SectionReport> {
  console.log('\nMemory store: live sessions (a fresh process per count)');
  const rows: string[][] = [];
  let goal = '';
  for (const count of options.quick ? QUICK_COUNTS : COUNTS) {
    const output = execFileSync(process.execPath, ['--expose-gc', SELF, 'fill', String(count)], {
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as Fill;
    const per = (bytes: number) => formatRate(bytes / result.sessions);
    const rss = result.rssBytes / result.jsonBytes;
    rows.push([
      formatRate(count),
      per(result.jsonBytes),
      per(result.heapBytes),
      per(result.rssBytes),
      formatFixed(result.heapBytes / result.jsonBytes, 2),
      formatFixed(rss, 2),
    ]);
    if (count === GOAL_COUNT) {
      const met = rss <= GOAL_RATIO ? 'met' : '**missed**';
      goal = `- Goal ${met}: resident memory of ${formatRate(count)} sessions ÷ their JSON: ${formatFixed(rss, 2)}× (target ≤ ${GOAL_RATIO}×)`;
    }
  }
  const table = markdownTable(
    [
      { header: 'sessions', align: 'right' },
      { header: 'JSON bytes/session', align: 'right' },
      { header: 'heap bytes/session', align: 'right' },
      { header: 'RSS bytes/session', align: 'right' },
      { header: 'heap ÷ JSON', align: 'right' },
      { header: 'RSS ÷ JSON', align: 'right' },
    ],
    rows,
  );
  return {
    title: 'Live sessions in the memory store',
    body: [
      'A logged-in session of about 215 bytes of JSON, each written through the lifecycle as a ' +
        'request would, in a fresh process per count; the growth of the heap and of the resident ' +
        'size after full garbage collections.',
      table,
      ...(goal === '' ? [] : [goal]),
    ].join('\n\n'),
  };
}

if (process.argv[2] === 'fill') {
  console.log(JSON.stringify(await fill(Number(process.argv[3]))));
}
