import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineConfig } from 'tsup';

const dist = fileURLToPath(new URL('./dist/', import.meta.url));

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The bundled national library's digest, from the code just built and the NHSA files it ships with: computed at
  // every start it would cost 0.1–0.5 s (national-digest.ts).
  async onSuccess() {
    const built = (await import(`${pathToFileURL(`${dist}index.js`).href}?${Date.now()}`)) as {
      loadNationalLibrary: () => unknown;
      librarySha256: (data: unknown) => string;
      NATIONAL_VERSION: string;
      NATIONAL_DIGEST_FILE: string;
    };
    const sha256 = built.librarySha256(built.loadNationalLibrary());
    writeFileSync(
      `${dist}${built.NATIONAL_DIGEST_FILE}`,
      `${JSON.stringify({ version: built.NATIONAL_VERSION, sha256 })}\n`,
    );
  },
});
