// `prealert stats` run by an account that may not read the records (IT or 医保办 staff as themselves on a machine-wide
// install, /var/lib/prealert owned by the service account) said "no records database": they concluded there were no
// records. It now names the file, the cause and which account to run it as. Run as nobody (setpriv) on a data dir a
// real records database was created in, laid out as a machine-wide sidecar leaves it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME, openDatabase } from '../src/store/database';
import { whyNotAsAccount } from './helpers/other-account';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';

const NOBODY = 65534;
const folders: string[] = [];
const cannotSwitch = whyNotAsAccount(NOBODY, [CLI]);

function statsAsNobody(dataDir: string) {
  assertBuilt();
  return spawnSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, 'stats', '--data-dir', dataDir],
    { env: { PATH: process.env.PATH, HOME: '/nonexistent' }, encoding: 'utf8', timeout: 20_000 },
  );
}

/** A data dir holding a real records database, inside a folder other accounts may pass through. */
function recordsDir(dirMode: number): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-stats-eacces-'));
  folders.push(parent);
  fs.chmodSync(parent, 0o711);
  const dataDir = path.join(parent, '数据 目录');
  openDatabase(dataDir).close();
  fs.chmodSync(dataDir, dirMode);
  return dataDir;
}

afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

describe('prealert stats by an account that may not read the records', () => {
  it('says it cannot read the database, why, and as whom to run it', (ctx) => {
    if (cannotSwitch) return ctx.skip(cannotSwitch);
    // 0711: a machine-wide data dir, passed through to the port file; the database owner-only.
    for (const dirMode of [0o711, 0o700]) {
      const dataDir = recordsDir(dirMode);
      const file = path.join(dataDir, DATABASE_FILE_NAME);
      const result = statsAsNobody(dataDir);
      expect(result.status, result.stderr).toBe(1);
      const owner = dirMode === 0o711 ? ` \\(uid ${fs.statSync(file).uid}, the file's owner\\)` : '';
      expect(result.stderr).toMatch(
        new RegExp(
          `^prealert: cannot read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: EACCES \\(permission denied\\); run stats as the account prealert runs as${owner}, or as root\\n$`,
        ),
      );
      expect(result.stderr).not.toContain('no records database');
    }
  });

  it('still says there is none where there is none', (ctx) => {
    if (cannotSwitch) return ctx.skip(cannotSwitch);
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-stats-none-'));
    folders.push(parent);
    fs.chmodSync(parent, 0o777);
    const result = statsAsNobody(path.join(parent, 'empty'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `prealert: no records database in ${path.join(parent, 'empty')} (${path.join(parent, 'empty', DATABASE_FILE_NAME)} does not exist); give the folder the sidecar keeps its records in with --data-dir (its /v1/status names it as where.data_dir)\n`,
    );
  });
});
