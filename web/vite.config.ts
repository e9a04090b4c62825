import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server serves dist/index.html at /interview/<token> and dist/assets/* under /assets/, with a
// Content-Security-Policy that allows no inline script or style: so nothing is inlined here.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});
