/**
 * The silent-path fault, shared by the PostgreSQL and MariaDB tests: the way to the database
 * goes quiet (bytes dropped, nothing reset, through the TCP proxy's black hole) while requests
 * keep coming, then heals. Every request during the outage must end, as `StoreUnavailable`,
 * within the store's `timeout` (plus scheduling slack), and requests must work again within a
 * second of the path healing, although every connection opened before or during the outage
 * stays silent for good.
 */
import assert from 'node:assert/strict';
import { StoreUnavailable } from '../../src/errors.ts';
import type { Sessions } from '../../src/middleware/lifecycle.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { Browser } from './contract.ts';

/** How a silent-path run went, for the assertions and their messages. */
export interface SilentPathReport {
  /** Requests started during the outage: how long each took and how it ended. */
  outage: { ms: number; outcome: string }[];
  /** Milliseconds from the path healing to the first request that worked. */
  recoveredAfter: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Warms a pool with several connections, black-holes the path for `outageMs` under `loops`
 * request loops, heals it, and checks the bound and the recovery. A request that outlives
 * `timeout` by more than `slack` counts as hung (the test stops waiting for it and fails).
 */
export async function assertSilentPathBounded(options: {
  sessions: Sessions;
  proxy: TcpProxy;
  timeout: number;
  slack?: number;
  outageMs?: number;
  loops?: number;
}): Promise<SilentPathReport> {
  const { sessions, proxy, timeout } = options;
  const slack = options.slack ?? 500;
  const loops = options.loops ?? 2;
  // Eight connections in the pool, each of which goes silent with the path; the outage's
  // requests meet only some of them, so the rest are still idle in the pool when it heals.
  const browsers = Array.from({ length: 8 }, () => new Browser(sessions));
  await Promise.all(browsers.map((browser) => browser.session((s) => s.set('visits', 1))));

  proxy.blackHole();
  const outage: { ms: number; outcome: string }[] = [];
  const hung: Promise<unknown>[] = [];
  const ends = Date.now() + (options.outageMs ?? 2500);
  const loop = async (index: number) => {
    for (let round = 0; Date.now() < ends; round++) {
      const browser = browsers[(index + round) % browsers.length] ?? new Browser(sessions);
      // Reads of sessions that exist, saves of changed ones, and new sessions, in turn.
      const request =
        round % 3 === 0
          ? browser.data()
          : round % 3 === 1
            ? browser.session((s) => s.set('visits', round))
            : new Browser(sessions).session((s) => s.set('new', true));
      const started = Date.now();
      const outcome = await Promise.race([
        request.then(
          () => 'answered',
          (error: unknown) => (error instanceof StoreUnavailable ? 'unavailable' : String(error)),
        ),
        sleep(timeout + slack).then(() => 'hung'),
      ]);
      outage.push({ ms: Date.now() - started, outcome });
      if (outcome === 'hung') {
        hung.push(request.catch(() => {}));
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: loops }, (_, index) => loop(index)));

  proxy.restore();
  const healed = Date.now();
  let recoveredAfter: number | undefined;
  while (Date.now() - healed < timeout + 2000 && hung.length === 0) {
    try {
      await browsers[0]?.session((s) => s.set('visits', 100));
      recoveredAfter = Date.now() - healed;
      break;
    } catch (error) {
      if (!(error instanceof StoreUnavailable)) throw error;
      await sleep(20);
    }
  }
  const report = { outage, recoveredAfter };
  const summary = JSON.stringify(report);
  assert.ok(outage.length >= loops, summary);
  for (const { ms, outcome } of outage) {
    assert.equal(outcome, 'unavailable', `a request during the outage: ${summary}`);
    assert.ok(ms <= timeout + slack, `a request took ${ms} ms: ${summary}`);
  }
  assert.ok(
    recoveredAfter !== undefined && recoveredAfter < 1000,
    `recovered after ${recoveredAfter} ms: ${summary}`,
  );
  // Every browser's session is still there, and still its own.
  for (const browser of browsers.slice(1)) {
    assert.equal(typeof (await browser.data()).visits, 'number');
  }
  return report;
}
