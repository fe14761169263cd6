/**
 * `coatcheck/next`: sessions for the Next.js App Router, through `cookies()` from
 * `next/headers`.
 *
 * Next lets a response's cookies change only in a server action or a route handler, so writes
 * go through {@link withSession} there: it runs a function with the session and saves it when
 * the function returns (or calls `redirect()`), before Next answers. Server components read
 * with {@link getSession} and {@link requestContext}, once per render; so does `proxy.ts`
 * (`middleware.ts` before Next 16), given its request. Needs `next` and `react` installed
 * beside coatcheck.
 *
 * @module
 */

import { AsyncLocalStorage } from 'node:async_hooks';
// With its extension: Next has no `exports` map, and Node's ESM resolution adds none.
import { cookies } from 'next/headers.js';
import { cache } from 'react';
import { quoteCookieValue } from '../cookies/quote.ts';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { SessionData, StorableData } from '../session/data.ts';
import type { Session } from '../session/session.ts';
import { navigationStatus } from './next-navigation.ts';
import { varyWithCookie } from './response-headers.ts';
import { setCookieFields } from './set-cookie-fields.ts';

/** Where request cookies come from: `await cookies()`, or a proxy's `request.cookies`. */
export interface CookieSource {
  getAll(): { name: string; value: string }[];
}

/**
 * The `Cookie` header as Next reads it. Next percent-encodes every value it sets (a signed
 * cookie's `:` leaves as `%3A`) and decodes what comes back, so the lifecycle must see the
 * decoded values, and after a server action the render that follows sees the cookies the action
 * set only through `cookies()`. A decoded `;` would split the header: it is quoted (`\073`),
 * which the lifecycle's parser reads back as it was.
 */
function cookieHeader(source: CookieSource): string {
  return source
    .getAll()
    .map(({ name, value }) => `${name}=${value.includes(';') ? quoteCookieValue(value) : value}`)
    .join('; ');
}

type Scope = { sessions: unknown; context: RequestContext<never> };

// The request a withSession call is running, so helpers that call getSession inside it share
// its session (and its unsaved changes) instead of loading another.
const active = new AsyncLocalStorage<Scope>();

function scoped<Data extends StorableData<Data>>(
  sessions: Sessions<Data>,
): RequestContext<Data> | undefined {
  const scope = active.getStore();
  return scope?.sessions === sessions ? (scope.context as RequestContext<Data>) : undefined;
}

// React's cache is per server render: every component of a page shares one context, one load.
const renderContext = cache(
  async (sessions: Sessions<never>): Promise<RequestContext<never>> =>
    sessions.begin(cookieHeader(await cookies())),
);

/**
 * This request's context (its cookies, Django's `getSignedCookie`, the session), to read. In a
 * server component it is one per render; inside {@link withSession}, that call's. Pass the
 * request in `proxy.ts`, where `cookies()` is not available.
 */
export async function requestContext<Data extends StorableData<Data> = SessionData>(
  sessions: Sessions<Data>,
  request?: { cookies: CookieSource },
): Promise<RequestContext<Data>> {
  if (request !== undefined) return sessions.begin(cookieHeader(request.cookies));
  return scoped(sessions) ?? ((await renderContext(sessions as never)) as RequestContext<Data>);
}

/**
 * This request's session. Outside {@link withSession} it is for reading: Next gives a server
 * component or a proxy no way to set the cookie, so changes made through it are not saved.
 *
 * @example
 * export default async function Page() {
 *   const session = await getSession(sessions);
 *   return <p>{session.get('visits') ?? 0} visits</p>;
 * }
 */
export async function getSession<Data extends StorableData<Data> = SessionData>(
  sessions: Sessions<Data>,
  request?: { cookies: CookieSource },
): Promise<Session<Data>> {
  return (await requestContext(sessions, request)).session();
}

/**
 * Runs `task` with the session in a server action or route handler, then saves it as Django's
 * middleware does and sets its cookie (and those set through the context) with `cookies()`.
 * `redirect()` and `notFound()` count as answers: the session is saved, then they go on. Any
 * other error saves nothing and is thrown on. A `Response` returned by `task` (a route handler)
 * gets `Vary: Cookie` when the session was read, and its status decides the save (none on a
 * 5xx). A save that fails throws `StoreUnavailable` or `SessionInterrupted` to Next.
 *
 * @example
 * 'use server';
 * export async function countVisit(): Promise<void> {
 *   await withSession(sessions, (session) => {
 *     session.set('visits', (session.get('visits') ?? 0) + 1);
 *   });
 * }
 */
export async function withSession<Data extends StorableData<Data> = SessionData, Result = void>(
  sessions: Sessions<Data>,
  task: (session: Session<Data>, context: RequestContext<Data>) => Result | Promise<Result>,
): Promise<Result> {
  return withRequestContext(sessions, async (context) => task(await context.session(), context));
}

/**
 * {@link withSession} for code that may not need the session: `task` gets the request context
 * only, and the session is loaded (and the response varied on `Cookie`) only if it calls
 * `context.session()`, as in every other adapter. For a route handler that sets a signed cookie
 * and nothing else, or that reads the session on some paths only.
 *
 * @example
 * export async function GET(): Promise<Response> {
 *   return withRequestContext(sessions, (context) => {
 *     context.setSignedCookie('seen', 'yes');
 *     return new Response('ok');
 *   });
 * }
 */
export async function withRequestContext<
  Data extends StorableData<Data> = SessionData,
  Result = void,
>(
  sessions: Sessions<Data>,
  task: (context: RequestContext<Data>) => Result | Promise<Result>,
): Promise<Result> {
  const running = scoped(sessions);
  // Nested in another call with the same sessions: that one saves.
  if (running !== undefined) return task(running);
  const store = await cookies();
  const context = sessions.begin(cookieHeader(store));
  let result: Result;
  try {
    const scope: Scope = { sessions, context: context as RequestContext<never> };
    result = await active.run(scope, async () => task(context));
  } catch (error) {
    const status = navigationStatus(error);
    if (status === undefined) {
      await context.finish({ status: 500 }).catch(() => undefined);
      throw error;
    }
    await save(context, store, status);
    throw error;
  }
  const response = result instanceof Response ? result : undefined;
  const vary = await save(context, store, response?.status ?? 200);
  if (response === undefined || !vary) return result;
  // Response.redirect and Response.json make headers that cannot change: copy them.
  const headers = new Headers(response.headers);
  headers.set('Vary', varyWithCookie(headers.get('Vary')));
  const { status, statusText } = response;
  return new Response(response.body, { status, statusText, headers }) as Result;
}

/** Finishes the request and hands its cookies to Next; resolves to whether to vary on Cookie. */
async function save<Data extends StorableData<Data>>(
  context: RequestContext<Data>,
  store: Awaited<ReturnType<typeof cookies>>,
  status: number,
): Promise<boolean> {
  const { setCookie, vary } = await context.finish({ status });
  for (const line of setCookie) {
    const fields = setCookieFields(line);
    // Django deletes with the value `""`, which Next would send percent-encoded: send it empty.
    store.set(fields.maxAge === 0 ? { ...fields, value: '' } : fields);
  }
  return vary;
}
