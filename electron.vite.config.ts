// electron-vite builds three bundles into out/: main (ESM, the Electron entry), preload (CommonJS,
// because a sandboxed preload cannot load ES modules, with everything inlined) and the renderer
// (src/renderer/index.html, whose CSP meta allows only its own scripts and styles).

import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

// The dev server injects an inline React-refresh preamble that the strict CSP would block; the
// policy only matters for what ships, so it is dropped while serving and kept in every build.
const cspOnlyInBuild: Plugin = {
  name: 'vigil-csp-only-in-build',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/s, ''),
};

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: { input: { index: resolve(__dirname, 'src/main/shell/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload gets no `require` of node_modules: bundle everything it uses.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react(), cspOnlyInBuild],
    build: {
      outDir: 'out/renderer',
      rolldownOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
      // No inline scripts or data: modules — the CSP forbids them.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      minify: true,
      // One local bundle (React, recharts, zod), read from disk or localhost: size warnings do not apply.
      chunkSizeWarningLimit: 1024,
    },
  },
});
