import type { NextConfig } from 'next';

const config: NextConfig = {
  // The adapter under test is the source, as every other adapter's test runs it: Next compiles
  // it into the app as it compiles a user's copy from the package (the root tsconfig.json maps
  // the name the same way for the type check).
  turbopack: { resolveAlias: { 'coatcheck/next': '../../../src/adapters/next.ts' } },
  // `npm run typecheck` checks the route with the repository's settings; the build need not.
  typescript: { ignoreBuildErrors: true },
  distDir: '.next-test',
};

export default config;
