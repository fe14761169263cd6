/**
 * The Redis store through outages, under a steady loop of requests through `createSessions`:
 * a redis-server of this test's own killed with SIGKILL and started again on the same port,
 * and a path that goes silent (the TCP proxy's black hole) and comes back. Requests get
 * `StoreUnavailable` (HTTP 503 through the adapters) within the command timeout, the outage is
 * logged once, the process never crashes, and requests succeed within a second of the return.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { withSessions } from '../../src/adapters/node.ts';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { redisStore } from '../../src/stores/redis.ts';
import {
  assertRedisReachable,
  type RedisServer,
  skipWithoutRedisServer,
  startRedisServer,
} from '../helpers/redis-servers.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { Browser, type CapturingLogger, capturingLogger, SECRET } from './contract.ts';

if (skipWithoutRedisServer === false) assertRedisReachable();

const TIMEOUT = 400;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request's outcome in the loop. */
interface Outcome {
  at: number;
  ms: number;
  ok: boolean;
  error?: unknown;
}

/**
 * Requests one after another (each counts a visit on its browser) until stopped: what a
 * server under steady traffic does to the store.
 */
function requestLoop(sessions: Sessions) {
  const outcomes: Outcome[] = [];
  let running = true;
  const done = (async () => {
    let browser = new Browser(sessions);
    while (running) {
      const at = Date.now();
      try {
        await browser.session((session) =>
          session.set('visits', ((session.get('visits') as number | undefined) ?? 0) + 1),
        );
        outcomes.push({ at, ms: Date.now() - at, ok: true });
      } catch (error) {
        outcomes.push({ at, ms: Date.now() - at, ok: false, error });
        // A browser whose session was lost with the server starts again, as a user would.
        browser = new Browser(sessions);
      }
      await pause(10);
    }
  })();
  return {
    outcomes,
    async stop() {
      running = false;
      await done;
    },
    /** Waits until a request that started after `since` succeeds; returns when it started. */
    async firstSuccessAfter(since: number, limitMs = 5000): Promise<number> {
      const deadline = Date.now() + limitMs;
      while (Date.now() < deadline) {
        const success = outcomes.find((outcome) => outcome.ok && outcome.at >= since);
        if (success !== undefined) return success.at + success.ms;
        await pause(10);
      }
      throw new Error(`no request succeeded within ${limitMs} ms`);
    },
  };
}

function assertUnavailable(outcomes: readonly Outcome[], from: number, to: number): void {
  const during = outcomes.filter((outcome) => outcome.at >= from && outcome.at + outcome.ms <= to);
  assert.ok(during.length > 0, 'no request ran during the outage');
  for (const outcome of during) {
    assert.equal(outcome.ok, false, 'a request succeeded while the server was away');
    assert.ok(outcome.error instanceof StoreUnavailable, String(outcome.error));
  }
}

describe('redis store faults', { skip: skipWithoutRedisServer }, () => {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedisServer();
  });
  after(() => server?.stop());

  test('a server killed (SIGKILL) and restarted: 503s meanwhile, one logged error, back within a second', async () => {
    const logger: CapturingLogger = capturingLogger();
    const sessions = createSessions({
      secretKey: SECRET,
      engine: redisStore({ url: server?.url ?? '' }, { commandTimeout: TIMEOUT }),
      logger,
    });
    const loop = requestLoop(sessions);
    try {
      await loop.firstSuccessAfter(0);
      await pause(100);
      const killed = Date.now();
      await server?.kill();
      await pause(1000);
      const restarting = Date.now();
      await server?.start();
      const back = Date.now();
      const recovered = await loop.firstSuccessAfter(back);
      assert.ok(recovered - back < 1000, `recovered ${recovered - back} ms after the restart`);
      assertUnavailable(loop.outcomes, killed + 50, restarting);
      for (const outcome of loop.outcomes) {
        assert.ok(outcome.ms < TIMEOUT + 300, `a request took ${outcome.ms} ms`);
      }
      assert.equal(logger.errors.length, 1, logger.errors.join('\n'));
      assert.match(logger.errors[0] ?? '', new RegExp(`127\\.0\\.0\\.1:${server?.port}`));
    } finally {
      await loop.stop();
      await sessions.close();
    }
  });

  test('a silent path (black hole): each request ends within the timeout, and requests succeed within a second of its return', async () => {
    const proxy: TcpProxy = await startTcpProxy(server?.port ?? 0);
    const logger = capturingLogger();
    const sessions = createSessions({
      secretKey: SECRET,
      engine: redisStore({ url: `redis://127.0.0.1:${proxy.port}` }, { commandTimeout: TIMEOUT }),
      logger,
    });
    const loop = requestLoop(sessions);
    try {
      await loop.firstSuccessAfter(0);
      await pause(100);
      const silent = Date.now();
      proxy.blackHole();
      await pause(2000);
      const restored = Date.now();
      proxy.restore();
      const recovered = await loop.firstSuccessAfter(restored);
      assert.ok(recovered - restored < 1000, `recovered ${recovered - restored} ms after restore`);
      // Requests that started after the path went silent (and a moment for those already under
      // way) fail, each within the timeout and a little.
      assertUnavailable(loop.outcomes, silent + 50, restored);
      for (const outcome of loop.outcomes) {
        assert.ok(outcome.ms < TIMEOUT * 2 + 200, `a request took ${outcome.ms} ms`);
      }
      assert.equal(logger.errors.length, 1, logger.errors.join('\n'));
    } finally {
      await loop.stop();
      await sessions.close();
      await proxy.close();
    }
  });

  test('the adapters answer 503 while the server is away', async () => {
    const proxy = await startTcpProxy(server?.port ?? 0);
    const sessions = createSessions({
      secretKey: SECRET,
      engine: redisStore({ url: `redis://127.0.0.1:${proxy.port}` }, { commandTimeout: TIMEOUT }),
      logger: capturingLogger(),
    });
    const http = createServer(
      withSessions(sessions, async (_request, response, ctx) => {
        (await ctx.session()).set('seen', true);
        response.end('ok');
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = http.address() as AddressInfo;
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
      proxy.cut();
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 503);
      proxy.restore();
      const back = Date.now();
      let status = 0;
      while (status !== 200 && Date.now() - back < 3000) {
        status = (await fetch(`http://127.0.0.1:${port}/`)).status;
        if (status !== 200) await pause(20);
      }
      assert.equal(status, 200);
      assert.ok(Date.now() - back < 1000, `back after ${Date.now() - back} ms`);
    } finally {
      http.close();
      await sessions.close();
      await proxy.close();
    }
  });
});
