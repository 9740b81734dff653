/**
 * `prealert serve` with a data directory it cannot write (a service account without rights to the folder): the
 * built CLI as a child process must say in one line which directory and why, as for a bad setting, not SQLite's
 * "unable to open database file".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { blockWrites } from './sync-support';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-data-dir-'));
const undo: (() => void)[] = [];
afterAll(() => {
  for (const u of undo) u();
  fs.rmSync(work, { recursive: true, force: true });
});

function serve(dataDir: string) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, PREALERT_LOG_LEVEL: 'error' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stderr: result.stderr };
}

describe('prealert serve with a data directory it cannot use', () => {
  it('exits with 1 and one line naming the directory and the cause when it cannot write there', (ctx) => {
    const dataDir = path.join(work, 'locked');
    fs.mkdirSync(dataDir);
    const unblock = blockWrites(dataDir);
    if (!unblock) return ctx.skip();
    undo.push(unblock);
    const { code, stderr } = serve(dataDir);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `^prealert: data directory ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write in it: (EACCES \\(permission denied\\)|EPERM \\(operation not permitted\\)); .*--data-dir or PREALERT_DATA_DIR\\n$`,
      ),
    );
    expect(stderr).not.toContain('unable to open database file');
  });

  it('names the directory and the cause when a part of its path is a file', () => {
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, '');
    const dataDir = path.join(file, 'prealert');
    const { code, stderr } = serve(dataDir);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^prealert: data directory .*a-file.prealert: cannot create it: ENOTDIR \(a part of its path is a file\);/,
    );
    expect(stderr.split('\n')).toHaveLength(2);
  });
});
