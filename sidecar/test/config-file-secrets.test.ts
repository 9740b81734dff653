/**
 * The start-up warning about a config file other accounts may read, from the built CLI as a real process: it names
 * every secret the file holds by its config path (the gateway's TIF token, static headers, URL userinfo and query
 * keys too, not only the two tokens), and never a secret's value.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKeys } from '@prealert/rules-cache';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { until } from './helpers/until';

const SECRET_VALUES = [
  'config-secrets-admin-token',
  'config-secrets-shim-token',
  'TIFTOKENSECRET999',
  'UPSTREAMHEADERSECRET',
  'gwSecretPass',
  'UPSTREAMKEY123',
  'pfSecretPass',
  'PLATFORMKEY123',
  'PLATFORMHEADERSECRET',
];

const dirs: string[] = [];
const running: RunningSidecar[] = [];
afterAll(async () => {
  for (const sidecar of running) await sidecar.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

interface Warning {
  level: number;
  config_file: string;
  secrets: string[];
  msg: string;
}

/** A sidecar started on a data dir whose prealert.config.json (mode `mode`) holds `config`; its log lines. */
async function startWith(config: object, mode: number): Promise<{ sidecar: RunningSidecar; file: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-config-secrets-'));
  dirs.push(dataDir);
  const file = path.join(dataDir, 'prealert.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  fs.chmodSync(file, mode);
  const sidecar = await spawnSidecar(dataDir);
  running.push(sidecar);
  await until(() => sidecar.output().includes('prealert sidecar listening'));
  return { sidecar, file };
}

function warningsOf(sidecar: RunningSidecar): Warning[] {
  return sidecar
    .output()
    .split('\n')
    .filter((line) => line.includes('others may read it'))
    .map((line) => JSON.parse(line) as Warning);
}

// The review's example (gateway behind user:password and ?appkey=, a Bearer header, a TIF token; a platform with the
// same), on loopback ports nothing listens on: no request is made while the test runs.
const EVERY_SECRET = {
  adminToken: 'config-secrets-admin-token',
  shimToken: 'config-secrets-shim-token',
  upstream: {
    url: 'http://gwuser:gwSecretPass@127.0.0.1:9/fsi/api/rsfComIfsService/callService?appkey=UPSTREAMKEY123',
    headers: { Authorization: 'Bearer UPSTREAMHEADERSECRET' },
    tif: { paasId: 'paas1', token: 'TIFTOKENSECRET999' },
  },
  platform: {
    url: 'http://pfuser:pfSecretPass@127.0.0.1:9/collect?key=PLATFORMKEY123',
    headers: { 'X-Api-Key': 'PLATFORMHEADERSECRET' },
  },
};

describe.skipIf(process.platform === 'win32')('a config file others may read', () => {
  it('is warned about once, naming every secret it holds by its config path and none by its value', async () => {
    const { sidecar, file } = await startWith(EVERY_SECRET, 0o644);
    const warnings = warningsOf(sidecar);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    expect(warnings[0]!.config_file).toBe(file);
    expect(warnings[0]!.secrets).toEqual([
      'adminToken',
      'shimToken',
      'upstream.tif.token',
      'upstream.headers.Authorization',
      'upstream.url userinfo',
      'upstream.url ?appkey=',
      'platform.headers.X-Api-Key',
      'platform.url userinfo',
      'platform.url ?key=',
    ]);
    expect(warnings[0]!.msg).toBe(
      `config file ${file} holds adminToken, shimToken, upstream.tif.token, upstream.headers.Authorization, ` +
        'upstream.url userinfo, upstream.url ?appkey=, platform.headers.X-Api-Key, platform.url userinfo and ' +
        'platform.url ?key=, and others may read it: chmod 600 it (owner only)',
    );
    for (const value of SECRET_VALUES) expect(sidecar.output()).not.toContain(value);
  }, 60_000);

  it('is warned about when it holds only the gateway credentials (no admin or shim token)', async () => {
    const { sidecar, file } = await startWith(
      {
        upstream: {
          url: 'http://gwuser:gwSecretPass@127.0.0.1:9/fsi/api/rsfComIfsService/callService',
          tif: { paasId: 'paas1', token: 'TIFTOKENSECRET999' },
        },
      },
      0o640,
    );
    const warnings = warningsOf(sidecar);
    expect(warnings.map((w) => [w.config_file, w.secrets])).toEqual([
      [file, ['upstream.tif.token', 'upstream.url userinfo']],
    ]);
    for (const value of SECRET_VALUES) expect(sidecar.output()).not.toContain(value);
  }, 60_000);

  it("is warned about when its sync block's URL holds the bundle server's access key", async () => {
    const keys = generateSigningKeys(fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-config-secrets-keys-')));
    dirs.push(path.dirname(keys.publicKeyFile));
    const { sidecar, file } = await startWith(
      { sync: { url: 'http://127.0.0.1:9/bundles/?key=SYNCKEY123', pubkey: keys.publicKeyFile, intervalS: 3600 } },
      0o644,
    );
    expect(warningsOf(sidecar).map((w) => [w.config_file, w.secrets])).toEqual([[file, ['sync.url ?key=']]]);
    expect(sidecar.output()).not.toContain('SYNCKEY123');
  }, 60_000);

  it('is not warned about when owner-only, nor when it holds no secret', async () => {
    const ownerOnly = await startWith(EVERY_SECRET, 0o600);
    const noSecret = await startWith(
      { upstream: { url: 'http://127.0.0.1:9/fsi/api/rsfComIfsService/callService', headers: {} } },
      0o644,
    );
    expect(warningsOf(ownerOnly.sidecar)).toEqual([]);
    expect(warningsOf(noSecret.sidecar)).toEqual([]);
  }, 90_000);
});
