/** What every benchmark server keeps: the visit counter's one key, and the secret it signs with. */

export const SECRET = 'benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG';

export type Visits = { visits: number };

/** The cookie lifetime every contender is given: Django's two weeks. */
export const AGE_SECONDS = 1_209_600;
