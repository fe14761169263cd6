/**
 * The check of loaded session data against a Standard Schema, with the real Zod 4, Valibot and
 * ArkType: what passes (with the schema's output laid over the loaded data), what fails (no
 * session, one warning naming where, never what), and schemas that misbehave.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import type { LoadedSession } from '../../src/session/engine.ts';
import type { StandardSchemaV1 } from '../../src/session/standard-schema.ts';
import { describePath, schemaCheck } from '../../src/session/validation.ts';
import { capturingLogger } from '../stores/contract.ts';

const SECRET_VALUE = 'tok_live_5f0c1e0d9a';

const loaded = (data: Record<string, unknown>): LoadedSession => ({
  key: 'abcdefghijklmnopqrstuvwxyz012345',
  data,
  version: 'v1',
});

/** The same shape in each library: a visit count and a user, every key optional. */
const schemas: [string, StandardSchemaV1][] = [
  [
    'zod',
    z.object({
      visits: z.number().optional(),
      user: z.object({ id: z.number(), token: z.string() }).optional(),
    }),
  ],
  [
    'valibot',
    v.object({
      visits: v.optional(v.number()),
      user: v.optional(v.object({ id: v.number(), token: v.string() })),
    }),
  ],
  ['arktype', type({ 'visits?': 'number', 'user?': { id: 'number', token: 'string' } })],
];

describe('describePath', () => {
  test('writes a path as code would, quoting keys that are not identifiers', () => {
    assert.equal(describePath(['cart', 0, 'name']), 'cart[0].name');
    assert.equal(describePath([{ key: 'user' }, { key: 'id' }]), 'user.id');
    assert.equal(describePath(['odd key', 'x\ny']), '["odd key"]["x\\ny"]');
    assert.equal(describePath([Symbol('s')]), '["Symbol(s)"]');
    assert.equal(describePath(undefined), '(the whole session)');
    assert.equal(describePath([]), '(the whole session)');
  });
});

for (const [vendor, schema] of schemas) {
  describe(`schemaCheck with ${vendor}`, () => {
    test('passes matching data, keeping the keys the schema does not name', async () => {
      const logger = capturingLogger();
      const data = {
        visits: 3,
        user: { id: 7, token: SECRET_VALUE },
        _session_expiry: 600,
        _auth_user_id: '7',
      };
      const checked = await schemaCheck(schema, logger)(loaded(data));
      assert.deepEqual(checked?.data, data);
      assert.equal(checked?.key, 'abcdefghijklmnopqrstuvwxyz012345');
      assert.equal(checked?.version, 'v1');
      assert.deepEqual(logger.warnings, []);
    });

    test('refuses data of the wrong shape with one warning naming the paths, never the values', async () => {
      const logger = capturingLogger();
      const data = { visits: 'three', user: { id: '7', token: SECRET_VALUE }, cart: [] };
      const checked = await schemaCheck(schema, logger)(loaded(data));
      assert.equal(checked, null);
      assert.equal(logger.warnings.length, 1);
      const [warning = ''] = logger.warnings;
      assert.match(warning, new RegExp(`settings\\.schema \\(${vendor}\\)`));
      assert.match(warning, /\bvisits\b/);
      assert.match(warning, /user\.id/);
      assert.match(warning, /starting a fresh session/);
      for (const value of ['three', SECRET_VALUE, "'7'", '"7"']) {
        assert.equal(warning.includes(value), false, `the warning quotes ${value}: ${warning}`);
      }
      assert.deepEqual(logger.errors, []);
    });
  });
}

describe('schemaCheck', () => {
  test("lays the schema's output over the loaded data: defaults and transforms apply", async () => {
    const schema = z.object({
      visits: z.number().default(0),
      theme: z.enum(['light', 'dark']).catch('light'),
      name: z.string().trim().optional(),
    });
    const checked = await schemaCheck(
      schema,
      capturingLogger(),
    )(loaded({ theme: 'neon', name: '  ann ', _messages: '[]' }));
    assert.deepEqual(checked?.data, { theme: 'light', name: 'ann', _messages: '[]', visits: 0 });
  });

  test('a key the output sets to undefined goes; a key named __proto__ stays a plain key', async () => {
    const schema = z.object({ gone: z.string().transform(() => undefined) }).loose();
    const data = JSON.parse('{"gone":"x","__proto__":{"polluted":true},"kept":1}');
    const checked = await schemaCheck(schema, capturingLogger())(loaded(data));
    assert.deepEqual(Object.keys(checked?.data ?? {}).sort(), ['__proto__', 'kept']);
    assert.equal(Object.getPrototypeOf(checked?.data), Object.prototype);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('awaits a schema that answers through a promise (an async refinement)', async () => {
    const schema = z
      .object({ coupon: z.string().optional() })
      .refine(async (data) => data.coupon !== 'EXPIRED', { path: ['coupon'] });
    assert.ok(schema['~standard'].validate({ coupon: 'x' }) instanceof Promise);
    const logger = capturingLogger();
    const check = schemaCheck(schema, logger);
    assert.deepEqual((await check(loaded({ coupon: 'SPRING' })))?.data, { coupon: 'SPRING' });
    assert.equal(await check(loaded({ coupon: 'EXPIRED' })), null);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0] ?? '', / at coupon;/);
    assert.equal(logger.warnings[0]?.includes('EXPIRED'), false);
  });

  test('names ten paths at most, and counts the rest', async () => {
    const schema = z.record(z.string(), z.number());
    const data = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`k${i}`, 'x']));
    const logger = capturingLogger();
    assert.equal(await schemaCheck(schema, logger)(loaded(data)), null);
    assert.match(logger.warnings[0] ?? '', /k0, k1, .*k9 and 3 more;/);
  });

  test('leaves alone a session the engine could not read (already reported, and empty)', async () => {
    const logger = capturingLogger();
    const schema = z.object({ visits: z.number() });
    const unread = { key: 'cookie-value', data: {}, modified: true };
    assert.equal(await schemaCheck(schema, logger)(unread), unread);
    assert.deepEqual(logger.warnings, []);
  });

  test('a schema that throws, rejects or answers nothing gives no session and an error to the logger, not a crash', async () => {
    const throwing: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'hand-made',
        validate: () => {
          throw new TypeError('a bug in the schema');
        },
      },
    };
    const logger = capturingLogger();
    assert.equal(await schemaCheck(throwing, logger)(loaded({ a: 1 })), null);
    assert.match(logger.errors[0] ?? '', /settings\.schema \(hand-made\) failed while checking/);
    const rejecting: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'hand-made',
        validate: () => Promise.reject(new Error('async bug')),
      },
    };
    assert.equal(await schemaCheck(rejecting, logger)(loaded({ a: 1 })), null);
    const answersNothing = {
      '~standard': { version: 1, vendor: 'hand-made', validate: () => undefined },
    } as unknown as StandardSchemaV1;
    assert.equal(await schemaCheck(answersNothing, logger)(loaded({ a: 1 })), null);
    assert.equal(logger.errors.length, 3);
  });

  test('an output that is not an object of data gives no session', async () => {
    const logger = capturingLogger();
    const schema = z.object({ a: z.number() }).transform((data) => [data.a]);
    assert.equal(await schemaCheck(schema, logger)(loaded({ a: 1 })), null);
    assert.match(logger.errors[0] ?? '', /gave an array/);
  });
});
