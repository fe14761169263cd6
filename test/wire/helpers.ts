/**
 * Runs the Django peer (`test/wire/django/peer.py`) under Debian's Python and Django 3.2: one
 * child process per batch of operations, JSON in and out, values in the tagged JSON of
 * `test/wire/django/coatcheck_peer/codec.py`.
 *
 * Without Django the wire tests skip, with the reason in the report; under `CI=true` they fail
 * instead, because CI installs `python3-django` and a silent skip would hide a broken setup.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter, which sees `python3-django`; the `python3` on PATH may not. */
export const PYTHON: string = process.env.COATCHECK_WIRE_PYTHON ?? '/usr/bin/python3';

/** The peer script. */
export const PEER: string = fileURLToPath(new URL('./django/peer.py', import.meta.url));

/** The Django series the wire tests pin: its legacy signed-cookie salt, SHA1 fallback, and so on. */
export const DJANGO_SERIES = '3.2';

/** The peer's default `SECRET_KEY` (`coatcheck_peer/settings.py`), also that of the vectors. */
export const SECRET_KEY = 'interop-secret-key-0123456789';

/** A second key, for wrong-key cases. */
export const OTHER_SECRET_KEY = 'some-other-secret-key-9876543210';

/** The pinned clock, in seconds: 2023-11-14T22:13:20Z, as in the recorded vectors. */
export const T = 1_700_000_000;

// -B: no __pycache__ in the repository; -E -s: no PYTHON* variables or user site-packages, so
// only Debian's Django can answer.
const PYTHON_FLAGS = ['-B', '-E', '-s'];

const INSTALL_HINT =
  `the wire tests need Django ${DJANGO_SERIES} under ${PYTHON}: ` +
  'apt-get install python3-django (Debian 12 ships 3.2)';

function probe(): { version: string } | { problem: string } {
  try {
    const version = execFileSync(
      PYTHON,
      [...PYTHON_FLAGS, '-c', 'import django; print(django.get_version())'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
    ).trim();
    if (version.startsWith(`${DJANGO_SERIES}.`)) return { version };
    return { problem: `found Django ${version}, but ${INSTALL_HINT}` };
  } catch (error) {
    const detail =
      (error as { code?: string }).code === 'ENOENT' ? `${PYTHON} not found` : 'no Django';
    return { problem: `${detail}; ${INSTALL_HINT}` };
  }
}

const found = probe();

/** The installed Django's version, or undefined when the peer cannot run. */
export const djangoVersion: string | undefined = 'version' in found ? found.version : undefined;

/**
 * The `skip` option for a wire suite: a reason when Django is missing outside CI, else `false`.
 * Under `CI=true` a missing Django is not skipped: {@link runPeer} throws, failing the suite.
 */
export const skipWithoutDjango: string | false =
  'problem' in found && process.env.CI !== 'true'
    ? `Django peer unavailable: ${found.problem}`
    : false;

/** One operation for the peer: its name (`op`), arguments, and `time` to pin `time.time()`. */
export type PeerOp = { op: string; time?: number; settings?: Record<string, unknown> } & Record<
  string,
  unknown
>;

/** Django's outcome of one operation: a return value, or an exception class and message. */
export type Outcome = { ok: unknown } | { error: string; message: string };

/** A stand-in for Python values plain JSON cannot carry (see the peer's codec). */
export type Tagged =
  | { $bytes_hex: string }
  | { $float: string }
  | { $datetime: string }
  | { $timedelta_seconds: number };

/** Bytes for the peer. */
export const bytes = (data: Uint8Array): Tagged => ({
  $bytes_hex: Buffer.from(data).toString('hex'),
});

/** A Python datetime (ISO 8601 with an offset for an aware one, without for a naive one). */
export const datetime = (iso: string): Tagged => ({ $datetime: iso });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Turns JavaScript values into tagged JSON: NaN, ±Infinity, -0 and bytes get tags. */
export function encodeTagged(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { $float: 'nan' };
    if (value === Number.POSITIVE_INFINITY) return { $float: 'inf' };
    if (value === Number.NEGATIVE_INFINITY) return { $float: '-inf' };
    if (Object.is(value, -0)) return { $float: '-0.0' };
    return value;
  }
  if (value instanceof Uint8Array) return bytes(value);
  if (Array.isArray(value)) return value.map(encodeTagged);
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeTagged(v)]));
  }
  return value;
}

/** The inverse of {@link encodeTagged}, for what the peer returns. */
export function decodeTagged(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeTagged);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    if (typeof value.$float === 'string') {
      return (
        { nan: Number.NaN, inf: Infinity, '-inf': -Infinity }[value.$float] ?? Number(value.$float)
      );
    }
    if (typeof value.$bytes_hex === 'string') return Buffer.from(value.$bytes_hex, 'hex');
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeTagged(v)]));
}

/**
 * Runs operations with the real Django, in one Python process, and returns one outcome per
 * operation, in order. Throws when Django is missing (with the command that installs it) or
 * when the peer rejects the request itself (an unknown op, a missing argument).
 */
export function runPeer(ops: readonly PeerOp[], settings: Record<string, unknown> = {}): Outcome[] {
  if ('problem' in found) throw new Error(found.problem);
  const input = JSON.stringify({ settings: encodeTagged(settings), ops: ops.map(encodeTagged) });
  let stdout: string;
  try {
    stdout = execFileSync(PYTHON, [...PYTHON_FLAGS, PEER], {
      input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`the Django peer failed: ${stderr || (error as Error).message}`, {
      cause: error,
    });
  }
  const response = JSON.parse(stdout) as { results: unknown[] };
  if (response.results.length !== ops.length) {
    throw new Error(
      `the Django peer answered ${response.results.length} of ${ops.length} operations`,
    );
  }
  return response.results.map((result) => decodeTagged(result) as Outcome);
}

/** The value of a successful outcome; throws, naming the case, when Django raised. */
export function ok(outcome: Outcome | undefined, label: string): unknown {
  if (outcome === undefined) throw new Error(`${label}: no outcome from the Django peer`);
  if ('ok' in outcome) return outcome.ok;
  throw new Error(`${label}: Django raised ${outcome.error}: ${outcome.message}`);
}

/** Runs `fn` and returns its outcome in the peer's shape, for comparing errors with Django's. */
export function outcomeOf(fn: () => unknown): Outcome {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

/** A seeded pseudo-random generator (mulberry32): generated cases are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * A batch of peer operations filled while a suite is declared and run once, in its `before`
 * hook: `add` returns a getter for that operation's outcome.
 */
export class PeerBatch {
  readonly #ops: PeerOp[] = [];
  #outcomes: Outcome[] | undefined;
  readonly #settings: Record<string, unknown>;

  constructor(settings: Record<string, unknown> = {}) {
    this.#settings = settings;
  }

  /** Queues an operation; the getter returns Django's outcome once {@link PeerBatch.run} ran. */
  add(op: PeerOp): () => Outcome {
    const index = this.#ops.push(op) - 1;
    return () => {
      const outcome = this.#outcomes?.[index];
      if (outcome === undefined) throw new Error('the Django peer has not run for this batch');
      return outcome;
    };
  }

  /** The number of operations queued. */
  get size(): number {
    return this.#ops.length;
  }

  /** Runs every queued operation in one Python process. */
  run(): void {
    this.#outcomes = runPeer(this.#ops, this.#settings);
  }
}

/**
 * `count` strings of up to `maxLength - 1` code points, each drawn from one of `ranges` (ranges
 * may repeat to weigh them), reproducibly from `seed`.
 */
export function randomStrings(
  count: number,
  seed: number,
  ranges: readonly (readonly [number, number])[],
  maxLength: number,
): string[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const length = Math.floor(next() * maxLength);
    let text = '';
    for (let i = 0; i < length; i++) {
      const [low, high] = ranges[Math.floor(next() * ranges.length)] ?? [0x61, 0x7a];
      text += String.fromCodePoint(low + Math.floor(next() * (high - low + 1)));
    }
    return text;
  });
}
