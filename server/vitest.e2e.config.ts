import { defineConfig } from 'vitest/config';

// The end-to-end suite: real headless Chromium (Debian's package) against the built pages
// (`npm run build` first). Not part of `npm test`, which needs only Node.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
