import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Suites too slow for every change: the hardening suites (fuzzing, fault
 * soaks, properties), any test named *.install.test.ts (it installs
 * packages) and any test named *.slow.test.ts (it runs 100,000 evaluations,
 * or otherwise takes seconds). `npm test` runs them; `npm run test:unit` (the
 * `unit` project) skips them.
 */
const SLOW = ['test/hardening/**/*.test.ts', 'test/**/*.install.test.ts', 'test/**/*.slow.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most tests wait on sockets, git and timers rather than the CPU: on a
    // 2-core machine two files at once finish well before one at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SLOW],
          // One worker runs many files and imports src/ once: half the CPU time.
          // These tests share no global state (no module mocks, no process.env
          // writes); the setup file takes back fake timers after each file.
          isolate: false,
          setupFiles: ['test/setup/fast-check.ts', 'test/setup/real-timers.ts'],
        },
      },
      // The hardening suites mock node:crypto, so each file keeps a fresh worker.
      { extends: true, test: { name: 'slow', include: SLOW, setupFiles: ['test/setup/fast-check.ts'] } },
    ],
  },
});
