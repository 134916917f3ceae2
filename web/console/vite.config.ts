import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the Go binary at /console (web/console/console.go
// embeds dist/). `npm run dev` proxies the API to a node on :8080.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: process.env.CONSOLE_OUT_DIR || 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // One script and one stylesheet: the page loads nothing else.
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    rollupOptions: { output: { manualChunks: undefined } },
  },
  server: {
    proxy: {
      '/query': { target: 'http://localhost:8080', ws: true },
      '/export': 'http://localhost:8080',
    },
  },
});
