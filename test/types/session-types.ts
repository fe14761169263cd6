/**
 * Compile-only checks of `Session<Data>` typing, run by `tsc --noEmit` and never executed (the
 * name has no `.test.ts`, so `node --test` does not pick it up). Each `@ts-expect-error` line
 * must fail to compile; if one compiles, tsc reports the unused directive.
 */
import { createSessions } from '../../src/middleware/lifecycle.ts';
import type { Session } from '../../src/session/session.ts';
import { memoryStore } from '../../src/stores/memory.ts';

/** `true` only when A and B are the same type (not merely assignable either way). */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

// A type alias, not an interface: Data must be assignable to Record<string, unknown>, which
// only aliases are implicitly (an interface would need `extends Record<string, unknown>`, and
// then every string is a key).
type Shop = {
  cart: string[];
  visits: number;
  user: { id: number; name: string } | null;
};

declare const session: Session<Shop>;

// get: the value type, possibly undefined; with a fallback, the value type.
const cart = session.get('cart');
expectType<Equal<typeof cart, string[] | undefined>>();
const cartOrEmpty = session.get('cart', []);
expectType<Equal<typeof cartOrEmpty, string[]>>();
const visits = session.get('visits', 0);
expectType<Equal<typeof visits, number>>();
// @ts-expect-error the result may be undefined
const _mustExist: string[] = session.get('cart');
// @ts-expect-error the fallback must have the value's type
session.get('visits', 'zero');
// @ts-expect-error unknown keys are refused when Data is specific
session.get('basket');

// set: the value must have the key's type.
session.set('cart', ['a']);
session.set('user', null);
// @ts-expect-error wrong value type
session.set('cart', 'wrong type');
// @ts-expect-error wrong nested type
session.set('user', { id: '1', name: 'x' });
// @ts-expect-error unknown key
session.set('basket', ['a']);

// pop: the value type without a fallback; the value or the fallback's type with one.
const popped = session.pop('cart');
expectType<Equal<typeof popped, string[]>>();
const poppedOrNull = session.pop('cart', null);
expectType<Equal<typeof poppedOrNull, string[] | null>>();
const poppedOrZero = session.pop('visits', 0);
expectType<Equal<typeof poppedOrZero, number>>();
// @ts-expect-error with a fallback the result may be the fallback
const _notNull: string[] = session.pop('cart', null);
// @ts-expect-error unknown key
session.pop('basket');

// setDefault, has, delete, update: keys and values checked the same way.
const defaulted = session.setDefault('visits', 0);
expectType<Equal<typeof defaulted, number>>();
// @ts-expect-error wrong default type
session.setDefault('visits', '0');
expectType<Equal<ReturnType<typeof session.has>, boolean>>();
expectType<Equal<ReturnType<typeof session.delete>, boolean>>();
// @ts-expect-error unknown key
session.has('basket');
// @ts-expect-error unknown key
session.delete('basket');
session.update({ visits: 2 });
session.update({});
// @ts-expect-error wrong value type
session.update({ visits: 'two' });
// @ts-expect-error unknown key
session.update({ basket: [] });

// keys, values, entries, toJSON.
expectType<Equal<ReturnType<typeof session.keys>, ('cart' | 'visits' | 'user')[]>>();
expectType<
  Equal<
    ReturnType<typeof session.values>,
    (string[] | number | { id: number; name: string } | null)[]
  >
>();
const snapshot = session.toJSON();
expectType<Equal<typeof snapshot, Partial<Shop>>>();

// sessionKey and the expiry API.
expectType<Equal<typeof session.sessionKey, string | null>>();
// @ts-expect-error the session key is read-only
session.sessionKey = 'abcdefgh';
session.modified = true;
session.setExpiry(300);
session.setExpiry(new Date());
session.setExpiry(null);
// @ts-expect-error setExpiry takes seconds, a Date or null
session.setExpiry('300');
expectType<Equal<ReturnType<typeof session.getExpiryDate>, Date>>();
session.getExpiryAge({ modification: new Date(), expiry: '2023-11-14T22:13:20+00:00' });

// Without a Data type, any key is allowed and values are unknown.
declare const loose: Session;
const anything = loose.get('whatever');
expectType<Equal<typeof anything, unknown>>();
loose.set('whatever', { nested: [1, 'two'] });

// createSessions<Data> carries the type to the session the context hands out.
const sessions = createSessions<Shop>({ secretKey: 'x'.repeat(50), engine: memoryStore() });
export async function typedView(): Promise<void> {
  const typed = await sessions.begin(undefined).session();
  expectType<Equal<typeof typed, Session<Shop>>>();
  // @ts-expect-error wrong value type through the lifecycle too
  typed.set('visits', '1');
}

// Data must hold what JSON carries as it is: a Date would be stored as a string and come back
// as one, a Map or Set as an empty object, a function or undefined not at all.
type Fine = {
  count: number;
  big: bigint;
  maybe?: string;
  nested: { when: string; note?: string | undefined; items: [number, string][] };
  anything: unknown;
};
declare const _fine: Session<Fine>;
// @ts-expect-error a Date field
declare const _dated: Session<{ lastVisit: Date }>;
// @ts-expect-error a Date deep inside
declare const _deepDate: Session<{ visits: { at: Date }[] }>;
// @ts-expect-error a function field
declare const _fn: Session<{ onLogin: () => void }>;
// @ts-expect-error a Map field
declare const _map: Session<{ seen: Map<string, number> }>;
// @ts-expect-error a Set field
declare const _set: Session<{ tags: Set<string> }>;
// @ts-expect-error a field that may be undefined
declare const _undef: Session<{ user: string | undefined }>;
// @ts-expect-error an array that may hold undefined (JSON would store null)
declare const _holes: Session<{ list: (number | undefined)[] }>;
// @ts-expect-error an object with methods (a class instance)
declare const _instance: Session<{ point: { x: number; norm(): number } }>;
// @ts-expect-error createSessions refuses the same Data
createSessions<{ lastVisit: Date }>({ secretKey: 'x'.repeat(50) });
