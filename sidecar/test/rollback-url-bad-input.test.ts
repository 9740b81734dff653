/**
 * `prealert rollback --url` given something that is not a sidecar's http(s) address: the real CLI process refuses it
 * in one line naming --url, exit 1, and leaves the data dir as it was. It printed undici's "notaurl:
 * ERR_INVALID_URL: Invalid URL", which names no option.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

function rollback(args: string[]): { status: number | null; lines: string[] } {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, 'rollback', ...args], {
    env: { ...process.env, PREALERT_LOG_LEVEL: 'error', PREALERT_ADMIN_TOKEN: 'a-token-of-16-chars-or-more' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, lines: result.stderr.trim().split('\n') };
}

describe('rollback --url that is not an http(s) address', () => {
  for (const value of ['notaurl', '10.1.3.21:17311', 'ftp://10.1.3.21:17311', '']) {
    it(`${JSON.stringify(value)}: one line naming --url, exit 1, data dir untouched`, () => {
      const dataDir = tempDataDir();
      const { status, lines } = rollback(['--url', value, '--data-dir', dataDir]);
      expect(lines).toEqual([
        `prealert: --url must be the sidecar's http:// address, like http://10.1.3.21:17311 (got ${JSON.stringify(value)})`,
      ]);
      expect(status).toBe(1);
      expect(fs.readdirSync(dataDir)).toEqual([]);
    });
  }

  it('an http address where nothing listens still says so, naming where it came from', () => {
    const { status, lines } = rollback(['--url', 'http://127.0.0.1:1', '--data-dir', tempDataDir()]);
    expect(lines.join('\n')).toMatch(/not running \(connection refused\).*port 1 \(from --url\)/);
    expect(status).toBe(1);
  });
});
