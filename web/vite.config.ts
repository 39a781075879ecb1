// Build of the browser UI: `npx vite build --config web/vite.config.ts` (from the repository root) writes dist/web/,
// which the API server serves at `/`. `npx vite --config web/vite.config.ts` starts a dev server that forwards /api to
// a running `mizugiwa serve` (MIZUGIWA_API, default http://127.0.0.1:8080).
import { defineConfig } from 'vite';

const api = process.env.MIZUGIWA_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Vite 8 compiles TSX with Oxc; the automatic runtime imports react/jsx-runtime itself.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
  },
  server: {
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
});
