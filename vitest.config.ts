import { defineConfig } from 'vitest/config';

// Unit tests (x.test.ts) and integration tests (x.int.test.ts) live beside the code.
// Playwright specs live in e2e/ and are not picked up here.
export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'src/**/*.test.{ts,tsx}',
      'workers/**/*.test.ts',
      'server/**/*.test.ts',
      'cli/**/*.test.ts',
      'scripts/**/*.test.ts',
      'bench/**/*.test.ts',
      'integration/**/*.test.ts',
    ],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
