/**
 * The request lifecycle every adapter wraps: Django's `SessionMiddleware`, framework-free.
 *
 * `begin` reads the request's cookies and does no store I/O; `session()` loads at most once
 * per request; `finish` decides what the response carries (Django's `process_response`) and
 * saves before the caller sends a single byte, so a redirect never races its own write.
 *
 * @module
 */

import { type CookieWriter, cookieWriter } from '../cookies/cookie-writer.ts';
import {
  deleteCookie,
  parseCookies,
  type SerializeCookieOptions,
  serializeCookie,
  signCookieValue,
  unsignCookieValue,
} from '../cookies/index.ts';
import { BadSignature, InvalidCookie, SessionInterrupted, UpdateError } from '../errors.ts';
import { type Awaitable, isPending } from '../session/awaitable.ts';
import type { SessionData, StorableData } from '../session/data.ts';
import { djangoSessionCodec, type SessionCodec } from '../session/encoding.ts';
import type { Engine, EngineContext, LoadedSession } from '../session/engine.ts';
import { EXPIRY_KEY, expiresAtBrowserClose, expiryAge, expiryDate } from '../session/expiry.ts';
import { isValidSessionKey, isWellFormedSessionKey } from '../session/keys.ts';
import type { SessionLogger } from '../session/logger.ts';
import type { RegisteredData } from '../session/register.ts';
import {
  createSessionState,
  Session,
  type SessionContext,
  type SessionState,
} from '../session/session.ts';
import {
  type LoadedFrom,
  type StandaloneBackend,
  StandaloneSession,
} from '../session/standalone-session.ts';
import { stampOnSave, timedOut, timeoutsOn, touchOnLoad } from '../session/timeouts.ts';
import { type LoadCheck, schemaCheck } from '../session/validation.ts';
import {
  type ResolvedSettings,
  readsDateExpiry,
  resolveSettings,
  type Settings,
} from '../settings.ts';
import { storeEngine } from '../stores/store-engine.ts';

/** What `finish` resolves to: the headers the response must carry. */
export interface FinishResult {
  /** `Set-Cookie` values, one header each, in the order they were set. */
  setCookie: string[];
  /** Whether to add `Cookie` to the response's `Vary` header (the page depends on the session). */
  vary: boolean;
}

/** Options of {@link RequestContext.setSignedCookie}. */
export interface SetSignedCookieOptions extends SerializeCookieOptions {
  /** Separates this cookie's signatures from other uses of the name. @default '' */
  salt?: string | undefined;
}

/** Options of {@link RequestContext.getSignedCookie}. */
export interface GetSignedCookieOptions {
  /** The salt the cookie was set with. @default '' */
  salt?: string | undefined;
  /** Refuse a cookie signed more than this many seconds ago. */
  maxAge?: number | undefined;
}

/** One request's view of sessions and cookies. Made by {@link Sessions.begin}. */
export interface RequestContext<Data extends StorableData<Data> = SessionData> {
  /** The request's cookies, parsed as Django's `request.COOKIES`. */
  readonly cookies: Readonly<Record<string, string>>;
  /** The session, loaded on the first call (one store round trip at most per request). */
  session(): Promise<Session<Data>>;
  /** Adds a `Set-Cookie` to the response: Django's `response.set_cookie`. */
  setCookie(name: string, value: string, options?: SerializeCookieOptions): void;
  /** Makes the response delete a cookie: Django's `response.delete_cookie`. */
  deleteCookie(name: string, options?: Parameters<typeof deleteCookie>[1]): void;
  /** Sets a cookie signed with the secret key: Django's `response.set_signed_cookie`. */
  setSignedCookie(name: string, value: string, options?: SetSignedCookieOptions): void;
  /**
   * A signed cookie's value, or `undefined` when it is missing, tampered with or older than
   * `maxAge`: Django's `request.get_signed_cookie` with a default.
   */
  getSignedCookie(name: string, options?: GetSignedCookieOptions): string | undefined;
  /** The application's logger (`settings.logger`), for helpers that work per request. */
  readonly logger: SessionLogger;
  /**
   * Runs `task` when `finish` begins, before the session is looked at, in the order added: the
   * place of a Django middleware that sits below `SessionMiddleware` and writes into the session
   * on the way out (the messages framework stores what is left to show there). A task that
   * throws makes `finish` throw.
   */
  onFinish(task: () => void | Promise<void>): void;
  /**
   * Saves the session as Django's middleware would for a response with this status, and
   * returns the headers to add. Call it once, before sending the response's headers.
   * Throws `SessionInterrupted` (HTTP 400) when another request deleted the session
   * meanwhile, and `StoreUnavailable` (HTTP 503) when the store failed.
   */
  finish(response: { status: number }): Promise<FinishResult>;
}

/** The sessions of one application: settings validated, engine open. */
export interface Sessions<Data extends StorableData<Data> = SessionData> {
  readonly settings: ResolvedSettings;
  readonly engine: Engine;
  /**
   * Starts a request, given its `Cookie` header as Node or Fetch give it (bytes as latin-1
   * characters; they are decoded as UTF-8, as Django does). Does no I/O.
   */
  begin(cookieHeader: string | null | undefined): RequestContext<Data>;
  /**
   * Opens a session by key outside any request: Django's `SessionStore(session_key=key)`, for
   * scripts, admin tools, workers and tests. Loads the record now; an unknown, expired or
   * malformed key (or none) gives an empty session without a key, which `save()` creates under
   * a new one. With signed cookies the key is the cookie value itself, and `save()` returns
   * the new one. Throws `StoreUnavailable` when the store failed.
   */
  open(key?: string | null): Promise<StandaloneSession<Data>>;
  /**
   * Decodes session data as Django stores it under these settings (signed with the secret key
   * or a fallback, maybe compressed): Django's `SessionStore().decode(session_data)`. Tampered
   * or unreadable text decodes to `{}`, with a warning to the logger.
   */
  decode(text: string): SessionData;
  /** Encodes session data as Django's database and file engines store it: Django's `encode`. */
  encode(data: SessionData): string;
  /** Deletes expired sessions where the engine keeps any; returns how many. */
  clearExpired(): Promise<number>;
  /** Closes the engine's connections. */
  close(): Promise<void>;
}

const BEYOND_LATIN1 = /[\u0100-\uffff]/;
const HIGH_BYTES = /[\u0080-\u00ff]/;

/**
 * The header as text. Node and Fetch hand headers over as bytes, one character per byte, so a
 * browser's UTF-8 `é` arrives as `Ã©`; Django decodes the bytes as UTF-8 (invalid sequences
 * becoming U+FFFD) before parsing, and so does this. A string with characters beyond one byte
 * was decoded already and is left as it is.
 */
function headerText(header: string | null | undefined): string | null | undefined {
  if (typeof header !== 'string' || !HIGH_BYTES.test(header) || BEYOND_LATIN1.test(header)) {
    return header;
  }
  return Buffer.from(header, 'latin1').toString('utf8');
}

const INTERRUPTED =
  "The request's session was deleted before the request completed. " +
  'The user may have logged out in a concurrent request, for example.';

/** Django's message when a save finds the session deleted by another request. */
function interrupted(error: unknown): unknown {
  return error instanceof UpdateError
    ? new SessionInterrupted(INTERRUPTED, { cause: error })
    : error;
}

/**
 * One request. Every step answers synchronously when the engine does (the memory store, signed
 * cookies): `settle` then returns the headers in the same turn of the event loop, and an adapter
 * sends the response at once. A step that must wait (a store round trip, an `onFinish` task)
 * turns the rest into a promise from there on.
 */
class Request<Data extends StorableData<Data>> implements RequestContext<Data> {
  readonly cookies: Readonly<Record<string, string>>;
  readonly #app: App<Data>;
  readonly #sessionCookie: string | undefined;
  // Made on the first cookie set: most requests set none beyond the session's.
  #responseCookies: Map<string, string> | undefined;
  #loading: Promise<Session<Data>> | undefined;
  #state: SessionState | undefined;
  #version: string | undefined;
  #origin: unknown;
  #finished = false;
  #finishTasks: (() => void | Promise<void>)[] | undefined;

  constructor(app: App<Data>, cookieHeader: string | null | undefined) {
    this.#app = app;
    this.cookies = parseCookies(headerText(cookieHeader));
    this.#sessionCookie = this.cookies[app.settings.cookieName];
  }

  session(): Promise<Session<Data>> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  #load(): Promise<Session<Data>> {
    const cookie = this.#sessionCookie;
    if (!isValidSessionKey(cookie)) return Promise.resolve(this.#adopt(null));
    let loaded: Awaitable<LoadedSession | null>;
    try {
      loaded = this.#app.engine.load(cookie);
    } catch (error) {
      return Promise.reject(error);
    }
    const { check } = this.#app;
    if (check !== undefined) {
      // Data that fails settings.schema loads as no session at all (session/validation.ts).
      return Promise.resolve(loaded).then((found) =>
        found === null || this.#timedOut(found)
          ? this.#adopt(found)
          : check(found).then((valid) => this.#adopt(valid)),
      );
    }
    if (isPending(loaded)) return Promise.resolve(loaded).then((found) => this.#adopt(found));
    return Promise.resolve(this.#adopt(loaded));
  }

  #timedOut(loaded: LoadedSession): boolean {
    const { settings } = this.#app;
    return timeoutsOn(settings) && timedOut(loaded.data, settings, nowInSeconds());
  }

  /** Makes the request's session from what the engine loaded (`null`: a fresh one). */
  #adopt(loaded: LoadedSession | null): Session<Data> {
    const { settings } = this.#app;
    let state: SessionState;
    if (loaded === null) {
      state = createSessionState(null);
    } else if (this.#timedOut(loaded)) {
      // Timed out: a fresh session, the old record deleted when the request finishes and
      // the cookie with it, unless the request stores something under a new key.
      state = createSessionState(null);
      if (loaded.key !== null) state.staleKeys.push(loaded.key);
    } else {
      state = createSessionState(loaded.key, loaded.data);
      state.modified = loaded.modified ?? false;
      this.#version = loaded.version;
      this.#origin = loaded.origin;
      if (state.key !== null && timeoutsOn(settings)) touchOnLoad(state, settings, nowInSeconds());
    }
    state.accessed = true;
    this.#state = state;
    return new Session<Data>(state, this.#app.sessionContext);
  }

  get logger(): SessionLogger {
    return this.#app.settings.logger;
  }

  onFinish(task: () => void | Promise<void>): void {
    if (this.#finished) throw new Error('coatcheck: onFinish() was called after finish()');
    this.#finishTasks ??= [];
    this.#finishTasks.push(task);
  }

  setCookie(name: string, value: string, options?: SerializeCookieOptions): void {
    const line = serializeCookie(name, value, options);
    // Django quotes such characters as they are, but HTTP header values are bytes: Node and
    // Fetch refuse to send them. Saying so here beats a crash while the headers are written.
    if (BEYOND_LATIN1.test(line)) {
      throw new InvalidCookie(
        `Cookie ${JSON.stringify(name)}: its value has characters above U+00FF, which no HTTP ` +
          'header can carry; encode it first (encodeURIComponent, or a signed JSON value)',
      );
    }
    this.#setLine(name, line);
  }

  deleteCookie(name: string, options?: Parameters<typeof deleteCookie>[1]): void {
    this.#setLine(name, deleteCookie(name, options));
  }

  #setLine(name: string, line: string): void {
    this.#responseCookies ??= new Map();
    this.#responseCookies.set(name, line);
  }

  setSignedCookie(name: string, value: string, options: SetSignedCookieOptions = {}): void {
    const { salt, ...cookieOptions } = options;
    const { secretKey: key, signedCookieScheme: scheme } = this.#app.settings;
    this.setCookie(name, signCookieValue(name, value, { key, salt, scheme }), cookieOptions);
  }

  getSignedCookie(name: string, options: GetSignedCookieOptions = {}): string | undefined {
    const signed = this.cookies[name];
    if (signed === undefined) return undefined;
    const settings = this.#app.settings;
    try {
      return unsignCookieValue(name, signed, {
        key: settings.secretKey,
        fallbackKeys: settings.secretKeyFallbacks,
        salt: options.salt,
        maxAge: options.maxAge,
        legacyFallback: settings.signedCookieLegacyFallback,
      });
    } catch (error) {
      if (!(error instanceof BadSignature)) throw error;
      settings.logger.warn(`Signed cookie ${JSON.stringify(name)} rejected: ${error.message}`);
      return undefined;
    }
  }

  finish(response: { status: number }): Promise<FinishResult> {
    try {
      return Promise.resolve(this.settle(response.status));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link finish}, answering synchronously when nothing it does has to wait: the node:http
   * and Express adapters then send the response without holding it. A failure is thrown, or
   * rejects the promise returned, as the failing step did.
   */
  settle(status: number): Awaitable<FinishResult> {
    if (this.#finished) throw new Error('coatcheck: finish() was called twice for one request');
    this.#finished = true;
    const tasks = this.#finishTasks;
    if (tasks === undefined) return this.#loaded(status);
    return (async () => {
      for (const task of tasks) await task();
      return this.#loaded(status);
    })();
  }

  /** Waits for the session's load, if one is under way, then concludes. */
  #loaded(status: number): Awaitable<FinishResult> {
    // A save on every request loads the session first, as Django's save() does. A 5xx saves
    // nothing, so it loads nothing: Django then leaves an unread session alone (no Vary).
    if (
      this.#loading === undefined &&
      this.#app.settings.saveEveryRequest &&
      status < 500 &&
      isValidSessionKey(this.#sessionCookie)
    ) {
      void this.session();
    }
    // Still loading, or failed (the failure has already reached the handler as an error;
    // there is nothing to save).
    if (this.#loading !== undefined && this.#state === undefined) {
      const conclude = () => this.#conclude(status);
      return this.#loading.then(conclude, conclude);
    }
    return this.#conclude(status);
  }

  // flush() and cycleKey() delete the old record whatever the response: Django does it at once.
  #conclude(status: number): Awaitable<FinishResult> {
    const stale = this.#state?.staleKeys;
    if (stale !== undefined && stale.length > 0) {
      return this.#app.engine.discard(stale.splice(0)).then(() => this.#respond(status));
    }
    return this.#respond(status);
  }

  // Django's process_response: which cookie the response carries, and whether to save.
  #respond(status: number): Awaitable<FinishResult> {
    const { settings } = this.#app;
    const state = this.#state;
    const empty =
      state === undefined
        ? !isValidSessionKey(this.#sessionCookie)
        : state.key === null && state.data.size === 0;
    if (this.#sessionCookie !== undefined && empty) {
      this.deleteCookie(settings.cookieName, {
        path: settings.cookiePath,
        domain: settings.cookieDomain,
        sameSite: settings.cookieSameSite,
        partitioned: settings.cookiePartitioned,
      });
      return this.#result(true);
    }
    const modified = state !== undefined && (state.modified || state.touched);
    if (state !== undefined && !empty && (modified || settings.saveEveryRequest) && status < 500) {
      const saved = this.#save(state);
      return isPending(saved) ? saved.then(() => this.#result(true)) : this.#result(true);
    }
    return this.#result(state?.accessed ?? false);
  }

  #result(vary: boolean): FinishResult {
    const cookies = this.#responseCookies;
    return { setCookie: cookies === undefined ? [] : [...cookies.values()], vary };
  }

  #save(state: SessionState): Awaitable<void> {
    const now = new Date(Date.now());
    const expiry = state.data.get(EXPIRY_KEY);
    let value: Awaitable<string>;
    try {
      value = this.#app.persist(state, { version: this.#version, origin: this.#origin }, now, true);
    } catch (error) {
      throw interrupted(error);
    }
    if (isPending(value)) {
      return Promise.resolve(value).then(
        (saved) => this.#setSessionCookie(saved, expiry, now),
        (error: unknown) => {
          throw interrupted(error);
        },
      );
    }
    this.#setSessionCookie(value, expiry, now);
  }

  #setSessionCookie(value: string, expiry: unknown, now: Date): void {
    const { settings, writeSessionCookie } = this.#app;
    const { policy } = settings;
    const maxAge = expiresAtBrowserClose(policy, expiry)
      ? undefined
      : expiryAge(policy, expiry, now);
    this.#setLine(settings.cookieName, writeSessionCookie(value, maxAge));
  }
}

const nowInSeconds = () => Math.floor(Date.now() / 1000);

/** Records the key a session was saved under (new, or the cookie value); returns it. */
function savedUnder(state: SessionState, key: string): string {
  state.key = key;
  state.mustCreate = false;
  return key;
}

/**
 * `context.finish({ status })`, synchronously when nothing has to wait: for adapters that hold
 * a response until its session is saved (node:http, Express), which can then send it at once.
 */
export function settle<Data extends StorableData<Data>>(
  context: RequestContext<Data>,
  status: number,
): Awaitable<FinishResult> {
  return context instanceof Request ? context.settle(status) : context.finish({ status });
}

class App<Data extends StorableData<Data>> implements Sessions<Data>, StandaloneBackend {
  readonly settings: ResolvedSettings;
  readonly engine: Engine;
  readonly sessionContext: SessionContext;
  /** The session cookie's `Set-Cookie` line for a value and an age, attributes from the settings. */
  readonly writeSessionCookie: CookieWriter;
  /** The check of loaded data against settings.schema; none without a schema, at no cost. */
  readonly check: LoadCheck | undefined;
  readonly #codec: SessionCodec;

  constructor(settings: Settings<Data>) {
    this.settings = resolveSettings(settings);
    const { secretKey, secretKeyFallbacks, cookieName, policy, logger, schema } = this.settings;
    this.check = schema === null ? undefined : schemaCheck(schema, logger);
    this.writeSessionCookie = cookieWriter(cookieName, {
      path: this.settings.cookiePath,
      domain: this.settings.cookieDomain,
      secure: this.settings.cookieSecure,
      httpOnly: this.settings.cookieHttpOnly,
      sameSite: this.settings.cookieSameSite,
      partitioned: this.settings.cookiePartitioned,
    });
    this.#codec = djangoSessionCodec({ secretKey, fallbackKeys: secretKeyFallbacks, logger });
    const context: EngineContext = {
      secretKey,
      secretKeyFallbacks,
      cookieName,
      policy,
      logger,
      djangoCodec: this.#codec,
      sessionCookieLine: (value) =>
        this.writeSessionCookie(
          value,
          this.settings.expireAtBrowserClose ? undefined : this.settings.cookieAge,
        ),
    };
    const { engine } = this.settings;
    this.engine = engine.kind === 'store' ? storeEngine(engine, context) : engine.open(context);
    const checkData = this.engine.checkData?.bind(this.engine);
    this.sessionContext = {
      policy,
      checkData,
      dateExpiry: readsDateExpiry(this.settings.djangoVersion),
    };
  }

  begin(cookieHeader: string | null | undefined): RequestContext<Data> {
    return new Request(this, cookieHeader);
  }

  /**
   * The one save path, for finishing requests and standalone sessions alike: the expiry the
   * settings and the session give, the store's merge with concurrent writers. Returns the key
   * (the cookie value) and records it in `state`. An `UpdateError` passes through.
   * `activity`: a request is saving (it refreshes the idle timeout), not a script.
   */
  persist(
    state: SessionState,
    loaded: LoadedFrom,
    now = new Date(Date.now()),
    activity = false,
  ): Awaitable<string> {
    if (timeoutsOn(this.settings)) {
      stampOnSave(state, this.settings, Math.floor(now.getTime() / 1000), activity);
    }
    const key = this.engine.save({
      key: state.key,
      mustCreate: state.mustCreate,
      data: Object.fromEntries(state.data),
      expiresAt: expiryDate(this.settings.policy, state.data.get(EXPIRY_KEY), now),
      version: loaded.version,
      origin: loaded.origin,
      changes: { keys: [...state.changedKeys], replaced: state.replaced },
    });
    if (isPending(key)) return Promise.resolve(key).then((saved) => savedUnder(state, saved));
    return savedUnder(state, key);
  }

  discard(keys: readonly string[]): Promise<void> {
    return this.engine.discard(keys);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.engine.exists?.(key)) ?? false;
  }

  async open(key?: string | null): Promise<StandaloneSession<Data>> {
    // A key no store could hold opens empty without a lookup, and without the store engine's
    // warning about a client sending it: here the caller is the application.
    const storeKey = this.settings.engine.kind === 'store';
    if (!isValidSessionKey(key) || (storeKey && !isWellFormedSessionKey(key))) {
      return new StandaloneSession<Data>(createSessionState(null), this.sessionContext, this);
    }
    const loaded = await this.engine.load(key);
    // An engine that could not read the value (a signed cookie that fails its check) keeps the
    // key for the response to replace; a session opened by key has no response: it starts over.
    const found = loaded !== null && loaded.modified !== true;
    const now = Math.floor(Date.now() / 1000);
    const expired = found && timeoutsOn(this.settings) && timedOut(loaded.data, this.settings, now);
    const checked =
      found && !expired && this.check !== undefined ? await this.check(loaded) : loaded;
    const live = found && !expired && checked !== null;
    const state = createSessionState(live ? checked.key : null, live ? checked.data : {});
    // A timed-out record goes at the next save() or destroy(), as a request would delete it.
    if (expired && loaded.key !== null) state.staleKeys.push(loaded.key);
    const from = live ? { version: checked.version, origin: checked.origin } : {};
    return new StandaloneSession<Data>(state, this.sessionContext, this, from);
  }

  decode(text: string): SessionData {
    return this.#codec.decode(text);
  }

  encode(data: SessionData): string {
    return this.#codec.encode(data);
  }

  async clearExpired(): Promise<number> {
    return (await this.engine.clearExpired?.()) ?? 0;
  }

  async close(): Promise<void> {
    await this.engine.close?.();
  }
}

/**
 * Validates the settings, opens the engine and returns the request lifecycle. Call it once
 * at startup; a setting that cannot work throws `ImproperlyConfigured` here.
 *
 * @typeParam Data - the keys and value types the application keeps in sessions: the output
 *   type of `settings.schema` when one is given, else the type registered in `Register`, else
 *   any keys with unknown values. Every session the lifecycle and the adapters hand out has it.
 *
 * @example
 * const sessions = createSessions<{ visits: number }>({
 *   secretKey: process.env.SECRET_KEY,
 *   engine: memoryStore(),
 * });
 * const ctx = sessions.begin(request.headers.cookie);
 * const session = await ctx.session();
 * session.set('visits', (session.get('visits') ?? 0) + 1);
 * const { setCookie, vary } = await ctx.finish({ status: 200 });
 */
export function createSessions<Data extends StorableData<Data> = RegisteredData>(
  settings: Settings<Data>,
): Sessions<Data> {
  return new App<Data>(settings);
}
