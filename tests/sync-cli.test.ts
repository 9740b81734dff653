/**
 * `prealert bundle build` and `prealert bundle verify` through the built CLI (node sidecar/dist/cli.js), on bundles
 * made from the real NHSA files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_FILES, tempDir, V1 } from '../sidecar/test/sync-support';
import { prealert } from './sync-process';

const work = tempDir('sync-cli');
const keys = path.join(work, 'keys');
const bundleDir = path.join(work, 'v1');

beforeAll(() => {
  const keygen = prealert(['keygen', '--out', keys]);
  if (keygen.code !== 0) throw new Error(keygen.stderr);
  const built = prealert([
    'bundle',
    'build',
    '--source',
    ...BATCH_FILES,
    '--version',
    V1,
    '--key',
    path.join(keys, 'prealert-bundle.key'),
    '--out',
    bundleDir,
  ]);
  if (built.code !== 0) throw new Error(built.stderr);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function libraryFileOf(dir: string): string {
  const name = fs.readdirSync(dir).find((f) => f.startsWith('library-'));
  if (!name) throw new Error(`no library file in ${dir}`);
  return name;
}

describe('prealert bundle verify', () => {
  it('accepts a good bundle (exit 0) and says what it checked', () => {
    const result = prealert(['bundle', 'verify', bundleDir, '--pubkey', path.join(keys, 'prealert-bundle.pub')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^OK ${V1.replace(/[.+]/g, '\\$&')} \\(national`));
    expect(result.stdout).toContain('sha256 and size match');
  });

  it('refuses a bundle whose library file was altered, naming the file', () => {
    const tampered = path.join(work, 'tampered');
    fs.cpSync(bundleDir, tampered, { recursive: true });
    const name = libraryFileOf(tampered);
    const file = path.join(tampered, name);
    const bytes = fs.readFileSync(file);
    // One byte of an item name changed: same size, still parseable, another hash.
    const at = bytes.indexOf(Buffer.from('"itemName":"')) + 12;
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    fs.writeFileSync(file, bytes);
    const result = prealert(['bundle', 'verify', tampered, '--pubkey', path.join(keys, 'prealert-bundle.pub')]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toMatch(/^OK/);
    expect(result.stderr).toContain(name);
    expect(result.stderr).toMatch(/sha256 .* differs/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a bundle checked against another key', () => {
    const other = path.join(work, 'other-keys');
    expect(prealert(['keygen', '--out', other]).code).toBe(0);
    const result = prealert(['bundle', 'verify', bundleDir, '--pubkey', path.join(other, 'prealert-bundle.pub')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/untrusted key/);
  });
});

describe('prealert bundle build from bad input', () => {
  it('names the file and row of each bad CSV row, exits non-zero and writes no bundle', () => {
    const csv = path.join(work, 'province-44.csv');
    fs.writeFileSync(
      csv,
      [
        'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code,effective_from,effective_to',
        '药品儿童专用,GZ10000301002000,drug,小儿热速清颗粒(本省),age_group,婴幼儿,本省限婴幼儿,ZA01BAX0496010103665,,',
        '药品区分性别使用,GZ10000301004000,drug,,sex,女,限女性,XG03DBD084A001010104604,,',
      ].join('\n'),
    );
    const out = path.join(work, 'never-written');
    const result = prealert([
      'bundle',
      'build',
      '--source',
      ...BATCH_FILES,
      csv,
      '--version',
      'prov44-bad',
      '--key',
      path.join(keys, 'prealert-bundle.key'),
      '--out',
      out,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${csv}:3 item_name`);
    expect(result.stderr).toMatch(/no bundle was written/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  });
});
