/**
 * `ctx.onFinish`: work that writes into the session on the way out (Django's middleware below
 * SessionMiddleware, such as MessageMiddleware) runs before the session is saved.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { memoryStore } from '../../src/stores/memory.ts';

const sessions = createSessions({
  secretKey: 'on-finish-test-secret-key-0123456789-abcdefghijklmnop',
  engine: memoryStore(),
});

describe('RequestContext.onFinish', () => {
  test('tasks run in order before the session is saved, and what they set is saved', async () => {
    const ctx = sessions.begin(undefined);
    const session = await ctx.session();
    const order: string[] = [];
    ctx.onFinish(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('first');
      session.set('written', 'on the way out');
    });
    ctx.onFinish(() => void order.push('second'));
    const { setCookie } = await ctx.finish({ status: 200 });
    assert.deepEqual(order, ['first', 'second']);
    const cookie = setCookie[0]?.split(';')[0];
    const next = sessions.begin(cookie);
    assert.equal((await next.session()).get('written'), 'on the way out');
  });

  test('a task that throws makes finish throw', async () => {
    const ctx = sessions.begin(undefined);
    ctx.onFinish(() => {
      throw new RangeError('task failed');
    });
    await assert.rejects(ctx.finish({ status: 200 }), RangeError);
  });

  test('adding a task after finish is refused', async () => {
    const ctx = sessions.begin(undefined);
    await ctx.finish({ status: 200 });
    assert.throws(() => ctx.onFinish(() => {}), /after finish/);
  });

  test('the context carries the settings logger', () => {
    const logger = { warn() {}, error() {} };
    const own = createSessions({
      secretKey: 'on-finish-test-secret-key-0123456789-abcdefghijklmnop',
      engine: memoryStore(),
      logger,
    });
    assert.equal(own.begin(undefined).logger, logger);
  });
});
