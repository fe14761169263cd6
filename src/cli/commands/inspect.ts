/**
 * `coatcheck inspect KEY`: one session as stored, decoded, with its expiry.
 *
 * @module
 */

import { BadSignature } from '../../errors.ts';
import { bigIntAsNumber, DJANGO_SESSION_SALT } from '../../session/encoding.ts';
import { loads } from '../../signing/dumps.ts';
import type { Output } from '../output.ts';
import { sqlStoreOf, type Target } from '../target.ts';

export const inspectHelp = `Usage: coatcheck inspect KEY [--database URL | --config FILE] [--secret SECRET]

Shows the session stored under KEY: its expiry and its data, decoded with the secret key
(from the config file, --secret, or the SECRET_KEY environment variable). Exits 1 when there
is no such session.`;

export async function inspect(target: Target, output: Output, key: string): Promise<number> {
  const store = sqlStoreOf(target);
  if (store === undefined) {
    output.err(`coatcheck inspect: ${target.description} does not use a database store`);
    return 1;
  }
  const row = await store.inspect(key);
  if (row === null) {
    output.err(`No session with key ${key} in ${target.description}.`);
    return 1;
  }
  const left = Math.round((row.expiresAt.getTime() - Date.now()) / 1000);
  output.out(`key      ${row.key}`);
  output.out(
    `expires  ${row.expiresAt.toISOString()} (${row.expired ? 'expired' : `in ${left} s`})`,
  );
  output.out(`stored   ${row.sessionData.length} characters`);
  if (target.secret === undefined) {
    output.out('data     (pass --secret or set SECRET_KEY to decode it)');
    output.out(`raw      ${row.sessionData}`);
    return 0;
  }
  let data: unknown;
  try {
    data = loads(row.sessionData, { ...target.secret, salt: DJANGO_SESSION_SALT });
  } catch (error) {
    if (!(error instanceof BadSignature)) throw error;
    output.err(
      'The data does not verify with this secret key: is it the SECRET_KEY that wrote it?',
    );
    output.out(`raw      ${row.sessionData}`);
    return 1;
  }
  output.out(`data     ${JSON.stringify(data, bigIntAsNumber, 2).replaceAll('\n', '\n         ')}`);
  return 0;
}
