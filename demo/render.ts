/**
 * `render(req, res, template, context)`: Django's `render(request, template, context)`
 * shortcut for the demo's views.
 *
 * Templates get what Django's context processors give them: `request.session` (a plain
 * snapshot of the session), `request.COOKIES`, `csrf_token` and `messages`, so a template
 * reads `{{ request.session.username }}` as a Django template would. The demo adds its page
 * (title, navigation, the views' source) and the inspector.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { ResolvedSettings, Session } from '../src/index.ts';
import { csrfToken } from './csrf.ts';
import type { OpenedEngine } from './engines.ts';
import { inspect, type ResponseLog } from './inspector.ts';
import { takeMessages } from './messages.ts';
import type { Page, Snippet } from './pages.ts';

/** What the site keeps in `app.locals.demo` for every page. */
export interface DemoLocals {
  engine: { name: string; opened: OpenedEngine };
  log: ResponseLog;
  /** Every page, for the navigation. */
  pages: readonly Page[];
  /** The source shown on each page, read at startup, by page path. */
  sources: ReadonlyMap<string, Snippet[]>;
  /** coatcheck's settings, for the pages that explain them. */
  settings: ResolvedSettings;
}

/** The demo's shared state, as the server set it up. */
export function demoLocals(req: Request): DemoLocals {
  return req.app.locals.demo as DemoLocals;
}

/**
 * The template context every page starts from: `request`, `csrf_token`, `messages`, the
 * inspector and the navigation.
 */
export async function baseContext(req: Request, res: Response): Promise<Record<string, unknown>> {
  const demo = demoLocals(req);
  const session: Session = await req.session();
  const page = res.locals.page as Page | undefined;
  return {
    request: {
      session: session.toJSON(),
      COOKIES: req.coatcheck.cookies,
      path: req.path,
      method: req.method,
    },
    csrf_token: csrfToken(session),
    messages: await takeMessages(req),
    inspector: await inspect(req, session, demo.engine, demo.log),
    page,
    pages: demo.pages,
    sources: page === undefined ? [] : (demo.sources.get(page.path) ?? []),
    engine: demo.engine.name,
  };
}

/** Renders `template` with Django's context plus `context`, and sends it. */
export async function render(
  req: Request,
  res: Response,
  template: string,
  context: Record<string, unknown> = {},
): Promise<void> {
  res.render(template, { ...(await baseContext(req, res)), ...context });
}
