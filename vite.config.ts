import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One config for the demo build (client/ → dist/client) and for the unit and simulation tests.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: 'client',
  // The demo and the harness import the package by name, as an app does (tsconfig.json's `paths` too).
  resolve: {
    alias: [
      { find: /^shoal$/, replacement: source('./client/index.ts') },
      { find: /^shoal\/node$/, replacement: source('./client/node.ts') },
      { find: /^shoal\/react$/, replacement: source('./client/react/index.ts') },
      { find: /^shoal\/server$/, replacement: source('./signaling-server/package-entry.ts') },
    ],
  },
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./client/index.html', import.meta.url)),
        // The e2e tests' page: the library on `window`, joining from URL parameters.
        harness: fileURLToPath(new URL('./client/harness/index.html', import.meta.url)),
      },
    },
  },
  test: {
    root: '.',
    include: ['shared/**/*.test.ts', 'client/**/*.test.ts', 'signaling-server/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
