/**
 * `prealert rollback` with the sidecar stopped and nothing to go back to names the data dir it looked in, as `stats`
 * names the one it read: run as another account, or without the service's --data-dir, it looks in another folder
 * than the sidecar's, and "there is no previous library version to roll back to" alone sent IT to the library
 * instead. A data dir that does not exist is left uncreated. The built CLI, a real data directory, a real bundle from
 * the NHSA files pulled from the provincial platform simulator on loopback.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { freeLoopbackPort } from './helpers/free-port';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { BundleFactory, pullInTurn, tempDir, Workstations } from './sync-support';

let platform: ProvincialPlatform;
let bundles: BundleFactory;
const workstations = new Workstations();
const work = tempDir('rollback-data-dir');

beforeAll(async () => {
  bundles = new BundleFactory();
  platform = await startPlatform();
});

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** `prealert rollback --data-dir <dir>` where no sidecar listens, as IT runs it on a workstation. */
async function rollbackOffline(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, 'rollback', '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PREALERT_PORT: String(await freeLoopbackPort()), PREALERT_ADMIN_TOKEN: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('an offline rollback with nothing to go back to', () => {
  it('names the data dir it looked in, and creates nothing in a data dir that does not exist', async () => {
    const missing = path.join(work, 'not-the-sidecars');
    const result = await rollbackOffline(missing);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      `prealert: there is no previous library version to roll back to in ${missing}: no synced or pushed library is ` +
        `stored there (${path.join(missing, 'library', 'state.json')} does not exist); check that it is the data dir ` +
        'the sidecar runs with (--data-dir, PREALERT_DATA_DIR)',
    );
    expect(fs.existsSync(path.join(missing, 'library'))).toBe(false);
  });

  it('names the data dir and the one version its state holds when it holds only the one it runs', async () => {
    const dataDir = workstations.freshDataDir('one-version');
    const { sync } = workstations.follow(platform, bundles.keys, dataDir);
    await sync.restore();
    await pullInTurn(platform, sync, [bundles.write('a', bundles.library('prov-a'))]);
    await sync.stop();
    // A state.json lost to a damaged disk is rebuilt from the stored versions at the next start: the one pulled
    // version, with nothing before it (the bundled library has no stored copy).
    fs.writeFileSync(path.join(dataDir, 'library', 'state.json'), '\0\0\0\0');
    const rebuilt = workstations.follow(platform, bundles.keys, dataDir, { startEmpty: true });
    await rebuilt.sync.restore();
    await rebuilt.sync.stop();
    const state = fs.readFileSync(path.join(dataDir, 'library', 'state.json'), 'utf8');

    const result = await rollbackOffline(dataDir);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      new RegExp(
        `^prealert: there is no previous library version to roll back to in ${escapeRegExp(dataDir)}: ` +
          `${escapeRegExp(path.join(dataDir, 'library', 'state.json'))} names only prov-a, the version it runs$`,
      ),
    );
    expect(fs.readFileSync(path.join(dataDir, 'library', 'state.json'), 'utf8')).toBe(state);
  }, 120_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
