import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { withBuildLock } from './build-lock';
import { BUILD_DIR, SHIM_DIR } from './paths';

/**
 * Runs native-shim/scripts/build.mjs (a no-op when everything is up to date), so the test files work
 * without a prior `pnpm build`. Test files run in parallel forks: a lock directory keeps two builds
 * from writing the same outputs at once.
 */
export function buildShim(): void {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  withBuildLock(path.join(BUILD_DIR, '.build-lock'), () => {
    const result = spawnSync(process.execPath, [path.join(SHIM_DIR, 'scripts', 'build.mjs')], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`native-shim build failed:\n${result.stdout}\n${result.stderr}`);
  });
}
