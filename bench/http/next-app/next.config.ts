import type { NextConfig } from 'next';

const src = '../../../src';

const config: NextConfig = {
  // coatcheck's source, as every other contender runs it, compiled into the app by Next as a
  // user's copy from the package is (the root tsconfig.json maps the names the same way).
  turbopack: {
    resolveAlias: {
      coatcheck: `${src}/index.ts`,
      'coatcheck/next': `${src}/adapters/next.ts`,
      'coatcheck/stores/signed-cookie': `${src}/stores/signed-cookie.ts`,
    },
  },
  // `npm run typecheck` checks these files; the bench's build need not.
  typescript: { ignoreBuildErrors: true },
  distDir: '.next-bench',
};

export default config;
