/**
 * Django's session table (`django_session`, the `sessions` app's migration 0001) as each
 * database spells it, for `migrate()` and `coatcheck migrate`. The statements are Django's own,
 * as `manage.py sqlmigrate sessions 0001` prints them on Django 3.2 through 5.2, index names
 * included, so a table coatcheck made is the table Django would have made.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import type { SqlDialect, TableName } from './dialect.ts';

/** Django's table name for sessions. */
export const DEFAULT_TABLE = 'django_session';

// Unquoted identifiers every database accepts; anything else could carry SQL, so it is refused.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads a table option: `table` or `schema.table` (PostgreSQL schema, MySQL database). Throws
 * a `TypeError` naming the option when a part is not a plain identifier or is too long.
 */
export function parseTableName(name: unknown, dialect: SqlDialect): TableName {
  const parts = typeof name === 'string' ? name.split('.') : [];
  const valid =
    (parts.length === 1 || (parts.length === 2 && dialect.name !== 'sqlite')) &&
    parts.every((part) => IDENTIFIER.test(part) && part.length <= dialect.maxIdentifierLength);
  if (!valid) {
    throw new TypeError(
      `coatcheck: ${dialect.name}Store table must be a name of letters, digits and underscores` +
        `${dialect.name === 'sqlite' ? '' : ', optionally qualified as schema.table'}` +
        ` (at most ${dialect.maxIdentifierLength} characters each), got ${JSON.stringify(name)}`,
    );
  }
  const [first = '', second] = parts;
  return second === undefined
    ? { schema: undefined, table: first }
    : { schema: first, table: second };
}

/** The table's name as SQL: quoted, and qualified when it has a schema. */
export function qualifiedName(dialect: SqlDialect, name: TableName): string {
  const table = dialect.quote(name.table);
  return name.schema === undefined ? table : `${dialect.quote(name.schema)}.${table}`;
}

/**
 * The name Django gives an index (`BaseDatabaseSchemaEditor._create_index_name`): table,
 * columns and an MD5-derived suffix, shortened the way Django shortens it when it would pass
 * the database's identifier limit. `django_session` + `expire_date` gives
 * `django_session_expire_date_a5c62663`.
 */
export function djangoIndexName(
  table: string,
  columns: readonly string[],
  suffix: string,
  maxLength: number,
): string {
  const hash = createHash('md5');
  for (const part of [table, ...columns]) hash.update(part);
  let hashSuffix = `${hash.digest('hex').slice(0, 8)}${suffix}`;
  const joined = columns.join('_');
  const name = `${table}_${joined}_${hashSuffix}`;
  if (name.length <= maxLength) return name;
  if (hashSuffix.length > maxLength / 3)
    hashSuffix = hashSuffix.slice(0, Math.floor(maxLength / 3));
  const otherLength = Math.floor((maxLength - hashSuffix.length) / 2) - 1;
  const short = `${table.slice(0, otherLength)}_${joined.slice(0, otherLength)}_${hashSuffix}`;
  // Django prepends a D where the name would start with an underscore or a digit (Oracle).
  return /^[_\d]/.test(short) ? `D${short.slice(0, -1)}` : short;
}

/** How each database spells the three columns, as Django's schema editor does. */
const COLUMN_TYPES: Record<SqlDialect['name'], { data: string; date: string }> = {
  sqlite: { data: 'text', date: 'datetime' },
  postgres: { data: 'text', date: 'timestamp with time zone' },
  mysql: { data: 'longtext', date: 'datetime(6)' },
};

/** Options of {@link sessionTableDdl}. */
export interface DdlOptions {
  /** Add `IF NOT EXISTS`, so two processes migrating at once both succeed. @default false */
  ifNotExists?: boolean;
}

/**
 * The statements that create Django's session table and its indexes, in Django's order: on
 * PostgreSQL also the `varchar_pattern_ops` index Django adds to every indexed varchar (the
 * primary key here). Without `ifNotExists`, byte for byte what `sqlmigrate` prints.
 */
export function sessionTableDdl(
  dialect: SqlDialect,
  name: TableName,
  options: DdlOptions = {},
): string[] {
  const q = (identifier: string) => dialect.quote(identifier);
  const table = qualifiedName(dialect, name);
  const types = COLUMN_TYPES[dialect.name];
  const ifNotExists = options.ifNotExists ? 'IF NOT EXISTS ' : '';
  const index = (column: string, suffix: string) =>
    q(djangoIndexName(name.table, [column], suffix, dialect.maxIdentifierLength));
  const statements = [
    `CREATE TABLE ${ifNotExists}${table} (${q('session_key')} varchar(40) NOT NULL PRIMARY KEY, ` +
      `${q('session_data')} ${types.data} NOT NULL, ${q('expire_date')} ${types.date} NOT NULL)`,
  ];
  if (dialect.name === 'postgres') {
    statements.push(
      `CREATE INDEX ${ifNotExists}${index('session_key', '_like')} ON ${table} ` +
        `(${q('session_key')} varchar_pattern_ops)`,
    );
  }
  // MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB does): the index goes inside the CREATE
  // TABLE there, which makes the same table in one atomic statement.
  if (dialect.name === 'mysql' && options.ifNotExists) {
    const [create = ''] = statements;
    statements[0] = `${create.slice(0, -1)}, INDEX ${index('expire_date', '')} (${q('expire_date')}))`;
  } else {
    statements.push(
      `CREATE INDEX ${ifNotExists}${index('expire_date', '')} ON ${table} (${q('expire_date')})`,
    );
  }
  return statements;
}
