import type { NextConfig } from 'next';

const config: NextConfig = {
  // The tests build into a directory of their own; `next build` alone uses .next.
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
};

export default config;
