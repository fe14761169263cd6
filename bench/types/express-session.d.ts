// The slice of express-session the benchmark uses. Its own @types package would redeclare
// Express's `req.session`, which coatcheck/express declares as a method; it is installed as
// `express-session-types`, which only test/types/express-session/'s program loads.
declare module 'express-session' {
  import type { RequestHandler } from 'express';

  interface Options {
    secret: string;
    resave: boolean;
    saveUninitialized: boolean;
    store?: unknown;
  }
  function session(options: Options): RequestHandler;
  export default session;
}
