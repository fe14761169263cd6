/**
 * The demo's SECRET_KEY: from the environment, or made once and kept in the data folder so
 * sessions and signed cookies survive a restart.
 *
 * @module
 */

import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Django's get_random_secret_key(): 50 characters from this alphabet.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)';
const LENGTH = 50;

/** The secret key, and a sentence saying where it came from. */
export interface DemoSecret {
  key: string;
  origin: string;
}

function generate(): string {
  let key = '';
  for (let i = 0; i < LENGTH; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}

/**
 * `SECRET_KEY` when set; otherwise the key in `<dataDir>/secret-key`, made on the first run.
 * The file is written only if absent (`wx`), so two demos started at once agree on one key.
 */
export function loadSecretKey(dataDir: string, env = process.env): DemoSecret {
  const fromEnv = env.SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    return { key: fromEnv, origin: 'from the SECRET_KEY environment variable' };
  }
  const path = join(dataDir, 'secret-key');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${generate()}\n`, { flag: 'wx', mode: 0o600 });
    return {
      key: readFileSync(path, 'utf8').trim(),
      origin: `generated and saved to ${path} (set SECRET_KEY to use your own)`,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return {
    key: readFileSync(path, 'utf8').trim(),
    origin: `read from ${path}, so sessions survive restarts (set SECRET_KEY to use your own)`,
  };
}
