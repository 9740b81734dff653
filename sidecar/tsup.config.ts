import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { buildIdentity } from '../scripts/build-identity.mjs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  // The workers are their own files: library-packer starts dist/packing-worker.js, wal-checkpointer
  // dist/checkpoint-worker.js, record-sink dist/record-writer-worker.js, analysis-thread dist/analysis-worker.js,
  // figures-reader dist/figures-worker.js.
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    'packing-worker': 'src/sync/packing-worker.ts',
    'checkpoint-worker': 'src/store/checkpoint-worker.ts',
    'record-writer-worker': 'src/store/record-writer-worker.ts',
    'analysis-worker': 'src/analysis/analysis-worker.ts',
    'figures-worker': 'src/stats/figures-worker.ts',
  },
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Native addon: must be resolved from node_modules at run time, never bundled.
  external: ['better-sqlite3'],
  // The build names itself (commit and day, or BUILD_ID): software-version.ts reads it, with no git at run time.
  define: { __PREALERT_BUILD__: JSON.stringify(buildIdentity(version, fileURLToPath(new URL('.', import.meta.url)))) },
});
