import { defineConfig } from 'vitest/config';

// The multi-instance tests need a redis-server binary, so they run apart from `npm test`: `npm run test:redis`.
export default defineConfig({
  test: {
    root: '.',
    include: ['signaling-server/**/*.redis-test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
