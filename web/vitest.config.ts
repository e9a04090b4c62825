import { defineConfig } from 'vitest/config';

// Unit tests of the pages' pure parts (strings, formatting); the pages themselves are tested in
// real Chromium by the server's end-to-end suite (`npm run test:e2e`).
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
