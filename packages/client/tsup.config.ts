import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // The national types come from @prealert/core (a dev dependency): inline them so the published
  // declarations stand alone. Only core's: its own dependencies (ajv …) are not part of this API.
  dts: { resolve: ['@prealert/core'] },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});
