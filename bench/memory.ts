/**
 * What live sessions cost in the memory store: the resident memory of N sessions (a typical
 * logged-in session of about 200 bytes of JSON, each written through the lifecycle as a
 * request would), beside the JSON bytes they hold. Each count runs in a fresh child process
 * (`node --expose-gc bench/memory.ts fill N keep|drop`), so one measurement cannot inflate the
 * next.
 *
 * The process's resident size also grows by what the N requests leave behind (pages V8 has not
 * given back): memory the process holds whether the sessions live or not. So each count runs twice, once keeping every session and
 * once with a store that keeps one, the same requests otherwise; the difference is the
 * resident memory the live sessions themselves take.
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

async function fill(count: number, keep: boolean): Promise<Fill> {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  // Full collections until the heap stops shrinking: one pass can leave garbage of the startup.
  // Each is the collection V8 makes under memory pressure ('last-resort'), which also gives back
  // the young generation's empty pages. A plain full collection leaves them mapped: filling
  // 100,000 sessions back to back, every object survives, so V8 grows the young generation to
  // its largest (about 64 MB, empty once collected), and the resident size counted that. V8's
  // memory reducer gives those pages back by itself once the process goes quiet.
  const collect = () => {
    for (let last = Number.POSITIVE_INFINITY, used = 0; ; last = used) {
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      used = process.memoryUsage().heapUsed;
      if (used >= last) return;
    }
  };
  const sessions = createSessions({
    secretKey: SECRET,
    engine: memoryStore({ maxSessions: keep ? count : 1 }),
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
    const run = (mode: 'keep' | 'drop') =>
      JSON.parse(
        execFileSync(process.execPath, ['--expose-gc', SELF, 'fill', String(count), mode], {
          encoding: 'utf8',
        }),
      ) as Fill;
    const result = run('keep');
    const baseline = run('drop');
    const liveRss = result.rssBytes - baseline.rssBytes;
    const per = (bytes: number) => formatRate(bytes / result.sessions);
    const rss = liveRss / result.jsonBytes;
    rows.push([
      formatRate(count),
      per(result.jsonBytes),
      per(result.heapBytes),
      per(result.rssBytes),
      per(liveRss),
      formatFixed(result.heapBytes / result.jsonBytes, 2),
      formatFixed(rss, 2),
    ]);
    if (count === GOAL_COUNT) {
      const met = rss <= GOAL_RATIO ? 'met' : '**missed**';
      goal = `- Goal ${met}: resident memory of ${formatRate(count)} live sessions ÷ their JSON: ${formatFixed(rss, 2)}× (target ≤ ${GOAL_RATIO}×)`;
    }
  }
  const table = markdownTable(
    [
      { header: 'sessions', align: 'right' },
      { header: 'JSON bytes/session', align: 'right' },
      { header: 'heap bytes/session', align: 'right' },
      { header: 'RSS growth/session', align: 'right' },
      { header: 'RSS of live sessions/session', align: 'right' },
      { header: 'heap ÷ JSON', align: 'right' },
      { header: 'live RSS ÷ JSON', align: 'right' },
    ],
    rows,
  );
  return {
    title: 'Live sessions in the memory store',
    body: [
      'A logged-in session of about 215 bytes of JSON, each written through the lifecycle as a ' +
        'request would, in a fresh process per count; the growth of the heap and of the resident ' +
        'size after full, memory-reducing garbage collections (those V8 makes under memory ' +
        'pressure, which give the emptied young generation back). "RSS of live sessions" ' +
        'subtracts the growth of the ' +
        'same requests run against a store that keeps one session: what the requests leave ' +
        'resident either way (a grown young generation, pages not yet given back).',
      table,
      ...(goal === '' ? [] : [goal]),
    ].join('\n\n'),
  };
}

if (process.argv[2] === 'fill') {
  console.log(JSON.stringify(await fill(Number(process.argv[3]), process.argv[4] !== 'drop')));
}
