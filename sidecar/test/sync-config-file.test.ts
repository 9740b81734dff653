/**
 * The sync settings from the config file's `sync` block: what a sidecar started at logon or as a service (no
 * terminal environment) needs to poll the platform and take a push. The built CLI serves a temporary data dir with
 * no PREALERT_SYNC_* variable at all, the provincial platform stand-in on loopback publishes a bundle of the real
 * NHSA files, and a second one is pushed over HTTP.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { loadConfig } from '../src/config';
import { loadSyncConfig } from '../src/sync/sync-config';
import { pushBody } from './helpers/pushed-bundle';
import { CLI, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { BundleFactory, provincialCsv, tempDir, waitFor } from './sync-support';

const TOKEN = 'config-file-sync-token-0123456789';
let bundles: BundleFactory;
const PULLED = 'prov44-2026.11';
const PUSHED = 'prov44-2026.12';
let pulled: ReturnType<BundleFactory['write']>;
let pushed: ReturnType<BundleFactory['write']>;
let platform: ProvincialPlatform;
const work = tempDir('sync-config-file');

/** Every PREALERT_SYNC_* variable unset for the child: the file is the only source, as at logon. */
const noSyncEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => name.startsWith('PREALERT_SYNC_'))
    .map((name) => [name, undefined]),
);

beforeAll(async () => {
  bundles = new BundleFactory(path.join(work, 'bundles'));
  // Not the bundled library's version (V2): the pull must show as a new version on the sidecar.
  const csv = provincialCsv(bundles.dir);
  pulled = bundles.write('pulled', bundles.library(PULLED, { revision: true, extra: [csv] }));
  pushed = bundles.write('pushed', bundles.library(PUSHED, { revision: true, extra: [csv] }), pulled);
  platform = await startPlatform({ bundleDir: path.join(work, 'platform') });
  platform.publish(pulled.dir);
});

let sidecar: RunningSidecar | undefined;
afterAll(async () => {
  await sidecar?.stop();
  await platform?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function configFile(name: string, settings: Record<string, unknown>): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'prealert.config.json');
  fs.writeFileSync(file, JSON.stringify(settings, null, 2), { mode: 0o600 });
  return file;
}

async function status(url: string): Promise<{ library: { version: string }; sync: Record<string, unknown> }> {
  const response = await fetch(`${url}/v1/status`);
  return (await response.json()) as { library: { version: string }; sync: Record<string, unknown> };
}

describe('sync settings in the config file', () => {
  it('a sidecar with them only in its config file polls the platform and takes a signed push', async () => {
    // The key beside the config file, named relative to it as dataDir and log.file may be.
    const file = configFile('good', {
      adminToken: TOKEN,
      sync: { url: platform.bundleUrl, pubkey: 'bundle.pub', intervalS: 3600, region: 'national' },
    });
    fs.copyFileSync(bundles.keys.publicKeyFile, path.join(path.dirname(file), 'bundle.pub'));
    sidecar = await spawnSidecar(path.join(work, 'good', 'data'), ['--config', file], noSyncEnv);
    const url = sidecar.url;

    const polled = await waitFor(
      `${PULLED} pulled from the platform`,
      async () => {
        const s = await status(url);
        return s.library.version === PULLED ? s : undefined;
      },
      90_000,
    );
    expect(polled.sync).toMatchObject({ url: platform.bundleUrl, push_enabled: true });
    expect(platform.requests.some((r) => r.target === 'library' && r.status === 200)).toBe(true);

    const push = await fetch(`${url}/v1/admin/bundle`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
      body: new Uint8Array(pushBody(pushed)),
    });
    expect(push.status, await push.clone().text()).toBe(200);
    expect((await status(url)).library.version).toBe(PUSHED);
    expect(await sidecar.stop()).toBe(0);
    sidecar = undefined;
    // A start, a pull of the whole national library and a push: more than the default 30 s on a busy 2-CPU machine.
  }, 180_000);

  it('refuses a bad value or an unknown key in the sync block at start, naming it, with nothing written', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { url: 'https://cdn.example/b/', pubkey: 'k.pub', whenStale: 'sometimes' },
        'sync.whenStale must be serve or refuse',
      ],
      [{ url: 'ftp://cdn.example/b/', pubkey: 'k.pub' }, 'sync.url must be an http(s) URL'],
      [{ intervalS: '5m' }, 'sync.intervalS must be a positive number of seconds'],
      [{ maxDropShare: 50 }, 'sync.maxDropShare must be a share from 0 to 1'],
      [{ pubkey: [] }, 'sync.pubkey must be the path of a PEM public key'],
      [{ url: 'https://cdn.example/b/' }, 'sync.url is set but sync.pubkey'],
      [{ pubKey: 'k.pub' }, 'sync.pubKey is not a known setting'],
      // Read only inside createServer before, after the data dir was locked and written, and named as the variable.
      [{ url: 'https://cdn.example/b/', pubkey: 'missing.pub' }, 'sync.pubkey: '],
    ];
    for (const [i, [sync, message]] of cases.entries()) {
      const file = configFile(`bad-${i}`, { sync });
      const dataDir = path.join(work, `bad-${i}`, 'data');
      const result = spawnSync(
        process.execPath,
        [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--config', file],
        {
          env: { ...process.env, ...noSyncEnv },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`prealert: prealert.config.json: ${message}`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(dataDir)).toBe(false);
    }
  }, 120_000);

  it('the environment wins over the file, setting by setting', () => {
    const file = configFile('both', {
      sync: { url: 'https://file.example/bundles/', pubkey: 'file.pub', region: '440000', timeoutS: 30 },
    });
    const env = { PREALERT_SYNC_REGION: '450000', PREALERT_SYNC_PUBKEY: '/etc/prealert/env.pub' };
    const config = loadConfig({ env, configFile: file, overrides: { dataDir: path.join(work, 'both') } });
    const sync = loadSyncConfig(env, config.sync);
    expect(sync).toMatchObject({
      url: 'https://file.example/bundles/',
      region: '450000',
      publicKeyFiles: [path.resolve('/etc/prealert/env.pub')],
      timeoutMs: 30_000,
    });
    expect(loadSyncConfig({}, config.sync).publicKeyFiles).toEqual([path.join(path.dirname(file), 'file.pub')]);
  });
});
