/**
 * Checks loaded session data against the application's Standard Schema (`settings.schema`).
 *
 * Data that fails becomes no session at all, as an unknown key does: the request starts a
 * fresh one, and one warning names where the data failed, never what it held (a session keeps
 * tokens and personal data, and the libraries' messages may quote the value). The lifecycle
 * calls the check once per loaded session, and only when a schema is set.
 *
 * @module
 */

import type { SessionData } from './data.ts';
import type { LoadedSession } from './engine.ts';
import type { SessionLogger } from './logger.ts';
import type {
  StandardSchemaIssue,
  StandardSchemaResult,
  StandardSchemaV1,
} from './standard-schema.ts';

/** Checks a loaded session: the session to use, or `null` to start a fresh one. */
export type LoadCheck = (loaded: LoadedSession) => Promise<LoadedSession | null>;

// Enough to find the field that changed; a schema that refuses everything says so in the count.
const MAX_PATHS = 10;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function segmentKey(segment: PropertyKey | { readonly key: PropertyKey }): PropertyKey {
  return typeof segment === 'object' ? segment.key : segment;
}

/**
 * An issue's path as code would write it (`cart[0].name`). Keys that are not identifiers are
 * quoted as JSON, so a key holding a newline or a quote cannot forge a log line.
 */
export function describePath(path: StandardSchemaIssue['path']): string {
  if (path === undefined || path.length === 0) return '(the whole session)';
  let text = '';
  for (const segment of path) {
    const key = segmentKey(segment);
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'symbol') text += `[${JSON.stringify(String(key))}]`;
    else if (IDENTIFIER.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

function describeIssues(issues: readonly StandardSchemaIssue[]): string {
  const paths = [...new Set(issues.map((issue) => describePath(issue.path)))];
  const shown = paths.slice(0, MAX_PATHS).join(', ');
  return paths.length > MAX_PATHS ? `${shown} and ${paths.length - MAX_PATHS} more` : shown;
}

/**
 * The loaded data with the schema's output laid over it. Keys the output leaves out keep their
 * loaded value: a schema that drops unknown keys (Zod's and Valibot's objects do) would
 * otherwise drop Django's and coatcheck's own (`_session_expiry`, `_auth_user_id`,
 * `_messages`). A key the output sets to `undefined` goes, as a save would drop it.
 */
function overlay(loaded: SessionData, output: object): SessionData {
  if (output === loaded) return loaded;
  // Built in a Map: assigning to a plain object would turn a key named `__proto__` into its
  // prototype.
  const data = new Map(Object.entries(loaded));
  for (const [key, value] of Object.entries(output)) {
    if (value === undefined) data.delete(key);
    else data.set(key, value);
  }
  return Object.fromEntries(data);
}

/** Makes the check of loaded sessions against `schema`, reporting to `logger`. */
export function schemaCheck(schema: StandardSchemaV1, logger: SessionLogger): LoadCheck {
  const standard = schema['~standard'];
  const fresh = 'starting a fresh session; the stored one is left to expire';
  return async (loaded) => {
    // An engine that could not read the value (a tampered signed cookie) has said so already
    // and hands over empty data: there is nothing of the application's to check.
    if (loaded.modified === true) return loaded;
    try {
      const result: StandardSchemaResult<unknown> = await standard.validate(loaded.data);
      if (result.issues) {
        logger.warn(
          `Session data does not match settings.schema (${standard.vendor}) at ${describeIssues(result.issues)}; ${fresh}`,
        );
        return null;
      }
      const output: unknown = result.value;
      if (typeof output !== 'object' || output === null || Array.isArray(output)) {
        const what = Array.isArray(output) ? 'an array' : output === null ? 'null' : typeof output;
        logger.error(
          `settings.schema (${standard.vendor}) gave ${what} for a session, not an object of its data; ${fresh}`,
        );
        return null;
      }
      return { ...loaded, data: overlay(loaded.data, output) };
    } catch (error) {
      // A schema that throws (or answers with no result at all) is a bug in the application,
      // whose stack its developer needs; the request still gets a session, not a 500.
      logger.error(
        `settings.schema (${standard.vendor}) failed while checking a session; ${fresh}`,
        error,
      );
      return null;
    }
  };
}
