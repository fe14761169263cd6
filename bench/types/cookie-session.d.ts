// The slice of cookie-session the benchmark uses. Its @types package redeclares Express's
// `req.session`, which coatcheck/express declares as a method.
declare module 'cookie-session' {
  import type { RequestHandler } from 'express';

  interface Options {
    name?: string;
    keys: string[];
    maxAge?: number;
  }
  function cookieSession(options: Options): RequestHandler;
  export default cookieSession;
}
