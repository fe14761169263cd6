/**
 * The values recorded from Django 5.2.17 (`test/fixtures/django-vectors-5.2.json`), with the
 * secret and the pinned clock they were recorded under.
 */
import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON, read field by field in each test.
export type Vectors = Record<string, any>;

export const vectors: Vectors = JSON.parse(
  readFileSync(new URL('../fixtures/django-vectors-5.2.json', import.meta.url), 'utf8'),
);

/** The `SECRET_KEY` the vectors were recorded with. */
export const SECRET_KEY: string = vectors.meta.secret_key;

/** The other key of the vectors, for wrong-key and rotation cases. */
export const OTHER_SECRET_KEY: string = vectors.meta.other_secret_key;

/** Django's recording of a call: a return value, or an exception class and message. */
export type Outcome = { ok: unknown } | { error: string; message: string };
