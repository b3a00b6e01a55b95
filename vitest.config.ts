import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests that need nothing, and native tests that load
// the addon and run whisper. Native files run one at a time: each already
// uses both cores, and they share generated fixtures.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/native/**', 'node_modules/**'],
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
