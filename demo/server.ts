/**
 * The demo site: every example of Django's sessions-and-cookies tutorials, live on coatcheck.
 * `npm start` runs this file; `node demo/server.ts --engine file` picks another engine.
 *
 * Tests start it in-process with {@link startDemo} on port 0.
 *
 * @module
 */

import { type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import express, { type NextFunction, type Request, type Response } from 'express';
import nunjucks from 'nunjucks';
import { generateSessionKey, type SessionLogger, type Sessions } from '../src/index.ts';
import { CsrfFailure } from './csrf.ts';
import { availableEngines, defaultEngine, ENGINES, type OpenedEngine } from './engines.ts';
import { ResponseLog } from './inspector.ts';
import { functionSources, type Page, type Snippet, templateExample } from './pages.ts';
import type { DemoLocals } from './render.ts';
import { PAGES } from './routes/index.ts';
import { loadSecretKey } from './secret.ts';
import { installSessions, openSessions } from './sessions.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const VIEWS = join(here, 'views');

/**
 * Where the demo keeps its secret key and the file and SQLite engines' data: demo/.data
 * (git-ignored), or `COATCHECK_DEMO_DATA`.
 */
export const DEFAULT_DATA_DIR: string = process.env.COATCHECK_DEMO_DATA || join(here, '.data');

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** @default 8000 (0 picks a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** An engine name from `ENGINES`. @default SQLite where this checkout has it, else memory */
  engine?: string;
  /** @default demo/.data */
  dataDir?: string;
  /** Receives the startup lines. @default console.log */
  log?: (line: string) => void;
  /** Warnings from coatcheck (a tampered cookie, say). @default console */
  logger?: SessionLogger;
}

/** A running demo. */
export interface RunningDemo {
  url: string;
  engine: string;
  sessions: Sessions;
  /** Stops accepting requests, ends open connections and closes the engine. */
  close(): Promise<void>;
}

/** Why the demo could not start, in one line meant for the console. */
export class DemoStartError extends Error {
  override name = 'DemoStartError';
}

// Errors that mean nothing answers at the address (Node's and the drivers' codes).
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
]);

function rootCause(error: unknown): { code?: unknown; message?: unknown } {
  let current = error as { cause?: unknown; code?: unknown; message?: unknown };
  // AggregateError (pg tries IPv4 and IPv6) keeps the per-address errors in `errors`.
  while (current?.cause !== undefined || Array.isArray((current as AggregateError)?.errors)) {
    const next = current.cause ?? (current as AggregateError).errors[0];
    if (next === undefined || next === null) break;
    current = next as typeof current;
  }
  return current ?? {};
}

/**
 * A server engine is tried once before the site opens, so a database that is down is one
 * clear line at startup rather than a 503 on the first page.
 */
export async function checkReachable(sessions: Sessions, opened: OpenedEngine): Promise<void> {
  if (opened.server === undefined) return;
  const { name, address, howToStart } = opened.server;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject({ code: 'ETIMEDOUT', message: 'no answer in 5 s' }), 5000);
  });
  try {
    await Promise.race([sessions.engine.load(generateSessionKey()), timeout]);
  } catch (error) {
    const cause = rootCause(error);
    if (typeof cause.code === 'string' && UNREACHABLE.has(cause.code)) {
      throw new DemoStartError(
        `coatcheck demo: cannot reach ${name} at ${address} (${cause.code}); ${howToStart}`,
      );
    }
    throw new DemoStartError(
      `coatcheck demo: ${name} at ${address} answered, but failed: ${String(cause.message ?? error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

function readSources(pages: readonly Page[]): Map<string, Snippet[]> {
  return new Map(
    pages.map((page) => [
      page.path,
      [
        ...functionSources(page.module, page.views),
        ...(page.also === undefined ? [] : functionSources(page.also.module, page.also.views)),
        ...page.templates.map((template) => templateExample(join(VIEWS, template))),
      ],
    ]),
  );
}

/**
 * The Express application: coatcheck's middleware, the CSRF check, one router per page,
 * and pages for the errors a visitor can meet.
 */
export function createDemoApp(
  sessions: Sessions,
  engine: { name: string; opened: OpenedEngine },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS), {
    autoescape: true,
  });
  env.express(app);
  app.set('view engine', 'njk');

  const demo: DemoLocals = {
    engine,
    log: new ResponseLog(),
    pages: PAGES,
    sources: readSources(PAGES),
    settings: sessions.settings,
  };
  app.locals.demo = demo;
  installSessions(app, sessions, demo.log);

  for (const page of PAGES) {
    const router = express.Router();
    // Each router names its page before its routes run; the last router to see a request
    // is the one whose route answers it.
    router.use((_req, res, next) => {
      res.locals.page = page;
      next();
    });
    page.mount(router);
    app.use(router);
  }

  app.use((req: Request, res: Response) => {
    res.locals.page = undefined; // no page of the navigation is this one
    res.status(404).render('error.njk', {
      status: 404,
      title: 'Page not found',
      reason: `There is no page at ${req.path}.`,
      pages: PAGES,
      engine: engine.name,
      request: { COOKIES: req.coatcheck.cookies },
    });
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    const code = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
    if (code >= 500) sessions.settings.logger.error(`${req.method} ${req.path} failed`, error);
    const csrf = error instanceof CsrfFailure;
    res.locals.page = undefined;
    res.status(code).render('error.njk', {
      status: code,
      title: csrf ? 'CSRF verification failed. Request aborted.' : STATUS_CODES[code],
      reason: csrf || code < 500 ? (error as Error).message : 'The server failed; see its log.',
      csrf,
      pages: PAGES,
      engine: engine.name,
      request: { COOKIES: req.coatcheck?.cookies ?? {} },
    });
  });
  return app;
}

/**
 * Starts the demo: opens the engine (checking a database server answers), reads or makes
 * the secret key, and listens. Rejects with a {@link DemoStartError} that says what to do
 * when the engine is unknown, missing from this checkout, or its server is down.
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? console.log;
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const name = options.engine ?? defaultEngine();
  const choice = ENGINES[name];
  if (choice === undefined || !choice.available()) {
    const known = choice === undefined ? 'not an engine' : 'not in this checkout yet';
    throw new DemoStartError(
      `coatcheck demo: ${JSON.stringify(name)} is ${known}; choose one of ${availableEngines().join(', ')}`,
    );
  }
  const secret = loadSecretKey(dataDir);
  let opened: OpenedEngine;
  try {
    opened = await choice.open(dataDir);
  } catch (error) {
    throw new DemoStartError(
      `coatcheck demo: the ${name} engine could not open: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const sessions = openSessions(secret.key, opened.engine, options.logger);
  try {
    await checkReachable(sessions, opened);
  } catch (error) {
    await sessions.close().catch(() => {});
    throw error;
  }

  const app = createDemoApp(sessions, { name, opened });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port ?? 8000, options.host ?? '127.0.0.1', (error) => {
      if (error) reject(error);
      else resolve(listening);
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  log(`coatcheck demo on ${url}`);
  log(`  engine: ${name}, sessions kept ${opened.where}`);
  log(`  secret key: ${secret.origin}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    engine: name,
    sessions,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => sessions.close());
      return closing;
    },
  };
}

const USAGE = `Usage: node demo/server.ts [--engine NAME] [--port N] [--host ADDRESS]

  --engine   where sessions live (or COATCHECK_ENGINE): ${Object.keys(ENGINES).join(', ')}
  --port     the port to listen on (or PORT), 8000 by default
  --host     the address to listen on (or HOST), 127.0.0.1 by default

The secret key comes from SECRET_KEY, or is made once and kept in the data folder
(COATCHECK_DEMO_DATA, demo/.data by default) with the file and SQLite engines' sessions.

Engines in this checkout:
${availableEngines()
  .map((engine) => `  ${engine.padEnd(14)}${ENGINES[engine]?.summary ?? ''}`)
  .join('\n')}`;

const OPTIONS = {
  engine: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseCommandLine(): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>> {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const args = parseCommandLine();
  if (args.values.help) {
    console.log(USAGE);
    return;
  }
  const portText = args.values.port ?? process.env.PORT ?? '8000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`coatcheck demo: the port must be a number from 0 to 65535, got ${portText}`);
    process.exit(2);
  }
  let demo: RunningDemo;
  try {
    demo = await startDemo({
      port,
      host: args.values.host ?? process.env.HOST ?? '127.0.0.1',
      engine: args.values.engine ?? process.env.COATCHECK_ENGINE ?? defaultEngine(),
    });
  } catch (error) {
    if (error instanceof DemoStartError) {
      console.error(error.message);
    } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`coatcheck demo: port ${port} is taken; run with PORT=8001 or --port 8001`);
    } else {
      console.error('coatcheck demo: could not start:', error);
    }
    process.exit(1);
  }
  console.log('  Ctrl-C to stop');
  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping the demo`);
    // A second Ctrl-C while closing stops at once.
    process.once(signal, () => process.exit(130));
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('coatcheck demo: closing failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.main) await main();
