// A sidecar for the whole machine (PREALERT_DATA_SCOPE=machine) serves HIS processes running as other accounts: they
// must read its port file (the port, and the shim token on its second line) and drop 3103s into its spool while it
// is down; everything else stays owner-only. A per-user sidecar keeps everything owner-only, as before. The shim's
// side, run as real accounts over /var/lib/prealert, is native-shim/test/machine-scope.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { tempDataDir, testServer } from './helpers/test-server';

const mode = (file: string) => (fs.statSync(file).mode & 0o7777).toString(8);
const TOKEN = 'machine-scope-token-0123456789';

describe.skipIf(process.platform === 'win32')('data dir modes by PREALERT_DATA_SCOPE', () => {
  it('machine: passed through to a readable port file and an open spool, also in a folder made 0700 before', async () => {
    const dataDir = path.join(tempDataDir(), 'prealert');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    const server = await testServer({ dataDir, dataScope: 'machine', shimToken: TOKEN });
    try {
      const { port } = await server.listen();
      expect(fs.readFileSync(path.join(dataDir, 'port'), 'utf8')).toBe(`${port}\n${TOKEN}\n`);
      expect({
        dir: mode(dataDir),
        port: mode(path.join(dataDir, 'port')),
        spool: mode(path.join(dataDir, 'spool')),
        database: mode(path.join(dataDir, DATABASE_FILE_NAME)),
        secret: mode(path.join(dataDir, 'install.secret')),
        holder: mode(path.join(dataDir, 'sidecar.holder.json')),
      }).toEqual({ dir: '711', port: '644', spool: '3777', database: '600', secret: '600', holder: '600' });
    } finally {
      await server.close();
    }
  });

  it('user: all owner-only, and no spool made', async () => {
    const dataDir = path.join(tempDataDir(), 'prealert');
    const server = await testServer({ dataDir, shimToken: TOKEN });
    try {
      await server.listen();
      expect({ dir: mode(dataDir), port: mode(path.join(dataDir, 'port')) }).toEqual({ dir: '700', port: '600' });
      expect(fs.existsSync(path.join(dataDir, 'spool'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('PREALERT_DATA_SCOPE other than user or machine is named, not taken as user', () => {
    const dataDir = tempDataDir();
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dataDir, PREALERT_DATA_SCOPE: 'machine' } }).dataScope).toBe(
      'machine',
    );
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dataDir } }).dataScope).toBe('user');
    // Empty (a template's blank) is the default, as an empty PREALERT_DATA_DIR is (upgrade-from-earlier-builds.test.ts).
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dataDir, PREALERT_DATA_SCOPE: '' } }).dataScope).toBe('user');
    for (const value of ['Machine', 'system', ' ']) {
      expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dataDir, PREALERT_DATA_SCOPE: value } })).toThrow(
        ConfigError,
      );
      expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dataDir, PREALERT_DATA_SCOPE: value } })).toThrow(
        `PREALERT_DATA_SCOPE must be machine (one sidecar for every account, data in /var/lib/prealert or %ProgramData%\\prealert) or user (the default), not ${JSON.stringify(value)}`,
      );
    }
  });
});
