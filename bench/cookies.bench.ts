/** Cookie parsing: Django's rules (coatcheck) beside the `cookie` package's parser. */
import { parseCookie } from 'cookie';
import { parseCookies } from '../src/cookies/index.ts';
import { compare } from './lib/measure.ts';
import { printGoal, printTable } from './lib/report.ts';

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

export function runCookiesBench(): void {
  const rows = compare([
    { name: 'cookie parseCookie', fn: () => parseCookie(header) },
    { name: 'coatcheck parseCookies', fn: () => parseCookies(header) },
  ]).map(({ name, opsPerSecond }) => ({ name, rate: opsPerSecond }));
  printTable(`Parsing a ${header.length}-byte, six-cookie header`, rows, 'cookie parseCookie');
  const rate = (name: string) => rows.find((row) => row.name === name)?.rate ?? 0;
  printGoal(
    'parseCookies vs cookie',
    rate('coatcheck parseCookies') / rate('cookie parseCookie'),
    0.8,
  );
}
