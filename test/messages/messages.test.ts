/**
 * The messages of a request, through the real lifecycle (memory store and signed cookies):
 * Django's `SessionStorage` rules. Reading uses messages up, only messages added after the last
 * reading are kept, counting reads nothing, a level below the minimum is dropped, and a request
 * that reads no messages leaves the session alone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  getMessages,
  LEVELS,
  type MessageOptions,
  MessageStorage,
} from '../../src/messages/index.ts';
import {
  createSessions,
  type RequestContext,
  type Sessions,
} from '../../src/middleware/lifecycle.ts';
import type { Settings } from '../../src/settings.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import { Browser, capturingLogger } from '../stores/contract.ts';

const SECRET = 'messages-test-secret-key-0123456789-abcdefghijklmnop';

function setup(settings: Partial<Settings> = {}) {
  const logger = capturingLogger();
  const sessions: Sessions = createSessions({
    secretKey: SECRET,
    engine: memoryStore(),
    logger,
    ...settings,
  });
  return { sessions, logger, browser: new Browser(sessions) };
}

/** A request that adds messages through `fn`. */
const adding =
  (fn: (messages: MessageStorage) => void, options?: MessageOptions) =>
  async (ctx: RequestContext) =>
    fn(await getMessages(ctx, options));

/** A request that reads the messages: what a page showing them does. */
const reading = async (ctx: RequestContext) =>
  (await getMessages(ctx)).read().map((m) => [m.level, m.message, m.tags]);

/** The raw `_messages` value the browser's session holds now. */
async function stored(browser: Browser): Promise<unknown> {
  return (await browser.data())._messages;
}

describe('messages across requests', () => {
  test('a message added in one request shows in the next, then is gone', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.success('Saved.')));
    assert.equal(await stored(browser), '[["__json_message", 0, 25, "Saved.", ""]]');
    assert.deepEqual((await browser.visit(reading)).value, [[25, 'Saved.', 'success']]);
    assert.deepEqual((await browser.visit(reading)).value, []);
  });

  test('the 3.2 format leaves empty extra tags out', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('hello'), { format: '3.2' }));
    assert.equal(await stored(browser), '[["__json_message", 0, 20, "hello"]]');
  });

  test('reading pops _messages; the session then saves empty, as Django keeps its key', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('once')));
    const key = browser.cookie;
    assert.ok(key);
    const visit = await browser.visit(reading);
    assert.equal(visit.sent?.value, key);
    assert.deepEqual(await browser.data(), {});
  });

  test('reading keeps the rest of the session and removes only _messages', async () => {
    const { browser } = setup();
    await browser.session((session) => session.set('user', 'ada'));
    await browser.visit(adding((m) => m.info('hi')));
    await browser.visit(reading);
    assert.deepEqual(await browser.data(), { user: 'ada' });
  });

  test('messages added after the reading are kept for the next request', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('old')));
    const visit = await browser.visit(async (ctx) => {
      const messages = await getMessages(ctx);
      const shown = messages.read().map(String);
      messages.warning('new');
      return shown;
    });
    assert.deepEqual(visit.value, ['old']);
    assert.deepEqual((await browser.visit(reading)).value, [[30, 'new', 'warning']]);
  });

  test('messages never read are kept with the new ones, the old first', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('first')));
    await browser.visit(adding((m) => m.error('second', { extraTags: 'form' })));
    assert.equal(
      await stored(browser),
      '[["__json_message", 0, 20, "first", ""], ["__json_message", 0, 40, "second", "form"]]',
    );
    assert.deepEqual((await browser.visit(reading)).value, [
      [20, 'first', 'info'],
      [40, 'second', 'form error'],
    ]);
  });

  test('size counts without reading', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('a')));
    const visit = await browser.visit(async (ctx) => {
      const messages = await getMessages(ctx);
      messages.info('b');
      return messages.size;
    });
    assert.equal(visit.value, 2);
    assert.deepEqual(
      (await browser.visit(reading)).value.map((m) => m[1]),
      ['a', 'b'],
    );
  });

  test('reading twice in one request gives the messages again, as Django iterates', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('a')));
    const visit = await browser.visit(async (ctx) => {
      const messages = await getMessages(ctx);
      const first = [...messages].map(String);
      messages.info('b');
      return [first, [...messages].map(String), messages.size];
    });
    assert.deepEqual(visit.value, [['a'], ['a', 'b'], 2]);
    assert.deepEqual((await browser.visit(reading)).value, []);
  });

  test('a request that reads no messages does not modify the session', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('waiting')));
    const visit = await browser.visit(async (ctx) => {
      const messages = await getMessages(ctx);
      messages.debug('dropped: below the level');
      return messages.size;
    });
    assert.equal(visit.value, 1);
    assert.equal(visit.sent, undefined, 'no Set-Cookie: nothing was saved');
    assert.deepEqual(
      (await browser.visit(reading)).value.map((m) => m[1]),
      ['waiting'],
    );
  });

  test('messages added and read in one request never touch the session', async () => {
    const { browser } = setup();
    await browser.session((session) => session.set('user', 'ada'));
    const visit = await browser.visit(async (ctx) => {
      const messages = await getMessages(ctx);
      messages.info('shown at once');
      const shown = messages.read().map(String);
      return { shown, modified: (await ctx.session()).modified };
    });
    assert.deepEqual(visit.value.shown, ['shown at once']);
    assert.equal(visit.sent, undefined);
  });

  test('reading with nothing stored leaves the session unmodified', async () => {
    const { browser } = setup();
    await browser.session((session) => session.set('user', 'ada'));
    const visit = await browser.visit(reading);
    assert.deepEqual(visit.value, []);
    assert.equal(visit.sent, undefined);
  });

  test('a message added before a flush survives it, as Django writes messages last', async () => {
    const { browser } = setup();
    await browser.session((session) => session.set('user', 'ada'));
    await browser.visit(async (ctx) => {
      (await getMessages(ctx)).info('Your account was deleted.');
      (await ctx.session()).flush();
    });
    assert.deepEqual(await browser.data(), {
      _messages: '[["__json_message", 0, 20, "Your account was deleted.", ""]]',
    });
  });

  test('a 5xx response saves no messages, as it saves no session', async () => {
    const { browser } = setup();
    await browser.visit(
      adding((m) => m.error('lost')),
      500,
    );
    assert.equal(browser.cookie, undefined);
  });

  test('every getMessages of one request gives the same storage', async () => {
    const { browser } = setup();
    const visit = await browser.visit(async (ctx) => {
      const [a, b] = await Promise.all([getMessages(ctx), getMessages(ctx)]);
      return a === b && a === (await getMessages(ctx));
    });
    assert.equal(visit.value, true);
  });

  test('a session typed with its own data works with getMessages', async () => {
    const sessions = createSessions<{ cart: string[] }>({
      secretKey: SECRET,
      engine: memoryStore(),
    });
    const ctx = sessions.begin(undefined);
    (await getMessages(ctx)).info('typed');
    (await ctx.session()).set('cart', ['apple']);
    const { setCookie } = await ctx.finish({ status: 200 });
    assert.equal(setCookie.length, 1);
  });

  test('messages travel in a signed-cookie session too', async () => {
    const { browser } = setup({ engine: signedCookies() });
    await browser.visit(adding((m) => m.success('in the cookie')));
    assert.deepEqual((await browser.visit(reading)).value, [[25, 'in the cookie', 'success']]);
    assert.deepEqual(await browser.data(), {});
  });
});

describe('adding messages', () => {
  const read = async (options: MessageOptions, fn: (m: MessageStorage) => void) => {
    const { browser } = setup();
    await browser.visit(adding(fn, options));
    return (await browser.visit(async (ctx) => (await getMessages(ctx, options)).read())).value;
  };

  test('each shortcut adds its level; debug is dropped by the default level', async () => {
    const messages = await read({}, (m) => {
      m.debug('d');
      m.info('i');
      m.success('s');
      m.warning('w');
      m.error('e');
    });
    assert.deepEqual(
      messages.map((m) => [m.level, m.tags]),
      [
        [20, 'info'],
        [25, 'success'],
        [30, 'warning'],
        [40, 'error'],
      ],
    );
  });

  test('the level option and the per-request level decide what is kept', async () => {
    assert.deepEqual((await read({ level: LEVELS.debug }, (m) => m.debug('d'))).map(String), ['d']);
    assert.deepEqual((await read({ level: LEVELS.warning }, (m) => m.info('i'))).map(String), []);
    const perRequest = await read({}, (m) => {
      m.level = LEVELS.error;
      m.warning('dropped');
      m.level = undefined;
      m.info('kept');
    });
    assert.deepEqual(perRequest.map(String), ['kept']);
  });

  test('an empty text is dropped, as in Django', async () => {
    assert.deepEqual(await read({}, (m) => m.info('')), []);
  });

  test('custom levels, and messageTags replacing or adding tags', async () => {
    const options = { messageTags: { [LEVELS.error]: 'danger', 35: 'notice' } };
    const messages = await read(options, (m) => {
      m.error('e', { extraTags: 'form' });
      m.add(35, 'custom tagged');
      m.add(33, 'custom', { extraTags: 'x' });
      m.add(34, 'bare');
    });
    assert.deepEqual(
      messages.map((m) => [m.level, m.tags, m.levelTag]),
      [
        [40, 'form danger', 'danger'],
        [35, 'notice', 'notice'],
        [33, 'x', ''],
        [34, '', ''],
      ],
    );
  });

  test('extra tags of null are written in neither format, as Django leaves out None', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.info('bare', { extraTags: null })));
    assert.equal(await stored(browser), '[["__json_message", 0, 20, "bare"]]');
    const [message] = (await browser.visit(async (ctx) => (await getMessages(ctx)).read())).value;
    assert.equal(message?.extraTags, null);
  });

  test('the safe flag travels and reads back', async () => {
    const [message] = await read({}, (m) => m.success('<b>saved</b>', { safe: true }));
    assert.equal(message?.safe, true);
    const [plain] = await read({}, (m) => m.success('<b>x</b>'));
    assert.equal(plain?.safe, false);
  });

  test('non-ASCII text round-trips, escaped in the session', async () => {
    const { browser } = setup();
    await browser.visit(adding((m) => m.warning('zoë ✓ "q" \u2028 😀')));
    assert.equal(
      await stored(browser),
      '[["__json_message", 0, 30, "zo\\u00eb \\u2713 \\"q\\" \\u2028 \\ud83d\\ude00", ""]]',
    );
    assert.deepEqual((await browser.visit(reading)).value, [
      [30, 'zoë ✓ "q" \u2028 😀', 'warning'],
    ]);
  });

  test('a level that is no integer, or a text that is no string, is a TypeError', async () => {
    const { browser } = setup();
    await browser.visit(async (ctx) => {
      const messages = await getMessages(ctx);
      assert.throws(() => messages.add(20.5, 'x'), TypeError);
      assert.throws(() => messages.add(Number.NaN, 'x'), TypeError);
      assert.throws(() => messages.info(42 as unknown as string), TypeError);
      assert.throws(() => messages.info('x', { extraTags: 1 as unknown as string }), TypeError);
      assert.throws(() => {
        messages.level = 1.5;
      }, TypeError);
    });
  });

  test('bad options are a TypeError naming them', () => {
    const { sessions } = setup();
    const session = sessions.begin(undefined).session();
    return session.then((s) => {
      assert.throws(() => new MessageStorage(s, { format: '5' as '3.2' }), /format/);
      assert.throws(() => new MessageStorage(s, { level: 2.5 }), /level/);
      assert.throws(() => new MessageStorage(s, { messageTags: { 1.5: 'x' } }), /messageTags/);
    });
  });
});

describe('a _messages value that is not Django’s format', () => {
  for (const [what, value] of [
    ['garbage text', 'not json at all'],
    ['a list', [1, 2]],
    ['a list of strings', '["a", "b"]'],
  ] as const) {
    test(`${what}: no messages, a warning, and a reading removes it`, async () => {
      const { browser, logger } = setup();
      await browser.session((session) => {
        session.set('_messages', value);
        session.set('user', 'ada');
      });
      const visit = await browser.visit(reading);
      assert.deepEqual(visit.value, []);
      assert.equal(logger.warnings.length, 1);
      assert.match(logger.warnings[0] ?? '', /_messages value was not read/);
      assert.deepEqual(await browser.data(), { user: 'ada' });
    });
  }

  test('a new message replaces it', async () => {
    const { browser, logger } = setup();
    await browser.session((session) => session.set('_messages', '{"x": 1}'));
    await browser.visit(adding((m) => m.info('fresh')));
    assert.equal(logger.warnings.length, 1);
    assert.equal(await stored(browser), '[["__json_message", 0, 20, "fresh", ""]]');
  });
});

describe('MessageStorage over a bare session', () => {
  test('save() writes what is left; nothing is written before', async () => {
    const { sessions } = setup();
    const session = await sessions.begin(undefined).session();
    const messages = new MessageStorage(session);
    messages.info('x');
    assert.equal(session.has('_messages'), false);
    messages.save();
    assert.equal(session.get('_messages'), '[["__json_message", 0, 20, "x", ""]]');
    assert.deepEqual([...new MessageStorage(session)].map(String), ['x']);
  });
});
