import { defineConfig } from 'vitest/config';

// One config for the demo build (client/ → dist/client) and for the unit and simulation tests.
export default defineConfig({
  root: 'client',
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
  },
  test: {
    root: '.',
    include: ['shared/**/*.test.ts', 'client/**/*.test.ts', 'signaling-server/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
