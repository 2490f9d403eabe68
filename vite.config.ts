import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One config for the demo build (client/ → dist/client) and for the unit and simulation tests.
export default defineConfig({
  root: 'client',
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
