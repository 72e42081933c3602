import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{shared,command-api,projector,query-api,notifier,infra}/src/**/*.unit.test.ts',
            'bench/**/*.unit.test.ts',
            'tests/static/**/*.test.ts',
            'tests/support/**/*.unit.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'stack',
          include: ['tests/int/**/*.int.test.ts', 'tests/e2e/**/*.e2e.test.ts'],
          // One isolated stack for the whole run, started once: integration tests use its Postgres
          // cluster (a database per file), end-to-end tests the whole pipeline. Files run one at a time.
          globalSetup: ['tests/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
