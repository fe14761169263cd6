/**
 * The `coatcheck` command: maintenance of session stores (`migrate`, `clearsessions`,
 * `inspect`, `stats`), as Django's `manage.py` commands for sessions.
 *
 * Exit codes: 0 done; 1 the command ran and failed (an unreachable database, a missing table,
 * no such session, a wrong secret); 2 the command line itself is wrong.
 *
 * Nothing it prints holds a password or the secret key (they are replaced by `***`, whatever
 * the message, a driver's included), nor a control character (escaped, so data cannot drive
 * the terminal). `bin.ts` is the executable.
 *
 * @module
 */

import { parseArgs } from 'node:util';
import { CoatcheckError } from '../errors.ts';
import { clearsessions, clearsessionsHelp } from './commands/clearsessions.ts';
import { inspect, inspectHelp } from './commands/inspect.ts';
import { migrate, migrateHelp } from './commands/migrate.ts';
import { stats, statsHelp } from './commands/stats.ts';
import { guardedOutput, type Output, processOutput } from './output.ts';
import { passwordsOf, resolveTarget, type Target, UsageError } from './target.ts';

const USAGE = `Usage: coatcheck <command> [options]

Commands:
  migrate         create Django's session table where it is missing
  clearsessions   delete expired sessions (Django's clearsessions)
  inspect KEY     show one session, decoded
  stats           count sessions, expired ones, and their sizes

Where the sessions are:
  --database URL  sqlite:path/to/db.sqlite3, postgres://user@host/db, mysql://user@host/db
  --config FILE   a module exporting the settings given to createSessions
                  (default: coatcheck.config.ts, .mjs or .js in this directory)
  --table NAME    the session table (default django_session)

Run "coatcheck <command> --help" for a command's options.`;

const SHORT_USAGE =
  'Usage: coatcheck <command> [options]; run "coatcheck --help" for the commands and options.';

/** What the output must never show: the database password and the secret key. */
function secretsIn(args: readonly string[]): string[] {
  const secrets: string[] = [];
  const env = process.env.SECRET_KEY;
  if (env !== undefined && env !== '') secrets.push(env);
  // Read from the raw arguments, so a command line that fails to parse is covered too.
  for (const [i, arg] of args.entries()) {
    const next = args[i + 1];
    const [name, value] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, next];
    if (value === undefined) continue;
    if (name === '--secret') secrets.push(value);
    if (name === '--database') {
      secrets.push(...passwordsOf(value));
    }
  }
  return secrets;
}

const HELP: Record<string, string> = {
  migrate: migrateHelp,
  clearsessions: clearsessionsHelp,
  inspect: inspectHelp,
  stats: statsHelp,
};

const OPTIONS = {
  database: { type: 'string' },
  config: { type: 'string' },
  table: { type: 'string' },
  secret: { type: 'string' },
  'batch-size': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInteger(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`${option} must be a positive integer, got ${text}`);
  return value;
}

/** Runs the CLI with `args` (without the node and script paths); resolves to the exit code. */
export async function main(
  args: readonly string[],
  rawOutput: Output = processOutput(),
): Promise<number> {
  const output = guardedOutput(rawOutput, secretsIn(args));
  let target: Target | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: OPTIONS,
      allowPositionals: true,
    });
    const [command, ...rest] = positionals;
    if (command === undefined) {
      (values.help ? output.out : output.err)(USAGE);
      return values.help ? 0 : 2;
    }
    const help = HELP[command];
    if (help === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    if (values.help) {
      output.out(help);
      return 0;
    }
    const key = rest[0];
    if (command === 'inspect' ? rest.length !== 1 : rest.length !== 0) {
      throw new UsageError(
        command === 'inspect' ? 'inspect takes one session key' : `${command} takes no arguments`,
      );
    }
    const batchSize = positiveInteger(values['batch-size'], '--batch-size');
    target = await resolveTarget({ ...values, readOnly: command !== 'migrate' });
    // migrate is what makes a missing table; everything else needs one.
    if (command !== 'migrate') await target.open();
    switch (command) {
      case 'migrate':
        return await migrate(target, output);
      case 'clearsessions':
        return await clearsessions(target, output, { batchSize });
      case 'inspect':
        return await inspect(target, output, key ?? '');
      default:
        return await stats(target, output, { json: values.json ?? false });
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      const message = (error as Error).message.replace(/^coatcheck: /, '');
      output.err(`coatcheck: ${message}\n${SHORT_USAGE}`);
      return 2;
    }
    if (error instanceof CoatcheckError) {
      const detail = error.cause instanceof Error ? error.cause.message : '';
      const cause = detail !== '' && !error.message.includes(detail) ? ` (${detail})` : '';
      output.err(
        `${error.message.startsWith('coatcheck') ? '' : 'coatcheck: '}${error.message}${cause}`,
      );
      return 1;
    }
    // A bug, or a driver's own error: its stack helps a bug report, through the same guard.
    output.err(`coatcheck: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  } finally {
    await target?.close().catch(() => undefined);
  }
}
