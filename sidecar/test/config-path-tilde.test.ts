// `"dataDir": "~/prealert 数据"` in prealert.config.json made a folder literally named `~` beside the config file:
// the records lived where nobody looks, the shim (looking in ~/.local/share/prealert) found no port file, and an
// `rm -rf ~` typed in a shell to clean that folder up deletes the home directory. IT writes `~/` by habit, also in a
// unit file or a .desktop Exec= line where no shell expands it: a leading `~/` (or `~` alone) is now the home of the
// account prealert runs as, in every path setting; `~name/…` is refused in one line naming the setting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKeys } from '@prealert/rules-cache';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { loadSyncConfig } from '../src/sync/sync-config';
import { spawnSidecar } from './helpers/spawn-sidecar';

const made: string[] = [];

function folder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('~ in path settings', () => {
  it('the config file: dataDir and log.file under the home, no folder named ~ beside the file', () => {
    const home = folder('prealert-tilde-home-');
    const config = path.join(folder('prealert-tilde-config-'), 'tilde.json');
    fs.writeFileSync(config, JSON.stringify({ dataDir: '~/prealert 数据', log: { file: '~/日志/prealert.log' } }));
    const loaded = loadConfig({ configFile: config, env: { HOME: home } });
    expect(loaded.dataDir).toBe(path.join(home, 'prealert 数据'));
    expect(loaded.log.file).toBe(path.join(home, '日志', 'prealert.log'));
    expect(loadConfig({ configFile: config, env: { HOME: home } }).dataDir).not.toContain(`${path.sep}~`);
    fs.writeFileSync(config, JSON.stringify({ dataDir: '~' }));
    expect(loadConfig({ configFile: config, env: { HOME: home } }).dataDir).toBe(home);
    expect(fs.readdirSync(path.dirname(config))).toEqual(['tilde.json']);
  });

  it('PREALERT_DATA_DIR, --data-dir and --config: the same', () => {
    const home = folder('prealert-tilde-home-');
    fs.writeFileSync(path.join(home, 'p.json'), JSON.stringify({ port: 18001 }));
    expect(loadConfig({ env: { HOME: home, PREALERT_DATA_DIR: '~/env' } }).dataDir).toBe(path.join(home, 'env'));
    expect(loadConfig({ env: { HOME: home }, overrides: { dataDir: '~/flag' } }).dataDir).toBe(path.join(home, 'flag'));
    const viaFlag = loadConfig({ env: { HOME: home }, configFile: '~/p.json', overrides: { dataDir: home } });
    expect({ file: viaFlag.configFile, port: viaFlag.port }).toEqual({ file: path.join(home, 'p.json'), port: 18001 });
    const viaEnv = loadConfig({ env: { HOME: home, PREALERT_CONFIG: '~/p.json', PREALERT_DATA_DIR: home } });
    expect(viaEnv.configFile).toBe(path.join(home, 'p.json'));
  });

  it('~name (another account) is refused in one line naming the setting', () => {
    const home = folder('prealert-tilde-home-');
    const config = path.join(folder('prealert-tilde-config-'), 'prealert.config.json');
    fs.writeFileSync(config, JSON.stringify({ dataDir: '~doctor/prealert' }));
    expect(() => loadConfig({ configFile: config, env: { HOME: home } })).toThrow(ConfigError);
    expect(() => loadConfig({ configFile: config, env: { HOME: home } })).toThrow(
      'prealert.config.json: dataDir: "~doctor/prealert" starts with ~ and a name: another account\'s home is not looked up; give an absolute path (or ./~doctor/prealert for a folder of that name)',
    );
    fs.writeFileSync(config, JSON.stringify({ log: { file: '~it/p.log' } }));
    expect(() => loadConfig({ configFile: config, env: { HOME: home, PREALERT_DATA_DIR: home } })).toThrow(
      /^prealert\.config\.json: log\.file: "~it\/p\.log" starts with ~ and a name/,
    );
    expect(() => loadConfig({ env: { HOME: home, PREALERT_DATA_DIR: '~x' } })).toThrow(/^PREALERT_DATA_DIR: "~x"/);
    // A folder so named is still reachable, written as a relative path.
    fs.writeFileSync(config, JSON.stringify({ dataDir: './~doctor' }));
    expect(loadConfig({ configFile: config, env: { HOME: home } }).dataDir).toBe(
      path.join(path.dirname(config), '~doctor'),
    );
  });

  // PREALERT_SYNC_PUBKEY was path.resolve()d alone: `~/keys/prealert-bundle.pub` was looked for in a folder named ~
  // under the folder prealert was started from, and the start stopped saying the key could not be read.
  it('PREALERT_SYNC_PUBKEY: each key file of the list under the home, ~name refused naming it', () => {
    const home = folder('prealert-tilde-home-');
    const env = { HOME: home, PREALERT_SYNC_PUBKEY: `~/keys/a.pub${path.delimiter}/etc/prealert/b.pub` };
    expect(loadSyncConfig(env).publicKeyFiles).toEqual([path.join(home, 'keys', 'a.pub'), '/etc/prealert/b.pub']);
    expect(() => loadSyncConfig({ HOME: home, PREALERT_SYNC_PUBKEY: '~it/keys/a.pub' })).toThrow(
      /^PREALERT_SYNC_PUBKEY: "~it\/keys\/a\.pub" starts with ~ and a name/,
    );
  });

  it('PREALERT_SYNC_PUBKEY=~/… over a real start: the key under HOME is read and the sidecar serves', async (ctx) => {
    if (process.platform === 'win32') return ctx.skip('HOME is not the home on Windows (USERPROFILE is)');
    const home = folder('prealert-tilde-home-');
    generateSigningKeys(path.join(home, 'keys'));
    const sidecar = await spawnSidecar(path.join(home, 'data'), [], {
      HOME: home,
      // Nothing listens on port 9: the key is read at start, before any poll.
      PREALERT_SYNC_URL: 'http://127.0.0.1:9/bundles/',
      PREALERT_SYNC_PUBKEY: '~/keys/prealert-bundle.pub',
      PREALERT_SYNC_INTERVAL_S: '3600',
    });
    try {
      expect((await fetch(`${sidecar.url}/healthz`)).status).toBe(200);
      expect(sidecar.output()).not.toMatch(/PREALERT_SYNC_PUBKEY/);
    } finally {
      await sidecar.stop();
    }
  });
});
