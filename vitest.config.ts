import { defineConfig } from 'vitest/config';

// Three projects: fast unit tests that need nothing, native tests that load
// the addon and run whisper (one file at a time: each already uses both
// cores), and tests against a real Redis.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/native/**', 'test/**/*.redis.test.ts', 'node_modules/**'],
        },
      },
      {
        // Against the real Redis at 127.0.0.1:6379 (.ci/run starts it); every
        // test uses its own random key prefix, so files may run side by side.
        test: {
          name: 'redis',
          include: ['test/**/*.redis.test.ts'],
          globalSetup: ['test/native/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'native',
          include: ['test/native/**/*.test.ts'],
          globalSetup: ['test/native/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
