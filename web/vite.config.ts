import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: web/ → dist/web/, served by `holdfast start` at `/`. No framework plugin
 * is needed: Vite compiles TSX with React's automatic runtime itself.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The server's policy allows no inline script or style: everything is a file.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Query marks its modules "use client" for server-component bundlers; meaningless here.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    // `npm run dev:web` proxies the API to a running `holdfast start`.
    proxy: {
      '/v1': { target: process.env.HOLDFAST_URL ?? 'http://127.0.0.1:8080', ws: true },
      '/health': process.env.HOLDFAST_URL ?? 'http://127.0.0.1:8080',
    },
  },
});
