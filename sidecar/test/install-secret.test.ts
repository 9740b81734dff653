import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadInstallSecret, SECRET_FILE_NAME } from '../src/patient-pseudonym';
import { analysisEnvelope } from './fixtures/his-requests';
import { CLI, post, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

describe('the install secret', () => {
  it('is created once, owner-only, with no temporary file left behind, and read back the same', () => {
    const dir = tempDataDir();
    const first = loadInstallSecret(dir);
    expect(first).toHaveLength(32);
    expect(loadInstallSecret(dir).equals(first)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([SECRET_FILE_NAME]);
    if (process.platform !== 'win32') expect(fs.statSync(path.join(dir, SECRET_FILE_NAME)).mode & 0o777).toBe(0o600);
  });

  it('keeps the secret already there when another start created it first', () => {
    const dir = tempDataDir();
    const theirs = 'ab'.repeat(32);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${theirs}\n`);
    expect(loadInstallSecret(dir).toString('hex')).toBe(theirs);
  });

  it('replaces an empty file (a power cut during a first start) instead of refusing every start', () => {
    for (const empty of ['', '\n', '  ']) {
      const dir = tempDataDir();
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), empty);
      const secret = loadInstallSecret(dir);
      expect(secret).toHaveLength(32);
      expect(loadInstallSecret(dir).equals(secret)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual([SECRET_FILE_NAME]);
    }
  });

  it('still refuses a file that holds something other than a secret, naming it', () => {
    const dir = tempDataDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), 'not a secret\n');
    expect(() => loadInstallSecret(dir)).toThrow(/install\.secret is not a 64-hex-digit secret/);
  });
});

describe('the install secret of a data dir that holds records', () => {
  let sidecar: RunningSidecar | undefined;
  afterEach(async () => {
    await sidecar?.stop();
    sidecar = undefined;
  });

  /** A data dir whose database holds a 3101 answer keyed by its install secret (a real sidecar wrote it). */
  async function dataDirWithRecords(): Promise<string> {
    const dir = tempDataDir();
    sidecar = await spawnSidecar(dir);
    const answer = await post(
      `${sidecar.url}/fsi/api/rsfComIfsService/callService`,
      analysisEnvelope({ encounterId: 'MZ-SECRET-1' }),
    );
    expect(answer.infcode).toBe(0);
    expect(await sidecar.stop()).toBe(0);
    sidecar = undefined;
    return dir;
  }

  function serve(dir: string) {
    return spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('stops the start with one line naming the file and what to do, when the secret is empty or missing', async () => {
    for (const damage of ['empty', 'missing'] as const) {
      const dir = await dataDirWithRecords();
      const file = path.join(dir, SECRET_FILE_NAME);
      const before = fs.readFileSync(file);
      if (damage === 'empty') fs.writeFileSync(file, '');
      else fs.rmSync(file);
      const start = serve(dir);
      expect(start.status, damage).not.toBe(0);
      expect(start.stderr.trim().split('\n')).toEqual([
        `prealert: ${file} is ${damage} but prealert.sqlite beside it holds records keyed by it: restore ` +
          `${SECRET_FILE_NAME} from a backup of this data dir, or move prealert.sqlite (and its -wal file) away to ` +
          'start afresh',
      ]);
      // Nothing replaced it: a restored secret is the one the records were keyed by.
      expect(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined).toBe(damage === 'empty' ? '' : undefined);
      fs.writeFileSync(file, before);
      sidecar = await spawnSidecar(dir);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      await sidecar.stop();
      sidecar = undefined;
    }
  }, 240_000);

  it('still creates it at a first start with an empty database, also over an empty file', async () => {
    const dir = tempDataDir();
    fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), '');
    sidecar = await spawnSidecar(dir);
    expect(fs.readFileSync(path.join(dir, SECRET_FILE_NAME), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  }, 240_000);
});
