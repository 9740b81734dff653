import { defineConfig } from 'tsup';

export default defineConfig({
  // The packing worker is its own file: library-packer starts it as dist/packing-worker.js.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'packing-worker': 'src/sync/packing-worker.ts' },
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Native addon: must be resolved from node_modules at run time, never bundled.
  external: ['better-sqlite3'],
});
