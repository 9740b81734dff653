import { defineConfig } from 'tsup';

// Browser bundles: ESM for modern pages (and the sidecar's reminder page), IIFE (`PrealertWidget` global)
// for doctor stations that add a plain <script>. No Node APIs may be imported from src/.
export default defineConfig({
  entry: { index: 'src/index.ts', 'reminder-page': 'src/page.ts' },
  format: ['esm', 'iife'],
  globalName: 'PrealertWidget',
  platform: 'browser',
  target: ['es2020', 'chrome80', 'firefox78', 'safari14'],
  // Only core's and the SDK's types are inlined (the published package has no dependencies); their own dependencies
  // stay out. @prealert/client is a dev dependency like core, so tsup bundles its `./vanished` code rather than
  // leaving an import of it.
  dts: { entry: { index: 'src/index.ts' }, resolve: ['@prealert/core', '@prealert/client'] },
  sourcemap: true,
  splitting: true,
  clean: true,
  minify: false,
});
