import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig, type Options } from 'tsup';

// The builds below run at once, so none may clean dist/ (one could remove what another wrote): it is
// emptied here, once, before either starts.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const undiciLicence = path.join(path.dirname(createRequire(import.meta.url).resolve('undici/package.json')), 'LICENSE');

// The national types come from @prealert/core (a dev dependency): inline them so the published
// declarations stand alone. Only core's: its own dependencies (ajv …) are not part of this API.
const dtsResolve: Options['dts'] = { resolve: ['@prealert/core'] };

const shared: Options = { format: ['esm', 'cjs'], target: 'node20', platform: 'node' };

// undici is bundled, not a dependency, so the tarball installs where no registry can be reached. Once, in CommonJS
// (undici is CommonJS; in an ESM bundle its require() of Node's modules would throw), as dist/undici-pool.cjs, which
// both builds of index load: ESM by import, which Node allows for CommonJS.
const undiciPoolOnItsOwn: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'undici-pool-on-its-own',
  setup(build) {
    build.onResolve({ filter: /^\.\/undici-pool$/ }, () => ({ path: './undici-pool.cjs', external: true }));
  },
};

export default defineConfig([
  {
    ...shared,
    // `./vanished` and `./read-result` are entries of their own (subpath exports): the widget bundles VanishedWarnings
    // and readResult from them without the SDK's Node transport (undici) that the main entry pulls in. Built here with
    // index so ESM shares one class.
    entry: { index: 'src/index.ts', vanished: 'src/vanished.ts', 'read-result': 'src/read-result.ts' },
    esbuildPlugins: [undiciPoolOnItsOwn],
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
  {
    ...shared,
    format: ['cjs'],
    entry: { 'undici-pool': 'src/undici-pool.ts' },
    noExternal: [/^undici(\/|$)/],
    // undici asks for Node's modules as `node:…`; without the prefix `require("sqlite")` (a module Node has only
    // under `node:`) would find an npm package of that name in the HIS project.
    removeNodeProtocol: false,
    // No source map: it would carry undici's sources a second time. undici's licence goes with its code.
    onSuccess: async () => {
      const licences = new URL('./dist/licenses/', import.meta.url);
      mkdirSync(licences, { recursive: true });
      copyFileSync(undiciLicence, new URL('undici.LICENSE', licences));
    },
    clean: false,
  },
]);
