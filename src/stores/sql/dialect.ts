/**
 * What differs between the SQL databases coatcheck keeps sessions in, and nothing else: how
 * SQL is spelled ({@link SqlDialect}) and how a statement reaches the database
 * ({@link SqlClient}). `sql-store.ts` writes every statement once, through these two; each
 * database file (`sqlite.ts`, `postgres.ts`, `mysql.ts`) supplies one of each.
 *
 * @module
 */

import type { SessionLogger } from '../../session/logger.ts';

/** A value bound to a statement parameter. */
export type SqlValue = string | number | null;

/** A row as the driver returns it: column name to value. */
export type SqlRow = Record<string, unknown>;

/** What a failed statement means to the store; everything else is `'unavailable'`. */
export type SqlErrorKind = 'duplicate-key' | 'missing-table' | 'unavailable';

/** The names coatcheck and Django give Django's session table and its columns. */
export interface TableName {
  /** The schema (PostgreSQL) or database (MySQL) part of a qualified name, if any. */
  readonly schema: string | undefined;
  /** The table itself. @default 'django_session' */
  readonly table: string;
}

/** How one database spells what the session store says. Pure: no I/O. */
export interface SqlDialect {
  /** `sqlite`, `postgres` or `mysql`: the store's name in messages and the CLI. */
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /** The longest identifier the database accepts (Django shortens index names to fit). */
  readonly maxIdentifierLength: number;
  /** An identifier, quoted. Only names validated by `parseTableName` reach it. */
  quote(identifier: string): string;
  /** The placeholder of the `index`-th parameter (1-based): `?` or `$1`. */
  placeholder(index: number): string;
  /** A date as the statement parameter compared with and stored in `expire_date`. */
  dateValue(date: Date): SqlValue;
  /** The SELECT expression that reads `expire_date` in the form {@link readDate} takes. */
  selectDate(column: string): string;
  /** Reads what {@link selectDate} selected. */
  readDate(value: unknown): Date;
  /** The tail of an INSERT that turns it into "insert or replace the row with this key". */
  upsertTail(keyColumn: string, columns: readonly string[]): string;
  /**
   * One batch of the expired-row sweep: deletes at most `limit` rows with `expire_date` before
   * parameter 1. Rows another transaction is writing are skipped where the database can.
   */
  deleteExpiredBatch(table: string, limit: number): string;
  /** What a driver error means. */
  classify(error: unknown): SqlErrorKind;
}

/** The slice of a driver the store calls: run a statement, end. */
export interface SqlClient {
  /** Receives the logger when the store opens, for failures no caller awaits (idle connections). */
  useLogger?(logger: SessionLogger): void;
  /** Runs a statement that returns rows. */
  query(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs a statement that changes rows; resolves to how many it matched. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** Runs statements without parameters as one atomic unit (DDL). */
  script(statements: readonly string[]): Promise<void>;
  /** Whether the table exists. */
  tableExists(name: TableName): Promise<boolean>;
  /** Releases what the store opened; a pool the application passed in stays open. */
  close(): Promise<void>;
}

/** The error code of a driver error (`code` on pg, mysql2 and node:sqlite errors). */
export function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null | undefined)?.code;
}

const PAD = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * A date as Django writes `expire_date` on SQLite and MySQL with `USE_TZ = True`: UTC,
 * `YYYY-MM-DD HH:MM:SS`, and `.ffffff` only when the microseconds are not zero (Python's
 * `str(datetime)`). On SQLite the column is text compared as text, so this exact form matters.
 */
export function djangoDateText(date: Date): string {
  const base =
    `${PAD(date.getUTCFullYear(), 4)}-${PAD(date.getUTCMonth() + 1)}-${PAD(date.getUTCDate())} ` +
    `${PAD(date.getUTCHours())}:${PAD(date.getUTCMinutes())}:${PAD(date.getUTCSeconds())}`;
  const millis = date.getUTCMilliseconds();
  return millis === 0 ? base : `${base}.${PAD(millis, 3)}000`;
}

const DATE_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads a date written as text by Django or coatcheck (see {@link djangoDateText}). A date
 * without an offset is UTC, as Django writes it with `USE_TZ = True`; one Django wrote with
 * `USE_TZ = False` is local time and reads shifted by the server's offset. Unreadable text
 * reads as the epoch, so the row counts as expired rather than breaking the request.
 */
export function readDateText(text: string): Date {
  const match = DATE_TEXT.exec(text.trim());
  if (match === null) return new Date(0);
  const [, year, month, day, hours, minutes, seconds, fraction = '', offset] = match;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  let time = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hours),
    Number(minutes),
    Number(seconds),
    millis,
  );
  if (offset !== undefined && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(time);
}

/** Describes what a caller passed where a connection was expected, for an error message. */
export function describeConnectionArgument(given: unknown): string {
  if (given === null || typeof given !== 'object') return String(given);
  return `{ ${Object.keys(given).join(', ')} }`;
}
