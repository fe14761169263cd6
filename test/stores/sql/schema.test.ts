/**
 * Django's session table per database (`src/stores/sql/schema.ts`) and the `expire_date` text
 * form (`dialect.ts`), against what Django 3.2 prints and computes: `manage.py sqlmigrate
 * sessions 0001` on SQLite (also the recorded vector), PostgreSQL and MySQL, and the index
 * names its schema editor gives other tables.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { djangoDateText, readDateText } from '../../../src/stores/sql/dialect.ts';
import { mysqlDialect } from '../../../src/stores/sql/mysql.ts';
import { postgresDialect } from '../../../src/stores/sql/postgres.ts';
import {
  djangoIndexName,
  parseTableName,
  sessionTableDdl,
} from '../../../src/stores/sql/schema.ts';
import { sqliteDialect } from '../../../src/stores/sql/sqlite.ts';
import { vectors } from '../../helpers/vectors.ts';

const DJANGO = { schema: undefined, table: 'django_session' };

describe('sessionTableDdl', () => {
  test('on SQLite is Django’s, byte for byte (vector db_backend.sqlite_ddl)', () => {
    assert.deepEqual(sessionTableDdl(sqliteDialect, DJANGO), vectors.db_backend.sqlite_ddl);
  });

  test('on PostgreSQL is what Django 3.2’s sqlmigrate prints, the _like index included', () => {
    assert.deepEqual(sessionTableDdl(postgresDialect, DJANGO), [
      'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)',
      'CREATE INDEX "django_session_session_key_c0390e0f_like" ON "django_session" ("session_key" varchar_pattern_ops)',
      'CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")',
    ]);
  });

  test('on MySQL is what Django 3.2’s sqlmigrate prints', () => {
    assert.deepEqual(sessionTableDdl(mysqlDialect, DJANGO), [
      'CREATE TABLE `django_session` (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL)',
      'CREATE INDEX `django_session_expire_date_a5c62663` ON `django_session` (`expire_date`)',
    ]);
  });

  test('with ifNotExists, MySQL makes the same table in one statement', () => {
    assert.deepEqual(sessionTableDdl(mysqlDialect, DJANGO, { ifNotExists: true }), [
      'CREATE TABLE IF NOT EXISTS `django_session` (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL, INDEX `django_session_expire_date_a5c62663` (`expire_date`))',
    ]);
  });

  test('qualifies the table, not the index names, with a schema', () => {
    const [table, like, index] = sessionTableDdl(postgresDialect, {
      schema: 'app',
      table: 'django_session',
    });
    assert.match(table ?? '', /^CREATE TABLE "app"\."django_session" /);
    assert.match(
      like ?? '',
      /^CREATE INDEX "django_session_session_key_c0390e0f_like" ON "app"\."django_session"/,
    );
    assert.match(
      index ?? '',
      /^CREATE INDEX "django_session_expire_date_a5c62663" ON "app"\."django_session"/,
    );
  });
});

describe('djangoIndexName', () => {
  // Computed by Django 3.2's BaseDatabaseSchemaEditor._create_index_name on PostgreSQL.
  for (const [table, column, suffix, max, expected] of [
    ['django_session', 'expire_date', '', 63, 'django_session_expire_date_a5c62663'],
    ['django_session', 'session_key', '_like', 63, 'django_session_session_key_c0390e0f_like'],
    ['my_sessions', 'expire_date', '', 63, 'my_sessions_expire_date_8a6b8a8d'],
    ['my_sessions', 'session_key', '_like', 63, 'my_sessions_session_key_769390aa_like'],
    [
      'a_rather_long_session_table_name_for_testing_x',
      'expire_date',
      '',
      63,
      'a_rather_long_session_tabl_expire_date_8d00ce96',
    ],
    [
      'a_rather_long_session_table_name_for_testing_x',
      'session_key',
      '_like',
      63,
      'a_rather_long_session_ta_session_key_3013b3b5_like',
    ],
  ] as const) {
    test(`${table}.${column}${suffix} is ${expected}, as Django names it`, () => {
      assert.equal(djangoIndexName(table, [column], suffix, max), expected);
    });
  }
});

describe('parseTableName', () => {
  test('reads a table and a schema-qualified table', () => {
    assert.deepEqual(parseTableName('django_session', postgresDialect), DJANGO);
    assert.deepEqual(parseTableName('app.sessions', postgresDialect), {
      schema: 'app',
      table: 'sessions',
    });
  });

  for (const name of [
    '',
    'a b',
    'a-b',
    '1abc',
    'a.b.c',
    '"x"',
    'x;drop',
    'é',
    'x'.repeat(64),
    42,
  ]) {
    test(`refuses ${JSON.stringify(name)} with a TypeError naming the option`, () => {
      assert.throws(
        () => parseTableName(name, postgresDialect),
        (error: unknown) => error instanceof TypeError && /postgresStore table/.test(error.message),
      );
    });
  }

  test('refuses a qualified name on SQLite, which has no schemas to speak of here', () => {
    assert.throws(() => parseTableName('main.sessions', sqliteDialect), TypeError);
  });
});

describe('expire_date text (django-spec §5.1)', () => {
  test('is Python’s str() of a naive UTC datetime: microseconds only when not zero', () => {
    assert.equal(djangoDateText(new Date('2023-11-28T22:13:20Z')), '2023-11-28 22:13:20');
    assert.equal(
      djangoDateText(new Date('2023-11-28T22:13:20.250Z')),
      '2023-11-28 22:13:20.250000',
    );
    assert.equal(
      djangoDateText(new Date('0999-01-02T03:04:05.001Z')),
      '0999-01-02 03:04:05.001000',
    );
  });

  test('reads back what Django and coatcheck write, as UTC', () => {
    for (const [text, iso] of [
      ['2023-11-28 22:13:20', '2023-11-28T22:13:20.000Z'],
      ['2023-11-28 22:13:20.250000', '2023-11-28T22:13:20.250Z'],
      ['2023-11-28 22:13:20.123456', '2023-11-28T22:13:20.123Z'],
      ['2023-11-28T22:13:20+01:00', '2023-11-28T21:13:20.000Z'],
      ['2023-11-28 22:13:20.5-0230', '2023-11-29T00:43:20.500Z'],
    ] as const) {
      assert.equal(readDateText(text).toISOString(), iso, text);
    }
  });

  test('reads unreadable text as the epoch, an expired row rather than a crash', () => {
    assert.equal(readDateText('not a date').getTime(), 0);
  });
});
