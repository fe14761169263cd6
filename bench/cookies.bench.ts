/** Cookie parsing: Django's rules (coatcheck) beside the `cookie` package's parser. */
import { parseCookie } from 'cookie';
import { parseCookies } from '../src/cookies/index.ts';
import { compare } from './lib/measure.ts';
import type { BenchOptions } from './lib/options.ts';
import { goalLine, rateTable } from './lib/report.ts';
import type { SectionReport } from './lib/section.ts';

// Six cookies a Django site typically sends back: the session, CSRF, analytics, two
// preferences and the messages framework's (which current Django writes unquoted).
const header = [
  'sessionid=lr9o1j77e266wibubtzib89olg958ih3',
  'csrftoken=Xy7Fq2Lw9sTzR4pKm1NvB8cD3eGh6JaQ0uYiOlWxZtEr5SdFg7HjKk2LzXcVbNm',
  '_ga=GA1.2.1234567890.1700000000',
  'theme=dark',
  'django_language=en',
  'messages=W1siX19qc29uX21lc3NhZ2UiLDAsMjUsIkxvZ2dlZCBpbiJdXQ:1r31eq:9CK6H7u4fayzuc5Q5DdL5WF_ipjys4OJzOl4y01Nxf4',
].join('; ');

export async function runCookiesBench(options: BenchOptions): Promise<SectionReport> {
  const rows = compare(
    [
      { name: 'cookie parseCookie', fn: () => parseCookie(header) },
      { name: 'coatcheck parseCookies', fn: () => parseCookies(header) },
    ],
    options.quick,
  ).map(({ name, opsPerSecond }) => ({ name, rate: opsPerSecond }));
  const rate = (name: string) => rows.find((row) => row.name === name)?.rate ?? 0;
  return {
    title: 'Cookie parsing',
    body: [
      `A ${header.length}-byte header of six cookies, parsed by Django's rules (coatcheck) and ` +
        "by the `cookie` package's (interleaved rounds, medians).",
      rateTable(rows, 'cookie parseCookie'),
      goalLine(
        'coatcheck parseCookies ÷ cookie parseCookie',
        rate('coatcheck parseCookies') / rate('cookie parseCookie'),
        0.8,
      ),
    ].join('\n\n'),
  };
}
