import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of the workspace packages; processes the tests
    // spawn (sidecar, shim) run the built artefacts, which `pnpm test` builds first.
    alias: {
      '@prealert/core': src('./packages/core/src/index.ts'),
      // Before '@prealert/client': an alias also matches its subpaths, which would land inside index.ts.
      '@prealert/client/vanished': src('./packages/client/src/vanished.ts'),
      '@prealert/client/read-result': src('./packages/client/src/read-result.ts'),
      '@prealert/client': src('./packages/client/src/index.ts'),
      '@prealert/widget': src('./packages/widget/src/index.ts'),
      '@prealert/rules-cache': src('./rules-cache/src/index.ts'),
      '@prealert/sidecar': src('./sidecar/src/index.ts'),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: [
            'packages/*/test/**/*.test.ts',
            'rules-cache/test/**/*.test.ts',
            'sidecar/test/**/*.test.ts',
            'native-shim/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'tests/**/*.test.ts',
          ],
        },
      },
      {
        // Hospital workstations run in China Standard Time and CI in UTC: a date read in local time by mistake
        // (`new Date('2026-11-01 07:00:00')`, getDate()) is right in UTC and a day off in Shanghai. The packages where
        // every day and age is computed, and the widget's, which dates in the doctor's browser, run again in that zone
        // (about a minute and a half on two cores).
        extends: true,
        test: {
          name: 'shanghai',
          include: [
            'packages/core/test/**/*.test.ts',
            'packages/client/test/**/*.test.ts',
            'packages/widget/test/**/*.test.ts',
            'rules-cache/test/**/*.test.ts',
          ],
          env: { TZ: 'Asia/Shanghai' },
          setupFiles: ['./vitest.shanghai.ts'],
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // expect.poll's own default is 1 s: a browser event (a beforeunload dialog, a focus move, a 3103 delivered)
    // took longer than that on the two shared cores under CI load (e2e-widget-outage's storage-full test, once).
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // One temporary root for the whole run, removed at its end (PREALERT_KEEP_TEST_TMP=1 keeps it).
    globalSetup: ['./vitest.tmp-root.ts'],
    setupFiles: ['./vitest.setup.ts'],
  },
});
