// Which build of the shim sits beside a HIS: prealert_version() and the diagnostics log name the same build identity
// as the sidecar built from the same checkout (`0.1.0+<commit>.<day>`, scripts/build-identity.mjs), where every
// build used to say `0.1.0`; and build.mjs rebuilds a shim whose identity changed though no source did (a new commit,
// another BUILD_ID), where its mtime check kept the shim built at the older commit.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON, REPO_DIR, SHIM_DIR } from './support/paths';
import { loadShim, type ShimLibrary } from './support/shim-addon';
import { sidecarBuild } from './support/sidecar-build';

const STALE_SIDECAR = 'the shim names another build than sidecar/dist (after a commit, run `pnpm build:js`)';

describe('prealert_version() of the built .so', () => {
  let shim: ShimLibrary;
  beforeAll(() => {
    shim = loadShim();
  }, 240_000);

  it('names the build the sidecar of this checkout names, in the shape HIS code parses', () => {
    const build = sidecarBuild();
    expect(build, 'sidecar --version').toMatch(/^\d+\.\d+\.\d+\S*$/);
    expect(shim.version(), STALE_SIDECAR).toBe(`prealert-shim ${build} proto=1 linux-x64`);
  });
});

/** The parts of the checkout build.mjs reads, copied where no git is (as an exported tarball). */
function copyBuildTree(root: string): void {
  const shim = path.join(root, 'native-shim');
  for (const part of ['src', 'include', 'scripts', 'addon', path.join('test', 'c'), 'package.json']) {
    fs.cpSync(path.join(SHIM_DIR, part), path.join(shim, part), {
      recursive: true,
      filter: (from) => path.basename(from) !== 'build',
    });
  }
  fs.cpSync(path.join(REPO_DIR, 'examples', 'his-desktop-c'), path.join(root, 'examples', 'his-desktop-c'), {
    recursive: true,
  });
  fs.mkdirSync(path.join(root, 'scripts'));
  fs.copyFileSync(
    path.join(REPO_DIR, 'scripts', 'build-identity.mjs'),
    path.join(root, 'scripts', 'build-identity.mjs'),
  );
}

describe('build.mjs up-to-date check', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-identity-'));
  const shimDir = path.join(root, 'native-shim');
  beforeAll(() => {
    copyBuildTree(root);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('rebuilds the .so when BUILD_ID changes though no source did; keeps it while BUILD_ID stays', () => {
    const library = path.join(shimDir, 'build', `${process.platform}-${process.arch}`, 'libprealert.so');
    const build = (buildId: string) => {
      const result = spawnSync(process.execPath, [path.join(shimDir, 'scripts', 'build.mjs'), 'linux'], {
        encoding: 'utf8',
        env: { ...process.env, BUILD_ID: buildId },
      });
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
      return result.stdout;
    };
    const addon = createRequire(import.meta.url)(ADDON) as { open(file: string): ShimLibrary };
    // Each look through a copy of its own: a .so loaded once stays loaded (-z nodelete) under its path.
    let looks = 0;
    const versionOf = () => {
      const copy = path.join(root, `look-${++looks}.so`);
      fs.copyFileSync(library, copy);
      return addon.open(copy).version();
    };
    const { version } = JSON.parse(fs.readFileSync(path.join(shimDir, 'package.json'), 'utf8')) as {
      version: string;
    };

    build('first.1');
    expect(versionOf()).toBe(`prealert-shim ${version}+first.1 proto=1 linux-x64`);
    const builtAt = fs.statSync(library).mtimeMs;

    expect(build('first.1')).toContain('up to date');
    expect(fs.statSync(library).mtimeMs).toBe(builtAt);

    expect(build('second.2')).toContain(`(${version}+second.2)`);
    expect(versionOf()).toBe(`prealert-shim ${version}+second.2 proto=1 linux-x64`);
  }, 240_000);

  it('refuses a BUILD_ID it cannot carry, naming it', () => {
    const result = spawnSync(process.execPath, [path.join(shimDir, 'scripts', 'build.mjs'), 'linux'], {
      encoding: 'utf8',
      env: { ...process.env, BUILD_ID: 'has space' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('BUILD_ID "has space"');
  });
});
