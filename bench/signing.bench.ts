/** Signing: Django's dumps/loads on a typical session payload, beside cookie-signature. */
import cookieSignature from 'cookie-signature';
import { dumps, loads } from '../src/signing/index.ts';
import { compare } from './lib/measure.ts';
import type { BenchOptions } from './lib/options.ts';
import { goalLine, rateTable } from './lib/report.ts';
import type { SectionReport } from './lib/section.ts';

const key = 'bench-secret-key-with-enough-entropy-0123456789';

// About 200 bytes of JSON: what a logged-in Django user's session holds, plus a small cart.
export const sessionPayload: Record<string, unknown> = {
  _auth_user_id: '42',
  _auth_user_backend: 'django.contrib.auth.backends.ModelBackend',
  _auth_user_hash: 'f3b1c2d4e5a6978877665544332211ffeeddccbbaa99887766554433221100aa',
  cart: [3, 14, 15],
  theme: 'dark',
};

export async function runSigningBench(options: BenchOptions): Promise<SectionReport> {
  const token = dumps(sessionPayload, { key });
  const json = JSON.stringify(sessionPayload);
  // cookie-signature verifies the same bytes that loads verifies (the token before its
  // signature), so both hash the same input; loads then also decodes the JSON.
  const signedPart = token.slice(0, token.lastIndexOf(':'));
  const expressSigned = cookieSignature.sign(signedPart, key);

  const rows = compare(
    [
      { name: 'cookie-signature unsign', fn: () => cookieSignature.unsign(expressSigned, key) },
      { name: 'cookie-signature sign', fn: () => cookieSignature.sign(signedPart, key) },
      { name: 'coatcheck loads', fn: () => loads(token, { key }) },
      { name: 'coatcheck dumps', fn: () => dumps(sessionPayload, { key }) },
      {
        name: 'coatcheck dumps (compress)',
        fn: () => dumps(sessionPayload, { key, compress: true }),
      },
    ],
    options.quick,
  ).map(({ name, opsPerSecond }) => ({ name, rate: opsPerSecond }));
  const rate = (name: string) => rows.find((row) => row.name === name)?.rate ?? 0;
  return {
    title: 'Signing',
    body: [
      `Django's \`dumps\`/\`loads\` on a ${json.length}-byte session payload beside ` +
        'cookie-signature on the same bytes (interleaved rounds, medians).',
      rateTable(rows, 'cookie-signature unsign'),
      goalLine(
        'coatcheck loads ÷ cookie-signature unsign',
        rate('coatcheck loads') / rate('cookie-signature unsign'),
        1,
      ),
    ].join('\n\n'),
  };
}
