/**
 * Messages shared with the real Django 3.2, both ways: Django's `SessionStorage`
 * (`MESSAGE_STORAGE`) and coatcheck's `getMessages` over one session, on the signed-cookie
 * engine and on the file engine (one directory for both). A message added on one side is read
 * on the other with its level, text, extra tags and safe flag, and reading it there uses it up
 * for both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getMessages, type MessageOptions } from '../../src/messages/index.ts';
import { createSessions, type RequestContext } from '../../src/middleware/lifecycle.ts';
import type { Settings } from '../../src/settings.ts';
import { fileStore } from '../../src/stores/file.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import { Browser, capturingLogger, sentCookie } from '../stores/contract.ts';
import { DjangoSide } from './django-side.ts';
import { SECRET_KEY, skipWithoutDjango } from './helpers.ts';

/** What a view in Django does with the messages (messages_ops.py). */
type MessageAction =
  | { do: 'add'; level: number; message: string; extra_tags?: string; safe?: boolean }
  | { do: 'read' }
  | { do: 'count' };

/** A message as either side describes it. */
interface Seen {
  level: number;
  message: string;
  extra_tags: string | null;
  tags: string;
  safe: boolean;
}

interface MessagesVisit {
  seen: (Seen[] | number)[];
  stored: string | null;
  set_cookie: string | null;
}

/** A request through Django's SessionMiddleware and MessageMiddleware, from `browser`. */
function djangoVisit(django: DjangoSide, browser: Browser, actions: MessageAction[]) {
  const cookie =
    browser.cookie === undefined ? undefined : `${django.cookieName}=${browser.cookie}`;
  const visit = django.call('messages.request', { cookie, actions }) as MessagesVisit;
  const sent = sentCookie(visit.set_cookie === null ? [] : [visit.set_cookie], django.cookieName);
  if (sent !== undefined) browser.cookie = sent.expired ? undefined : sent.value;
  return visit;
}

/** A coatcheck request that reads the messages, described as Django describes them. */
async function coatcheckRead(ctx: RequestContext, options?: MessageOptions): Promise<Seen[]> {
  return (await getMessages(ctx, options)).read().map((m) => ({
    level: m.level,
    message: m.message,
    extra_tags: m.extraTags,
    tags: m.tags,
    safe: m.safe,
  }));
}

const DJANGO_SETTINGS = {
  INSTALLED_APPS: ['django.contrib.sessions', 'django.contrib.messages'],
  MESSAGE_STORAGE: 'django.contrib.messages.storage.session.SessionStorage',
};

const logger = capturingLogger();
const coatcheck = (settings: Pick<Settings, 'engine'>) =>
  createSessions({ secretKey: SECRET_KEY, logger, ...settings });

const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

const ENGINES = {
  'signed cookies': () => ({
    django: new DjangoSide({
      ...DJANGO_SETTINGS,
      SESSION_ENGINE: 'django.contrib.sessions.backends.signed_cookies',
    }),
    sessions: coatcheck({ engine: signedCookies() }),
  }),
  'session files': () => {
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-wire-messages-'));
    directories.push(directory);
    return {
      django: new DjangoSide({
        ...DJANGO_SETTINGS,
        SESSION_ENGINE: 'django.contrib.sessions.backends.file',
        SESSION_FILE_PATH: directory,
      }),
      sessions: coatcheck({ engine: fileStore({ directory }) }),
    };
  },
};

describe('messages (wire, Django 3.2)', { skip: skipWithoutDjango }, () => {
  for (const [engine, shared] of Object.entries(ENGINES)) {
    describe(`on ${engine}`, () => {
      test('messages added in coatcheck are read by Django, and used up', async () => {
        const { django, sessions } = shared();
        const b = new Browser(sessions);
        await b.visit(async (ctx) => {
          const messages = await getMessages(ctx);
          messages.success('<b>Saved</b>, zoë ✓', { safe: true });
          messages.error('Check the form.', { extraTags: 'urgent field' });
          messages.add(35, 'A custom level.');
          messages.debug('Dropped: below the level.');
        });
        const visit = djangoVisit(django, b, [{ do: 'count' }, { do: 'read' }]);
        assert.deepEqual(visit.seen, [
          3,
          [
            {
              level: 25,
              message: '<b>Saved</b>, zoë ✓',
              extra_tags: '',
              tags: 'success',
              safe: true,
            },
            {
              level: 40,
              message: 'Check the form.',
              extra_tags: 'urgent field',
              tags: 'urgent field error',
              safe: false,
            },
            { level: 35, message: 'A custom level.', extra_tags: '', tags: '', safe: false },
          ],
        ]);
        assert.equal(visit.stored, null, 'Django popped _messages');
        assert.deepEqual(djangoVisit(django, b, [{ do: 'read' }]).seen, [[]]);
        assert.deepEqual((await b.visit(coatcheckRead)).value, []);
      });

      test('messages added in Django are read by coatcheck, and used up', async () => {
        const { django, sessions } = shared();
        const b = new Browser(sessions);
        const visit = djangoVisit(django, b, [
          { do: 'add', level: 20, message: 'Hello, zoë ✓ "q" \u2028' },
          { do: 'add', level: 40, message: 'Bad.', extra_tags: 'urgent field' },
          { do: 'add', level: 25, message: '<i>ok</i>', safe: true },
          { do: 'add', level: 10, message: 'dropped by MESSAGE_LEVEL' },
        ]);
        // Django 3.2's own bytes, which coatcheck's '3.2' format writes too.
        assert.equal(
          visit.stored,
          '[["__json_message", 0, 20, "Hello, zo\\u00eb \\u2713 \\"q\\" \\u2028"], ' +
            '["__json_message", 0, 40, "Bad.", "urgent field"], ' +
            '["__json_message", 1, 25, "<i>ok</i>"]]',
        );
        const read = await b.visit(async (ctx) => {
          const messages = await getMessages(ctx);
          return { size: messages.size, seen: await coatcheckRead(ctx) };
        });
        assert.equal(read.value.size, 3);
        assert.deepEqual(read.value.seen, [
          {
            level: 20,
            message: 'Hello, zoë ✓ "q" \u2028',
            extra_tags: null,
            tags: 'info',
            safe: false,
          },
          {
            level: 40,
            message: 'Bad.',
            extra_tags: 'urgent field',
            tags: 'urgent field error',
            safe: false,
          },
          { level: 25, message: '<i>ok</i>', extra_tags: null, tags: 'success', safe: true },
        ]);
        assert.deepEqual((await b.visit(coatcheckRead)).value, []);
        assert.deepEqual(djangoVisit(django, b, [{ do: 'read' }]).seen, [[]]);
      });

      test('coatcheck in the 3.2 format writes the bytes Django 3.2 writes', async () => {
        const { django, sessions } = shared();
        const b = new Browser(sessions);
        djangoVisit(django, b, [{ do: 'add', level: 30, message: 'from Django' }]);
        // A coatcheck request that adds without reading stores Django's message again, then its own.
        await b.visit(async (ctx) =>
          (await getMessages(ctx, { format: '3.2' })).warning('from coatcheck'),
        );
        const stored = (await b.data())._messages;
        assert.equal(
          stored,
          '[["__json_message", 0, 30, "from Django"], ["__json_message", 0, 30, "from coatcheck"]]',
        );
        const visit = djangoVisit(django, b, [{ do: 'read' }]);
        assert.deepEqual(
          (visit.seen[0] as Seen[]).map((m) => m.message),
          ['from Django', 'from coatcheck'],
        );
      });

      test('a message Django adds after reading is kept, and coatcheck shows it next', async () => {
        const { django, sessions } = shared();
        const b = new Browser(sessions);
        await b.visit(async (ctx) => (await getMessages(ctx)).info('first'));
        const visit = djangoVisit(django, b, [
          { do: 'read' },
          { do: 'add', level: 30, message: 'second' },
        ]);
        assert.deepEqual(
          (visit.seen[0] as Seen[]).map((m) => m.message),
          ['first'],
        );
        assert.deepEqual(
          (await b.visit(coatcheckRead)).value.map((m) => m.message),
          ['second'],
        );
      });
    });
  }

  test('coatcheck logged no warning reading what Django wrote', () => {
    assert.deepEqual(
      logger.warnings.filter((line) => line.includes('_messages')),
      [],
    );
  });
});
