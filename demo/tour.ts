// `npm start` until the demo site lands: a short tour of what exists and where to begin.
const tour = `
coatcheck: Django's sessions and cookies for Node.js.

What is here today
  coatcheck/signing   Django-compatible signing: Signer, TimestampSigner, dumps/loads
  coatcheck/cookies   Django's cookie parsing, Set-Cookie serialization, signed cookies

Try it
  node -e "import('coatcheck/signing').then(s => console.log(s.dumps({ hi: 1 }, { key: 'k' })))"

Read next
  README.md        quickstart
  src/signing/     start at index.ts
  src/cookies/     start at index.ts
  npm test         the whole suite (type check, lint, build, tests)
`;
console.log(tour.trim());
