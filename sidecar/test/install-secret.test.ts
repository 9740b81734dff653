import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInstallSecret, SECRET_FILE_NAME } from '../src/patient-pseudonym';
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
