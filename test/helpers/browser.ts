/**
 * A minimal browser for end-to-end tests over real HTTP: it keeps cookies between requests
 * the way a browser would (set, replace, delete on Max-Age=0 or a past date) and never follows
 * redirects on its own, so tests see each response.
 */

export interface BrowserResponse {
  status: number;
  headers: Headers;
  body: string;
  setCookie: string[];
}

export class Browser {
  readonly #base: string;
  readonly cookies: Map<string, string> = new Map();

  constructor(base: string) {
    this.#base = base;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<BrowserResponse> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader);
    const response = await fetch(new URL(path, this.#base), {
      ...init,
      headers,
      redirect: 'manual',
    });
    const setCookie = response.headers.getSetCookie();
    for (const line of setCookie) this.#store(line);
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      setCookie,
    };
  }

  get(path: string, headers?: Record<string, string>): Promise<BrowserResponse> {
    return this.request(path, headers === undefined ? {} : { headers });
  }

  post(path: string, body = ''): Promise<BrowserResponse> {
    return this.request(path, { method: 'POST', body });
  }

  #store(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', val = ''] = attribute.split('=').map((part) => part.trim());
      if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
      if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
      return false;
    });
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
