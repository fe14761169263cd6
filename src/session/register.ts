/**
 * `Register`: where an application names its session data type once, for the places no
 * argument can carry it. Express, Fastify and Koa type their request objects by global
 * declaration merging, which cannot hold a type per application; an application that
 * registers its data there gets `req.session()` typed with it, with no annotation at the call
 * site, and `createSessions()` takes it as its default.
 *
 * Types only: nothing here exists at run time.
 *
 * @module
 */

import type { SessionData, StorableData } from './data.ts';
import type { Session } from './session.ts';

/**
 * The registry an application augments once to type every session the global request types
 * hand out. Empty, nothing is registered and `req.session<Data>()` takes a type argument as
 * it always has.
 *
 * @example
 * type Data = { visits?: number; user?: string };
 * declare module 'coatcheck' {
 *   interface Register {
 *     data: Data;
 *   }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: applications add `data` by declaration merging.
export interface Register {}

/**
 * What {@link RegisteredData} becomes when the registered type cannot be stored: a type whose
 * only key is this sentence, so the first `get` or `set` shows it in the compiler's message.
 */
export type UnstorableRegisteredData = {
  'coatcheck: Register.data must be a type alias of JSON values (no interface, Date, Map, Set, function or required undefined)': never;
};

/** Whether the application registered a data type. */
export type IsRegistered = Register extends { data: unknown } ? true : false;

/** The registered session data type, or `SessionData` (any keys, unknown values) without one. */
export type RegisteredData = Register extends { data: infer Data }
  ? Data extends StorableData<Data>
    ? Data
    : UnstorableRegisteredData
  : SessionData;

/**
 * The type of `session()` on a request typed by global declaration merging: with a registered
 * data type, a method giving `Session<RegisteredData>` that takes no type argument (so none can
 * contradict it); without one, a method whose type argument says what the session holds.
 */
export type SessionAccessor = IsRegistered extends true
  ? () => Promise<Session<RegisteredData>>
  : <Data extends StorableData<Data> = SessionData>() => Promise<Session<Data>>;
