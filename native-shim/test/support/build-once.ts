import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, SHIM_DIR } from './paths';

/**
 * Runs native-shim/scripts/build.mjs (a no-op when everything is up to date), so the test files work
 * without a prior `pnpm build`. Test files run in parallel forks: a lock directory keeps two builds
 * from writing the same outputs at once.
 */
export function buildShim(): void {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const lock = path.join(BUILD_DIR, '.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`native-shim build lock ${lock} held for 3 minutes`);
      // A lock left by a killed run is stale after 3 minutes.
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 180_000) fs.rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    const result = spawnSync(process.execPath, [path.join(SHIM_DIR, 'scripts', 'build.mjs')], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`native-shim build failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
