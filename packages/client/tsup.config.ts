import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// The two builds below run at once, so neither may clean dist/ (one could remove what the other wrote): it is
// emptied here, once, before either starts.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

// The national types come from @prealert/core (a dev dependency): inline them so the published
// declarations stand alone. Only core's: its own dependencies (ajv …) are not part of this API.
const dtsResolve: Options['dts'] = { resolve: ['@prealert/core'] };

const shared: Options = { format: ['esm', 'cjs'], target: 'node20', platform: 'node' };

export default defineConfig([
  {
    ...shared,
    // `./vanished` and `./read-result` are entries of their own (subpath exports): the widget bundles VanishedWarnings
    // and readResult from them without the SDK's Node transport (undici) that the main entry pulls in. Built here with
    // index so ESM shares one class.
    entry: { index: 'src/index.ts', vanished: 'src/vanished.ts', 'read-result': 'src/read-result.ts' },
    // Declarations of index only: one rollup over both entries would move the shared types into a hashed chunk,
    // and index.d.ts would no longer stand alone.
    dts: { ...dtsResolve, entry: { index: 'src/index.ts' } },
    sourcemap: true,
    clean: false,
  },
  {
    ...shared,
    // vanished.d.ts on its own, self-contained too.
    entry: { vanished: 'src/vanished.ts' },
    dts: { ...dtsResolve, only: true },
    clean: false,
  },
  {
    ...shared,
    // read-result.d.ts likewise: one declaration build per entry, so none moves shared types into a hashed chunk.
    entry: { 'read-result': 'src/read-result.ts' },
    dts: { ...dtsResolve, only: true },
    clean: false,
  },
]);
