/**
 * `prealert push --bundle` given something that is not a bundle directory (none there, one without manifest.json, a
 * file): the real CLI process refuses it in one line naming --bundle, exit 1, before any host is called. It printed
 * node's bare "ENOENT: no such file or directory, open 'b/manifest.json'", which names no option.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

function push(bundle: string, hosts: string): { status: number | null; lines: string[] } {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, 'push', '--bundle', bundle, '--hosts', hosts], {
    env: { ...process.env, PREALERT_LOG_LEVEL: 'error', PREALERT_ADMIN_TOKEN: 'a-token-of-16-chars-or-more' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, lines: result.stderr.trim().split('\n') };
}

describe('push --bundle that is not a bundle directory', () => {
  const dir = tempDataDir();
  // Port 1 on loopback: nothing listens there, so a push that got as far as a host would say so.
  const hosts = path.join(dir, 'hosts.txt');
  fs.writeFileSync(hosts, '127.0.0.1:1\n');
  const emptyDir = path.join(dir, 'empty');
  fs.mkdirSync(emptyDir);
  const aFile = path.join(dir, 'not-a-dir.txt');
  fs.writeFileSync(aFile, 'not a bundle\n');

  for (const [what, bundle, code] of [
    ['no such directory', path.join(dir, 'missing'), 'ENOENT'],
    ['a directory without manifest.json', emptyDir, 'ENOENT'],
    ['a file instead of a directory', aFile, 'ENOTDIR'],
  ] as const) {
    it(`${what}: one line naming --bundle and the file, exit 1`, () => {
      const { status, lines } = push(bundle, hosts);
      expect(lines).toEqual([
        `prealert: --bundle ${bundle}: ${path.join(bundle, 'manifest.json')} cannot be read (${code}); give the directory \`prealert bundle build\` wrote`,
      ]);
      expect(status).toBe(1);
    });
  }
});
