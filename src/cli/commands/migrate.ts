/**
 * `coatcheck migrate`: creates Django's session table where it is missing.
 *
 * @module
 */

import type { Output } from '../output.ts';
import { sqlStoreOf, type Target } from '../target.ts';

export const migrateHelp = `Usage: coatcheck migrate [--database URL | --config FILE] [--table NAME]

Creates the session table (Django's django_session, its columns and indexes) when it is
missing. A table that exists, one Django's own migration made say, is left as it is.`;

export async function migrate(target: Target, output: Output): Promise<number> {
  const store = sqlStoreOf(target);
  if (store === undefined) {
    output.err(
      `coatcheck migrate: ${target.description} does not use a database store; nothing to migrate`,
    );
    return 1;
  }
  const result = await store.migrate();
  output.out(
    result.created
      ? `Created table ${result.table} in ${target.description}.`
      : `Table ${result.table} already exists in ${target.description}; left as it is.`,
  );
  return 0;
}
