/**
 * The database servers the store tests run against (every machine runs them on localhost; see
 * the machine notes in the README): where they are, whether they answer, and per-test-file
 * places in them that no other test file touches.
 *
 * Reachability is checked once per test file, on import. A server that does not answer skips
 * its suites with the reason; under `CI=true` it fails them instead, because CI machines run
 * the servers and a silent skip would hide a broken setup.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** PostgreSQL: trust auth, database `test`. `COATCHECK_TEST_POSTGRES` overrides it. */
export const POSTGRES_URL: string =
  process.env.COATCHECK_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** MariaDB (or MySQL): root without a password, database `test`. `COATCHECK_TEST_MYSQL` overrides it. */
export const MYSQL_URL: string =
  process.env.COATCHECK_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/test';

const IN_CI = process.env.CI === 'true';

async function probe(
  name: string,
  url: string,
  check: () => Promise<unknown>,
): Promise<string | false> {
  try {
    await check();
    return false;
  } catch (error) {
    return `${name} at ${url.replace(/\/\/[^@]*@/, '//')} is unreachable (${(error as Error).message})`;
  }
}

const postgresProblem = await probe('PostgreSQL', POSTGRES_URL, async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
});

const mysqlProblem = await probe('MariaDB', MYSQL_URL, async () => {
  const connection = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3000 });
  try {
    await connection.query('SELECT 1');
  } finally {
    await connection.end();
  }
});

/**
 * The `skip` option for a suite that needs the server: the reason when it is unreachable
 * outside CI, otherwise `false` (under CI the suite then runs and fails, see
 * {@link assertReachable}).
 */
export const skipWithoutPostgres: string | false = IN_CI ? false : postgresProblem;
/** The `skip` option for a suite that needs MariaDB; see {@link skipWithoutPostgres}. */
export const skipWithoutMysql: string | false = IN_CI ? false : mysqlProblem;

/** Throws the reachability problem, for a test that makes an unreachable server under CI fail loudly. */
export function assertReachable(server: 'postgres' | 'mysql'): void {
  const problem = server === 'postgres' ? postgresProblem : mysqlProblem;
  if (problem !== false) throw new Error(`${problem}; CI=true requires it`);
}

/** A name no other test run uses: a prefix, this process's id and random hex. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/**
 * A PostgreSQL schema of this test file's own, and a pool to reach it. `drop()` removes the
 * schema with everything in it and ends the pool.
 */
export async function postgresSchema(prefix = 'coatcheck_test'): Promise<{
  schema: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}> {
  const schema = uniqueName(prefix);
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 });
  pool.on('error', () => {
    // An idle connection dropped by a fault test; the pool replaces it.
  });
  await pool.query(`CREATE SCHEMA "${schema}"`);
  return {
    schema,
    pool,
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

/**
 * A MariaDB pool and a source of table names of this test file's own; `drop()` drops every
 * table it named and ends the pool.
 */
export function mysqlTables(prefix = 'coatcheck_test'): {
  pool: mysql.Pool;
  table(): string;
  drop(): Promise<void>;
} {
  const base = uniqueName(prefix);
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 10 });
  const names: string[] = [];
  return {
    pool,
    table() {
      const name = `${base}_${names.length}`;
      names.push(name);
      return name;
    },
    async drop() {
      for (const name of names) await pool.query(`DROP TABLE IF EXISTS \`${name}\``);
      await pool.end();
    },
  };
}
