/**
 * settings.schema through the lifecycle: data stored before a deploy changed its shape loads as
 * a fresh session (the record left in the store, the cookie replaced or deleted), with one
 * warning; matching data loads with the schema's output; the check runs once per request, and
 * only for a request that loads its session.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { ImproperlyConfigured } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../src/session/engine.ts';
import type { StandardSchemaV1 } from '../../src/session/standard-schema.ts';
import type { Settings } from '../../src/settings.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { atTimeAsync, Browser, capturingLogger, SECRET } from '../stores/contract.ts';

const TOKEN = 'tok_live_5f0c1e0d9a';

/** The shape after the deploy: `visits` became a number, `user` an object. */
const schema = z.object({
  visits: z.number().optional(),
  user: z.object({ id: z.number(), plan: z.string().default('free') }).optional(),
});

/** Sessions over one engine as the application ran before the deploy, and after it. */
function beforeAndAfter(engine: SessionStore | EngineProvider, settings: Partial<Settings> = {}) {
  const logger = capturingLogger();
  const before = createSessions({ secretKey: SECRET, engine, logger: capturingLogger() });
  const after = createSessions({ secretKey: SECRET, engine, logger, schema, ...settings });
  return { before, after, logger };
}

/** A browser holding a session the old application stored: an old shape, and a secret. */
async function oldSession(before: ReturnType<typeof createSessions>): Promise<Browser> {
  const browser = new Browser(before);
  await browser.session((session) => {
    session.set('visits', 'many');
    session.set('token', TOKEN);
  });
  return browser;
}

describe('settings.schema', () => {
  test('takes any Standard Schema (an ArkType schema is a function) and refuses anything else', () => {
    const make = (value: unknown) =>
      createSessions({ secretKey: SECRET, engine: memoryStore(), schema: value as never });
    assert.equal(make(undefined).settings.schema, null);
    assert.equal(make(null).settings.schema, null);
    for (const good of [schema, v.object({}), type({ 'a?': 'number' })]) {
      assert.equal(make(good).settings.schema, good);
    }
    const notStandard = (error: unknown) =>
      error instanceof ImproperlyConfigured &&
      error.message.startsWith('coatcheck: settings.schema is not a Standard Schema');
    for (const bad of [{}, 'z.object()', 42, { '~standard': { version: 1 } }, () => true]) {
      assert.throws(() => make(bad), notStandard);
    }
    assert.throws(
      () => make({ '~standard': { version: 2, vendor: 'future', validate: () => ({ value: 1 }) } }),
      /settings\.schema follows Standard Schema version 2; coatcheck reads 1/,
    );
    assert.throws(() => make({ parse() {} }), notStandard);
  });

  test('data stored in an older shape loads as a fresh session, with one warning naming where', async () => {
    const store = memoryStore();
    const { before, after, logger } = beforeAndAfter(store);
    const old = await oldSession(before);
    const oldKey = old.cookie ?? '';

    const visit = await new Browser(after, oldKey).session((session) => ({
      empty: session.isEmpty(),
      key: session.sessionKey,
      data: session.toJSON(),
    }));
    assert.deepEqual(visit.value, { empty: true, key: null, data: {} });
    assert.equal(visit.sent?.expired, true, 'the cookie of the refused session is deleted');
    assert.equal(visit.result.vary, true);
    assert.deepEqual(logger.warnings, [
      'Session data does not match settings.schema (zod) at visits; starting a fresh session; ' +
        'the stored one is left to expire',
    ]);
    assert.deepEqual(logger.errors, []);
    // Left for a rollback to find, or for expiry and clearsessions.
    assert.deepEqual((await before.open(oldKey)).toJSON(), { visits: 'many', token: TOKEN });
  });

  test('what the request then stores goes under a new key; the old record is not touched', async () => {
    const store = memoryStore();
    const { before, after } = beforeAndAfter(store);
    const old = await oldSession(before);
    const oldKey = old.cookie ?? '';
    const browser = new Browser(after, oldKey);
    await browser.session((session) => session.set('visits', 1));
    assert.ok(browser.cookie !== undefined && browser.cookie !== oldKey);
    assert.deepEqual(await browser.data(), { visits: 1 });
    assert.deepEqual((await before.open(oldKey)).toJSON(), { visits: 'many', token: TOKEN });
  });

  test('matching data loads with the schema’s output, and reading it writes nothing', async () => {
    const store = memoryStore();
    const { before, after, logger } = beforeAndAfter(store);
    const browser = new Browser(before);
    await browser.session((session) => {
      session.set('user', { id: 7 });
      session.set('_auth_user_id', '7');
    });
    const key = browser.cookie;
    const visit = await new Browser(after, key).session((session) => session.toJSON());
    assert.deepEqual(visit.value, { user: { id: 7, plan: 'free' }, _auth_user_id: '7' });
    assert.deepEqual(visit.result.setCookie, [], 'no save, no cookie: nothing was changed');
    assert.deepEqual(logger.warnings, []);
  });

  test('runs once per request, only when the session is loaded', async () => {
    let calls = 0;
    const counted: StandardSchemaV1<unknown, Record<string, unknown>> = {
      '~standard': {
        ...schema['~standard'],
        validate: (value) => {
          calls++;
          return schema['~standard'].validate(value);
        },
      },
    };
    const store = memoryStore();
    const before = createSessions({ secretKey: SECRET, engine: store });
    const after = createSessions({ secretKey: SECRET, engine: store, schema: counted });
    const browser = new Browser(before);
    await browser.session((session) => session.set('visits', 1));
    const known = new Browser(after, browser.cookie);

    await known.visit(() => 'no session touched');
    assert.equal(calls, 0);
    await known.visit(async (ctx) => {
      const [first, second] = await Promise.all([ctx.session(), ctx.session()]);
      (await ctx.session()).set('visits', (first.get('visits') as number) + 1);
      return second;
    });
    assert.equal(calls, 1, 'one check for a request that loads three times');
    await new Browser(after).session((session) => session.get('visits'));
    assert.equal(calls, 1, 'a request without a session cookie has nothing to check');
  });

  test('sessions.open(key) checks the data too', async () => {
    const { before, after, logger } = beforeAndAfter(memoryStore());
    const oldKey = (await oldSession(before)).cookie ?? '';
    const opened = await after.open(oldKey);
    assert.equal(opened.sessionKey, null);
    assert.deepEqual(opened.toJSON(), {});
    assert.equal(logger.warnings.length, 1);
    opened.set('visits', 2);
    const newKey = await opened.save();
    assert.notEqual(newKey, oldKey);
    assert.deepEqual((await before.open(oldKey)).toJSON(), { visits: 'many', token: TOKEN });
  });

  test('with signed cookies: data that no longer matches is a fresh session, its cookie deleted', async () => {
    const { before, after, logger } = beforeAndAfter(signedCookies());
    const old = await oldSession(before);
    const visit = await new Browser(after, old.cookie).session((session) => session.toJSON());
    assert.deepEqual(visit.value, {});
    assert.equal(visit.sent?.expired, true);
    assert.equal(logger.warnings.length, 1);
    // A tampered cookie is the engine's warning alone: there is no data to check.
    const tampered = `${old.cookie?.slice(0, -3)}xyz`;
    await new Browser(after, tampered).session((session) => session.toJSON());
    assert.equal(logger.warnings.length, 2);
    assert.doesNotMatch(logger.warnings[1] ?? '', /settings\.schema/);
  });

  test('a session that timed out is a fresh one without being checked, and its record goes', async () => {
    const store = memoryStore();
    const { after, logger } = beforeAndAfter(store, { idleTimeout: 60 });
    const browser = new Browser(after);
    // Stored by this very application: the schema checks loads, not sets.
    await atTimeAsync(1_800_000_000, () =>
      browser.session((session) => session.set('visits', 'many' as never)),
    );
    const key = browser.cookie ?? '';
    const late = await atTimeAsync(1_800_000_000 + 120, () =>
      browser.session((session) => session.isEmpty()),
    );
    assert.equal(late.value, true);
    assert.deepEqual(logger.warnings, [], 'no warning for a session that timed out');
    assert.equal(
      await store.load(key),
      null,
      'the timed-out record is deleted, as without a schema',
    );
  });
});
