/**
 * `prealert keygen --out` where a file stands in the way of the directory (the path itself, or a folder on it): the
 * real CLI process refuses it in one line naming --out, exit 1, and writes no key. It printed node's bare "EEXIST:
 * file already exists, mkdir '…'", which names no option.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

function keygen(out: string): { status: number | null; lines: string[] } {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, 'keygen', '--out', out], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, lines: result.stderr.trim().split('\n') };
}

describe('keygen --out that cannot be a directory', () => {
  const dir = tempDataDir();
  const aFile = path.join(dir, 'keys.txt');
  fs.writeFileSync(aFile, 'not a directory\n');

  for (const [what, out, code] of [
    ['the path is a file', aFile, 'EEXIST'],
    ['a file on the way to it', path.join(aFile, 'keys'), 'ENOTDIR'],
  ] as const) {
    it(`${what}: one line naming --out, exit 1, no key written`, () => {
      const { status, lines } = keygen(out);
      expect(lines).toEqual([
        `prealert: --out ${out}: a file is in the way of the directory (${code}); give a directory, new or existing, this account can write in`,
      ]);
      expect(status).toBe(1);
      expect(fs.readdirSync(dir)).toEqual(['keys.txt']);
    });
  }

  it('a directory still gets its key pair', () => {
    const out = path.join(dir, 'new', 'keys');
    expect(keygen(out).status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['prealert-bundle.key', 'prealert-bundle.pub']);
    fs.rmSync(path.join(dir, 'new'), { recursive: true });
  });
});
