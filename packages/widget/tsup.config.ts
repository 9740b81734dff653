import { defineConfig } from 'tsup';

// Browser bundles: ESM for modern pages (and the sidecar's reminder page), IIFE (`PrealertWidget` global)
// for doctor stations that add a plain <script>. No Node APIs may be imported from src/.
export default defineConfig({
  entry: { index: 'src/index.ts', 'reminder-page': 'src/page.ts' },
  format: ['esm', 'iife'],
  globalName: 'PrealertWidget',
  platform: 'browser',
  target: ['es2020', 'chrome80', 'firefox78', 'safari14'],
  // Only core's types are inlined (the published package has no dependencies); its own dependencies stay out.
  dts: { entry: { index: 'src/index.ts' }, resolve: ['@prealert/core'] },
  sourcemap: true,
  splitting: true,
  clean: true,
  minify: false,
});
