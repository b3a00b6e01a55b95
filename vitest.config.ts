import { defineConfig } from 'vitest/config';

// Four projects: fast unit tests that need nothing, native tests that load
// the addon and run whisper (one file at a time: each already uses both
// cores), tests against a real Redis, and the package test that packs and
// installs the project the way a user gets it.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/native/**',
            'test/**/*.redis.test.ts',
            'test/**/*.package.test.ts',
            'node_modules/**',
          ],
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
      {
        test: {
          name: 'package',
          include: ['test/**/*.package.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
