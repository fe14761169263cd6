/** Signing: Django's dumps/loads on a typical session payload, beside cookie-signature. */
import cookieSignature from 'cookie-signature';
import { dumps, loads } from '../src/signing/index.ts';
import { compare } from './lib/measure.ts';
import { printGoal, printTable } from './lib/report.ts';

const key = 'bench-secret-key-with-enough-entropy-0123456789';

// About 200 bytes of JSON: what a logged-in Django user's session holds, plus a small cart.
export const sessionPayload: Record<string, unknown> = {
  _auth_user_id: '42',
  _auth_user_backend: 'django.contrib.auth.backends.ModelBackend',
  _auth_user_hash: 'f3b1c2d4e5a6978877665544332211ffeeddccbbaa99887766554433221100aa',
  cart: [3, 14, 15],
  theme: 'dark',
};

export function runSigningBench(): void {
  const token = dumps(sessionPayload, { key });
  const json = JSON.stringify(sessionPayload);
  // cookie-signature verifies the same bytes that loads verifies (the token before its
  // signature), so both hash the same input; loads then also decodes the JSON.
  const signedPart = token.slice(0, token.lastIndexOf(':'));
  const expressSigned = cookieSignature.sign(signedPart, key);

  const rows = compare([
    { name: 'cookie-signature unsign', fn: () => cookieSignature.unsign(expressSigned, key) },
    { name: 'cookie-signature sign', fn: () => cookieSignature.sign(signedPart, key) },
    { name: 'coatcheck loads', fn: () => loads(token, { key }) },
    { name: 'coatcheck dumps', fn: () => dumps(sessionPayload, { key }) },
    {
      name: 'coatcheck dumps (compress)',
      fn: () => dumps(sessionPayload, { key, compress: true }),
    },
  ]).map(({ name, opsPerSecond }) => ({ name, rate: opsPerSecond }));

  printTable(`Signing a ${json.length}-byte session payload`, rows, 'cookie-signature unsign');
  const rate = (name: string) => rows.find((row) => row.name === name)?.rate ?? 0;
  printGoal(
    'loads vs cookie-signature unsign',
    rate('coatcheck loads') / rate('cookie-signature unsign'),
    1,
  );
}
