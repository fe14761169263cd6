/**
 * The request lifecycle every adapter wraps: Django's `SessionMiddleware`, framework-free.
 *
 * `begin` reads the request's cookies and does no store I/O; `session()` loads at most once
 * per request; `finish` decides what the response carries (Django's `process_response`) and
 * saves before the caller sends a single byte, so a redirect never races its own write.
 *
 * @module
 */

import {
  deleteCookie,
  parseCookies,
  type SerializeCookieOptions,
  serializeCookie,
  signCookieValue,
  unsignCookieValue,
} from '../cookies/index.ts';
import { BadSignature, InvalidCookie, SessionInterrupted, UpdateError } from '../errors.ts';
import type { SessionData, StorableData } from '../session/data.ts';
import { djangoSessionCodec, type SessionCodec } from '../session/encoding.ts';
import type { Engine, EngineContext } from '../session/engine.ts';
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

class Request<Data extends StorableData<Data>> implements RequestContext<Data> {
  readonly cookies: Readonly<Record<string, string>>;
  readonly #app: App<Data>;
  readonly #sessionCookie: string | undefined;
  readonly #responseCookies = new Map<string, string>();
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

  async #load(): Promise<Session<Data>> {
    const cookie = this.#sessionCookie;
    let state: SessionState;
    if (isValidSessionKey(cookie)) {
      let loaded = await this.#app.engine.load(cookie);
      const { settings } = this.#app;
      const now = Math.floor(Date.now() / 1000);
      if (loaded !== null && timeoutsOn(settings) && timedOut(loaded.data, settings, now)) {
        // Timed out: a fresh session, the old record deleted when the request finishes and
        // the cookie with it, unless the request stores something under a new key.
        state = createSessionState(null);
        if (loaded.key !== null) state.staleKeys.push(loaded.key);
      } else {
        // Data that fails settings.schema loads as no session at all (session/validation.ts).
        if (loaded !== null && this.#app.check !== undefined)
          loaded = await this.#app.check(loaded);
        state = createSessionState(loaded?.key ?? null, loaded?.data);
        state.modified = loaded?.modified ?? false;
        this.#version = loaded?.version;
        this.#origin = loaded?.origin;
        if (state.key !== null && timeoutsOn(settings)) touchOnLoad(state, settings, now);
      }
    } else {
      state = createSessionState(null);
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
    this.#responseCookies.set(name, line);
  }

  deleteCookie(name: string, options?: Parameters<typeof deleteCookie>[1]): void {
    this.#responseCookies.set(name, deleteCookie(name, options));
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

  async finish(response: { status: number }): Promise<FinishResult> {
    if (this.#finished) throw new Error('coatcheck: finish() was called twice for one request');
    this.#finished = true;
    if (this.#finishTasks !== undefined) {
      for (const task of this.#finishTasks) await task();
    }
    const { settings, engine } = this.#app;
    // A save on every request loads the session first, as Django's save() does. A 5xx saves
    // nothing, so it loads nothing: Django then leaves an unread session alone (no Vary).
    if (
      this.#loading === undefined &&
      settings.saveEveryRequest &&
      response.status < 500 &&
      isValidSessionKey(this.#sessionCookie)
    ) {
      await this.session();
    }
    // A load that failed has already reached the handler as an error; there is nothing to save.
    if (this.#loading !== undefined) await this.#loading.catch(() => undefined);

    const state = this.#state;
    const accessed = state?.accessed ?? false;
    const modified = (state?.modified ?? false) || (state?.touched ?? false);
    const empty =
      state === undefined
        ? !isValidSessionKey(this.#sessionCookie)
        : state.key === null && state.data.size === 0;
    let vary = accessed;

    // flush() and cycleKey() delete the old record whatever the response: Django does it at once.
    if (state !== undefined && state.staleKeys.length > 0) {
      await engine.discard(state.staleKeys.splice(0));
    }

    if (this.#sessionCookie !== undefined && empty) {
      this.deleteCookie(settings.cookieName, {
        path: settings.cookiePath,
        domain: settings.cookieDomain,
        sameSite: settings.cookieSameSite,
        partitioned: settings.cookiePartitioned,
      });
      vary = true;
    } else if (
      state !== undefined &&
      !empty &&
      (modified || settings.saveEveryRequest) &&
      response.status < 500
    ) {
      await this.#save(state);
      vary = true;
    }
    return { setCookie: [...this.#responseCookies.values()], vary };
  }

  async #save(state: SessionState): Promise<void> {
    const { settings } = this.#app;
    const { policy } = settings;
    const now = new Date(Date.now());
    const expiry = state.data.get(EXPIRY_KEY);
    let cookieValue: string;
    try {
      cookieValue = await this.#app.persist(
        state,
        { version: this.#version, origin: this.#origin },
        now,
        true,
      );
    } catch (error) {
      if (error instanceof UpdateError) throw new SessionInterrupted(INTERRUPTED, { cause: error });
      throw error;
    }
    this.setCookie(settings.cookieName, cookieValue, {
      maxAge: expiresAtBrowserClose(policy, expiry) ? undefined : expiryAge(policy, expiry, now),
      path: settings.cookiePath,
      domain: settings.cookieDomain,
      secure: settings.cookieSecure,
      httpOnly: settings.cookieHttpOnly,
      sameSite: settings.cookieSameSite,
      partitioned: settings.cookiePartitioned,
    });
  }
}

class App<Data extends StorableData<Data>> implements Sessions<Data>, StandaloneBackend {
  readonly settings: ResolvedSettings;
  readonly engine: Engine;
  readonly sessionContext: SessionContext;
  /** The check of loaded data against settings.schema; none without a schema, at no cost. */
  readonly check: LoadCheck | undefined;
  readonly #codec: SessionCodec;

  constructor(settings: Settings<Data>) {
    this.settings = resolveSettings(settings);
    const { secretKey, secretKeyFallbacks, cookieName, policy, logger, schema } = this.settings;
    this.check = schema === null ? undefined : schemaCheck(schema, logger);
    this.#codec = djangoSessionCodec({ secretKey, fallbackKeys: secretKeyFallbacks, logger });
    const context: EngineContext = {
      secretKey,
      secretKeyFallbacks,
      cookieName,
      policy,
      logger,
      djangoCodec: this.#codec,
      sessionCookieLine: (value) => {
        const s = this.settings;
        return serializeCookie(cookieName, value, {
          maxAge: s.expireAtBrowserClose ? undefined : s.cookieAge,
          path: s.cookiePath,
          domain: s.cookieDomain,
          secure: s.cookieSecure,
          httpOnly: s.cookieHttpOnly,
          sameSite: s.cookieSameSite,
          partitioned: s.cookiePartitioned,
        });
      },
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
  async persist(
    state: SessionState,
    loaded: LoadedFrom,
    now = new Date(Date.now()),
    activity = false,
  ): Promise<string> {
    if (timeoutsOn(this.settings)) {
      stampOnSave(state, this.settings, Math.floor(now.getTime() / 1000), activity);
    }
    const key = await this.engine.save({
      key: state.key,
      mustCreate: state.mustCreate,
      data: Object.fromEntries(state.data),
      expiresAt: expiryDate(this.settings.policy, state.data.get(EXPIRY_KEY), now),
      version: loaded.version,
      origin: loaded.origin,
      changes: { keys: [...state.changedKeys], replaced: state.replaced },
    });
    state.key = key;
    state.mustCreate = false;
    return key;
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
